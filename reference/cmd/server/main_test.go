package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/internal/syncbuf"
	"socketlab/reference/app"
	"socketlab/reference/app/apptest"
	apphttp "socketlab/reference/app/http"
	"socketlab/reference/app/sqlite"
	"socketlab/reference/socketio/client"
)

const (
	deadline = 30 * time.Second
	testdata = "../../app/testdata"
)

// startServer runs run() on 127.0.0.1:0 in a goroutine and returns the URL it
// printed. The server is stopped, through its context, at the end of the test.
func startServer(t *testing.T) string {
	t.Helper()
	url, stop := startServerIn(t, t.TempDir())
	t.Cleanup(stop)
	return url
}

// startServerIn runs run() with its data in dir; stop cancels its context
// and waits for run to return (it is also called at the end of the test).
func startServerIn(t *testing.T, dir string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncbuf.Buffer{}
	args := []string{"-addr", "127.0.0.1:0", "-data", dir, "-secret", "e2e-secret", "-dev"}
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, logs)
		pw.CloseWithError(fmt.Errorf("run returned: %v", err))
		errc <- err
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Error("run did not return after cancel")
			}
			if t.Failed() {
				t.Logf("server log:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(stop)

	lines := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(pr).ReadString('\n')
		if err != nil {
			line = "error: " + err.Error()
		}
		lines <- line
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(10 * time.Second):
		t.Fatal("no URL line on stdout")
	}
	var first struct {
		URL string `json:"url"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &first), line)
	require.True(t, strings.HasPrefix(first.URL, "http://127.0.0.1:"), first.URL)
	return first.URL, stop
}

func TestRunFlags(t *testing.T) {
	err := run(context.Background(), []string{"-nope"}, io.Discard, io.Discard)
	require.Error(t, err)
	t.Setenv("SOCKETLAB_JWT_SECRET", "")
	err = run(context.Background(), []string{"-dev=false", "-data", t.TempDir()}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "secret")
}

func TestRunPrintsURLAndStops(t *testing.T) {
	url := startServer(t)
	res, err := http.Get(url + "/")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
}

// recorder keeps every event one socket receives, in order.
type recorder struct {
	name string
	mu   sync.Mutex
	cond *sync.Cond
	evs  []event
}

type event struct {
	Name string
	Data map[string]any
}

func (r *recorder) add(e *client.Event) {
	var data map[string]any
	if len(e.Args) > 0 {
		// Normalize json.Number to float64, as for the REST bodies.
		b, _ := json.Marshal(e.Args[0])
		_ = json.Unmarshal(b, &data)
	}
	r.mu.Lock()
	r.evs = append(r.evs, event{e.Name, data})
	r.mu.Unlock()
	r.cond.Broadcast()
}

// waitFor waits until some received event satisfies ok, and returns the
// events received so far.
func (r *recorder) waitFor(t *testing.T, what string, ok func(event) bool) []event {
	t.Helper()
	timer := time.AfterFunc(deadline, r.cond.Broadcast)
	defer timer.Stop()
	end := time.Now().Add(deadline)
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for _, e := range r.evs {
			if ok(e) {
				return append([]event(nil), r.evs...)
			}
		}
		if time.Now().After(end) {
			t.Fatalf("%s: no %s within %v; got %v", r.name, what, deadline, r.evs)
		}
		r.cond.Wait()
	}
}

func connect(t *testing.T, url, name, token string) *recorder {
	t.Helper()
	r := &recorder{name: name}
	r.cond = sync.NewCond(&r.mu)
	no := false
	s := client.Connect(url, client.Options{Auth: map[string]any{"token": token}, AutoConnect: &no})
	t.Cleanup(s.Disconnect)
	connected := make(chan struct{})
	var once sync.Once
	s.OnConnect(func() { once.Do(func() { close(connected) }) })
	s.OnConnectError(func(err *client.ConnectError) { t.Errorf("%s: connect_error %s", name, err.Message) })
	s.OnAny(r.add)
	s.Connect()
	select {
	case <-connected:
	case <-time.After(deadline):
		t.Fatalf("%s: not connected", name)
	}
	return r
}

func login(t *testing.T, url, user string) string {
	t.Helper()
	res, err := http.Post(url+"/api/dev/login", "application/json", strings.NewReader(`{"userId":"`+user+`"}`))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	var out struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	return out.Token
}

func request(t *testing.T, method, url, token string, hdr http.Header, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	if hdr != nil {
		req.Header = hdr
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

func upload(t *testing.T, url, token, file, title string) map[string]any {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("title", title))
	fw, err := mw.CreateFormFile("video", filepath.Base(file))
	require.NoError(t, err)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	res, b := request(t, "POST", url+"/api/videos", token, http.Header{"Content-Type": {mw.FormDataContentType()}}, &body)
	require.Equal(t, 201, res.StatusCode, string(b))
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "processing", v["status"])
	return v
}

func announce(t *testing.T, url, token, msg string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"message": msg})
	res, out := request(t, "POST", url+"/api/announcements", token, http.Header{"Content-Type": {"application/json"}}, bytes.NewReader(b))
	require.Less(t, res.StatusCode, 300, string(out))
}

func isEvent(name, id string) func(event) bool {
	return func(e event) bool { return e.Name == name && e.Data["videoId"] == id }
}

func isMarker(msg string) func(event) bool {
	return func(e event) bool { return e.Name == "server:announcement" && e.Data["message"] == msg }
}

// about returns the events about video id.
func about(evs []event, id string) []event {
	var out []event
	for _, e := range evs {
		if e.Data["videoId"] == id {
			out = append(out, e)
		}
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	apptest.RequireFFmpeg(t)
	url := startServer(t)
	alice, bob, carol := login(t, url, "alice"), login(t, url, "bob"), login(t, url, "carol")
	ra := connect(t, url, "alice", alice)
	rb := connect(t, url, "bob", bob)
	rc := connect(t, url, "carol", carol)

	calm := upload(t, url, alice, filepath.Join(testdata, "calm.mp4"), "Calm")
	bad := upload(t, url, alice, filepath.Join(testdata, "corrupt.mp4"), "Corrupt")
	calmID, badID := calm["_id"].(string), bad["_id"].(string)

	for _, r := range []*recorder{ra, rb} {
		r.waitFor(t, "video:processed", isEvent("video:processed", calmID))
		r.waitFor(t, "video:failed", isEvent("video:failed", badID))
	}
	// Alice's notification comes after the terminal event; wait for both.
	ra.waitFor(t, "notification:personal", isEvent("notification:personal", calmID))
	// The marker: every stream is complete once it arrives.
	const marker = "end of e2e"
	announce(t, url, alice, marker)
	var evs = map[string][]event{}
	for _, r := range []*recorder{ra, rb, rc} {
		evs[r.name] = r.waitFor(t, "marker", isMarker(marker))
	}

	var processed map[string]any
	for _, name := range []string{"alice", "bob"} {
		var got []string
		for _, e := range about(evs[name], calmID) {
			switch e.Name {
			case "video:progress":
				got = append(got, fmt.Sprintf("progress %v %v", e.Data["progress"], e.Data["stage"]))
			case "video:processed":
				got = append(got, "processed")
				processed = e.Data
			case "notification:personal":
				require.Equal(t, "alice", name, "only the uploader is notified")
				require.Equal(t, "video:ready", e.Data["kind"])
			default:
				got = append(got, e.Name)
			}
		}
		require.Equal(t, []string{
			"progress 10 metadata", "progress 40 thumbnail", "progress 70 sensitivity", "processed",
		}, got, name)

		md := processed["metadata"].(map[string]any)
		require.EqualValues(t, 160, md["width"])
		require.EqualValues(t, 120, md["height"])
		require.InDelta(t, 2.0, md["duration"], 0.1)
		require.Equal(t, "safe", processed["sensitivity"].(map[string]any)["status"])
		require.Equal(t, "completed", processed["status"])

		var failed, other int
		for _, e := range about(evs[name], badID) {
			switch e.Name {
			case "video:failed":
				failed++
				require.NotEmpty(t, e.Data["error"])
			case "video:processed":
				other++
			case "notification:personal":
				require.Equal(t, "alice", name, "only the uploader is notified")
				require.NotEqual(t, "video:ready", e.Data["kind"])
			}
		}
		require.Equal(t, 1, failed, name)
		require.Zero(t, other, name)
	}
	notified := 0
	for _, e := range evs["alice"] {
		if e.Name == "notification:personal" && e.Data["videoId"] == calmID {
			notified++
		}
	}
	require.Equal(t, 1, notified)
	for _, e := range evs["bob"] {
		require.NotEqual(t, "notification:personal", e.Name)
	}
	for _, e := range evs["carol"] {
		require.Equal(t, "server:announcement", e.Name, "carol got %v", e)
	}

	// REST agrees with the events.
	res, b := request(t, "GET", url+"/api/videos/"+calmID, alice, nil, nil)
	require.Equal(t, 200, res.StatusCode, string(b))
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "completed", v["status"])
	require.EqualValues(t, 100, v["progress"])
	require.Equal(t, processed["metadata"], v["metadata"])
	require.Equal(t, processed["sensitivity"], v["sensitivity"])
	require.Equal(t, processed["thumbnail"], v["thumbnail"])

	res, b = request(t, "GET", url+"/api/videos/"+calmID, carol, nil, nil)
	require.Equal(t, 404, res.StatusCode, string(b))

	res, b = request(t, "GET", url+"/api/videos/"+badID, bob, nil, nil)
	require.Equal(t, 200, res.StatusCode, string(b))
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "failed", v["status"])

	thumb := processed["thumbnail"].(string)
	res, b = request(t, "GET", url+thumb, bob, nil, nil)
	require.Equal(t, 200, res.StatusCode, string(b))
	require.Equal(t, "image/jpeg", res.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(b, []byte{0xff, 0xd8}), "JPEG magic")

	res, b = request(t, "GET", url+"/api/videos/"+calmID, alice, nil, nil)
	require.Equal(t, 200, res.StatusCode)
	require.NoError(t, json.Unmarshal(b, &v))
	stream, _ := v["streamUrl"].(string)
	require.NotEmpty(t, stream)
	if strings.HasPrefix(stream, "/") {
		stream = url + stream
	}
	res, b = request(t, "GET", stream, "", http.Header{"Range": {"bytes=0-99"}}, nil)
	require.Equal(t, 206, res.StatusCode, string(b))
	require.Len(t, b, 100)
	require.Contains(t, res.Header.Get("Content-Range"), "bytes 0-99/")
	res, _ = request(t, "GET", stream, "", nil, nil)
	require.Equal(t, 200, res.StatusCode)
}

// TestRestartResumes checks that a video left processing by a server that
// stopped mid-way (here: stored at its first stage, file on disk, as a
// crash after "metadata" leaves it) is finished by the next run on the
// same data. The state is written directly rather than by racing a
// shutdown against ffprobe, so the case is always exercised.
func TestRestartResumes(t *testing.T) {
	apptest.RequireFFmpeg(t)
	dir := t.TempDir()
	id := seedInterruptedVideo(t, dir, filepath.Join(testdata, "calm.mp4"))

	url, _ := startServerIn(t, dir)
	alice := login(t, url, "alice") // the secret is the same across runs
	end := time.Now().Add(deadline)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		res, b := request(t, "GET", url+"/api/videos/"+id, alice, nil, nil)
		require.Equal(t, 200, res.StatusCode, string(b))
		var got map[string]any
		require.NoError(t, json.Unmarshal(b, &got))
		if got["status"] == "completed" {
			require.EqualValues(t, 160, got["metadata"].(map[string]any)["width"])
			return
		}
		require.Equal(t, "processing", got["status"], string(b))
		if time.Now().After(end) {
			t.Fatalf("video %s not completed after restart: %s", id, b)
		}
		<-tick.C
	}
}

// seedInterruptedVideo stores, under dir laid out as the server lays it
// out (socketlab.db, files/videos/<id>/video), an acme video uploaded by
// alice that is still processing at the metadata stage.
func seedInterruptedVideo(t *testing.T, dir, file string) string {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(dir, "socketlab.db"))
	require.NoError(t, err)
	defer db.Close()
	videos := sqlite.NewVideoService(db)
	v := &app.Video{Title: "Interrupted", OrganizationID: "acme", UploadedBy: "alice"}
	require.NoError(t, videos.CreateVideo(context.Background(), v))
	require.NoError(t, videos.UpdateProgress(context.Background(), v.ID, app.StageMetadata, 10))

	storage := apphttp.DirStorage(filepath.Join(dir, "files"))
	require.NoError(t, os.MkdirAll(storage.WorkDir(v.ID), 0o750))
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(storage.VideoPath(v.ID), data, 0o640))
	return v.ID
}
