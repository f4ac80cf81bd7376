// Package node_test proves that the Node target (app.mjs: the app contract
// on the official socket.io) works end to end: it starts `node app.mjs` as a
// black box, mints its own HS256 tokens, speaks raw Engine.IO/Socket.IO
// frames over a WebSocket and uploads the harness's media fixtures
// (conformance/testdata). It imports nothing from reference/.
//
// Node.js with this folder's npm packages and ffmpeg/ffprobe are needed:
// without them the tests skip, except under CI=true where they fail
// (interop.Require installs the npm packages itself).
package node_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"socketlab/internal/syncbuf"
	"socketlab/interop"
)

const secret = "s3cret"

// fixtureDir holds the harness's media fixtures (the same files as
// reference/app/testdata).
const fixtureDir = "../../testdata"

type metadata struct {
	Duration float64 `json:"duration"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	Codec    string  `json:"codec"`
	FPS      float64 `json:"fps"`
	BitRate  int64   `json:"bitRate"`
	Size     int64   `json:"size"`
	HasAudio bool    `json:"hasAudio"`
}

// fixtureMetadata is what ffprobe measured in a fixture when
// make-fixtures.sh made it, as fixtureDir/fixtures.json records it.
func fixtureMetadata(t *testing.T, fixture string) metadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	mustJSON(t, b, &all)
	var f struct {
		Metadata *metadata `json:"metadata"`
	}
	if raw, ok := all[fixture]; ok {
		mustJSON(t, raw, &f)
	}
	if f.Metadata == nil {
		t.Fatalf("fixtures.json has no metadata for %s", fixture)
	}
	return *f.Metadata
}

type sensitivity struct {
	Status              string `json:"status"`
	MaxFlashesPerSecond int    `json:"maxFlashesPerSecond"`
	Method              string `json:"method"`
}

// video is the part of the contract's video JSON the tests read.
type video struct {
	ID          string       `json:"_id"`
	Title       string       `json:"title"`
	Org         string       `json:"organizationId"`
	UploadedBy  string       `json:"uploadedBy"`
	Status      string       `json:"status"`
	Progress    int          `json:"progress"`
	Stage       *string      `json:"stage"`
	Metadata    *metadata    `json:"metadata"`
	Thumbnail   *string      `json:"thumbnail"`
	Sensitivity *sensitivity `json:"sensitivity"`
	Error       *string      `json:"error"`
	StreamURL   string       `json:"streamUrl"`
}

// ------------------------------------------------------------------ the app

// startApp runs `node app.mjs --port 0 --secret s3cret --data <tmp>` and
// returns its base URL. The process is stopped when the test ends; its
// stderr is logged if the test failed.
func startApp(t *testing.T, args ...string) string {
	t.Helper()
	interop.Require(t)
	requireFFmpeg(t)
	cmd := exec.Command("node", append([]string{"app.mjs", "--port", "0", "--secret", secret, "--data", t.TempDir()}, args...)...)
	cmd.Dir = interop.TesteeDir()
	// We hold stdin: if the test binary dies, the app sees EOF and exits.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Our own pipe for stdout, so that Wait does not race with reading it.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = stdoutW, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdoutW.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = stdin.Close()
		if t.Failed() {
			t.Logf("app stderr:\n%s", stderr.String())
		}
	})

	first := make(chan string, 1)
	go func() {
		defer stdoutR.Close()
		sc := bufio.NewScanner(stdoutR)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		_, _ = io.Copy(io.Discard, stdoutR)
	}()
	select {
	case line := <-first:
		var msg struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil || !strings.HasPrefix(msg.URL, "http://127.0.0.1:") {
			t.Fatalf("first stdout line %q, want {\"url\":\"http://127.0.0.1:PORT\"}\nstderr: %s", line, stderr.String())
		}
		return msg.URL
	case <-time.After(30 * time.Second):
		t.Fatalf("app printed no URL within 30 s\nstderr: %s", stderr.String())
	}
	return ""
}

// requireFFmpeg skips the test without ffmpeg and ffprobe, or fails it
// under CI=true, like interop.Require does for Node.js.
func requireFFmpeg(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
				t.Fatalf("%s not found and CI=true (Debian: apt-get install -y ffmpeg)", tool)
			}
			t.Skipf("%s not found (Debian: apt-get install -y ffmpeg)", tool)
		}
	}
}

// token mints an HS256 token under the app's secret.
func token(t *testing.T, user, org, role string, exp time.Time) string {
	t.Helper()
	claims := jwt.MapClaims{"userId": user, "organizationId": org, "role": role, "exp": exp.Unix(), "iat": time.Now().Unix()}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The example identities of the contract.
type identities struct{ alice, bob, carol string }

func people(t *testing.T) identities {
	exp := time.Now().Add(time.Hour)
	return identities{
		alice: token(t, "u-alice", "acme", "admin", exp),
		bob:   token(t, "u-bob", "acme", "member", exp),
		carol: token(t, "u-carol", "globex", "member", exp),
	}
}

// --------------------------------------------------------------------- REST

var client = &http.Client{Timeout: 30 * time.Second}

func do(t *testing.T, method, url, bearer string, body io.Reader, contentType string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res, b
}

// upload posts a fixture as the "video" part and returns the 201's video.
func upload(t *testing.T, base, bearer, fixture string) video {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, fixture))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("video", fixture)
	part.Write(data)
	mw.Close()
	res, b := do(t, "POST", base+"/api/videos", bearer, &body, mw.FormDataContentType())
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %s %s", fixture, res.Status, b)
	}
	var v video
	mustJSON(t, b, &v)
	if res.Header.Get("Location") != "/api/videos/"+v.ID {
		t.Errorf("upload %s: Location %q, want /api/videos/%s", fixture, res.Header.Get("Location"), v.ID)
	}
	if v.Status != "processing" || v.Progress != 0 || v.Stage != nil || v.Metadata != nil || v.Title != fixture {
		t.Errorf("upload %s: 201 is not the upload state: %s", fixture, b)
	}
	return v
}

func getVideo(t *testing.T, base, bearer, id string) video {
	t.Helper()
	res, b := do(t, "GET", base+"/api/videos/"+id, bearer, nil, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET video %s: %s %s", id, res.Status, b)
	}
	var v video
	mustJSON(t, b, &v)
	return v
}

func mustJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

// --------------------------------------------------------------- Socket.IO

// socket is a raw Engine.IO v4 WebSocket carrying Socket.IO v5 packets.
// A goroutine reads every frame, answers the server's pings, and queues
// the rest as whole Engine.IO messages ("40{…}", "42[…]", "44{…}", "41").
type socket struct {
	t       *testing.T
	conn    *websocket.Conn
	packets chan string
	writeMu sync.Mutex
}

const wait = 15 * time.Second // for anything that should come

// open dials the WebSocket, reads the Engine.IO open packet, sends the
// Socket.IO CONNECT with auth (no payload when nil) and returns the first
// packet after it: the CONNECT reply, or whatever came before it.
func open(t *testing.T, base string, auth any) (*socket, string) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	s := &socket{t: t, conn: conn, packets: make(chan string, 1024)}
	t.Cleanup(func() { conn.Close() })
	go s.read()
	if hello := s.next(); !strings.HasPrefix(hello, `0{"sid":`) {
		t.Fatalf("Engine.IO open packet %q, want 0{\"sid\":…}", hello)
	}
	connect := "40"
	if auth != nil {
		b, _ := json.Marshal(auth)
		connect += string(b)
	}
	s.send(connect)
	return s, s.next()
}

// connect opens a socket authenticated with bearer and returns it with its
// CONNECT reply's sid and pid (pid "" without recovery).
func connect(t *testing.T, base, bearer string) (s *socket, sid, pid string) {
	t.Helper()
	s, reply := open(t, base, map[string]any{"token": bearer})
	sid, pid = connectReply(t, reply)
	return s, sid, pid
}

func connectReply(t *testing.T, reply string) (sid, pid string) {
	t.Helper()
	var r struct{ Sid, Pid string }
	if !strings.HasPrefix(reply, "40{") || json.Unmarshal([]byte(reply[2:]), &r) != nil || r.Sid == "" {
		t.Fatalf("CONNECT reply %q, want 40{\"sid\":…}", reply)
	}
	return r.Sid, r.Pid
}

func (s *socket) read() {
	defer close(s.packets)
	for {
		_, data, err := s.conn.ReadMessage()
		if err != nil {
			return
		}
		switch msg := string(data); {
		case msg == "2": // ping
			s.sendRaw("3")
		case strings.HasPrefix(msg, "0"), strings.HasPrefix(msg, "4"):
			s.packets <- msg
		}
	}
}

func (s *socket) sendRaw(msg string) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_ = s.conn.WriteMessage(websocket.TextMessage, []byte(msg))
}

// send sends a Socket.IO packet ("40…", "42…").
func (s *socket) send(packet string) { s.sendRaw(packet) }

// next returns the next packet, failing the test after wait.
func (s *socket) next() string {
	s.t.Helper()
	select {
	case p, ok := <-s.packets:
		if !ok {
			s.t.Fatal("connection closed while waiting for a packet")
		}
		return p
	case <-time.After(wait):
		s.t.Fatalf("no packet within %v", wait)
	}
	return ""
}

// quiet returns every packet that arrives within d (for "receives nothing").
func (s *socket) quiet(d time.Duration) []string {
	var got []string
	deadline := time.After(d)
	for {
		select {
		case p, ok := <-s.packets:
			if !ok {
				return got
			}
			got = append(got, p)
		case <-deadline:
			return got
		}
	}
}

// cut closes the TCP connection under the WebSocket, without any close
// packet: a network failure, as far as the server can tell.
func (s *socket) cut() { s.conn.NetConn().Close() }

// event is a decoded EVENT packet: its name and first argument. offset is
// the extra string argument of connection state recovery, if any.
type event struct {
	Name    string
	Payload json.RawMessage
	Offset  string
}

func parseEvent(t *testing.T, packet string) (event, bool) {
	t.Helper()
	if !strings.HasPrefix(packet, "42[") {
		return event{}, false
	}
	var args []json.RawMessage
	mustJSON(t, []byte(packet[2:]), &args)
	var e event
	if len(args) < 2 || json.Unmarshal(args[0], &e.Name) != nil {
		t.Fatalf("server event %s: want a name and a payload", packet)
	}
	e.Payload = args[1]
	if len(args) == 3 && json.Unmarshal(args[2], &e.Offset) != nil || len(args) > 3 {
		t.Fatalf("server event %s: only an offset string may follow the payload (EVT-1)", packet)
	}
	return e, true
}

// nextEvent returns the next event named name, skipping other packets.
func (s *socket) nextEvent(name string) event {
	s.t.Helper()
	for {
		if e, ok := parseEvent(s.t, s.next()); ok && e.Name == name {
			return e
		}
	}
}

// videoEvents returns the processing events of video id, in order, up to
// and including its terminal event, then the notification:personal that
// follows it when personal is set. Other events are skipped.
func (s *socket) videoEvents(id string, personal bool) []event {
	s.t.Helper()
	var got []event
	for {
		e, ok := parseEvent(s.t, s.next())
		if !ok || !strings.HasPrefix(e.Name, "video:") && e.Name != "notification:personal" || aboutVideo(e) != id {
			continue
		}
		got = append(got, e)
		if e.Name == "notification:personal" {
			return got
		}
		if (e.Name == "video:processed" || e.Name == "video:failed") && !personal {
			return got
		}
	}
}

func aboutVideo(e event) string {
	var p struct {
		VideoID string `json:"videoId"`
	}
	_ = json.Unmarshal(e.Payload, &p)
	return p.VideoID
}

// emitAck sends 42<id>[name, args…] and returns the first argument of the
// matching ACK, skipping other packets.
func (s *socket) emitAck(id int, name string, args ...any) string {
	s.t.Helper()
	b, _ := json.Marshal(append([]any{name}, args...))
	s.send(fmt.Sprintf("42%d%s", id, b))
	prefix := fmt.Sprintf("43%d[", id)
	for {
		if p := s.next(); strings.HasPrefix(p, prefix) {
			var res []json.RawMessage
			mustJSON(s.t, []byte(p[len(prefix)-1:]), &res)
			if len(res) != 1 {
				s.t.Fatalf("ack %s: want one argument", p)
			}
			return string(res[0])
		}
	}
}

// ---------------------------------------------------------------- the tests

// TestAuthentication: the token travels in the CONNECT payload and is
// refused with exactly the two messages of the contract, over Socket.IO and
// REST alike.
func TestAuthentication(t *testing.T) {
	base := startApp(t)
	ids := people(t)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{
		"userId": "u-alice", "organizationId": "acme", "role": "admin", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(secret))
	cases := []struct {
		name string
		auth any
		want string
	}{
		{"no payload", nil, `44{"message":"Authentication required"}`},
		{"null token", map[string]any{"token": nil}, `44{"message":"Authentication required"}`},
		{"empty token", map[string]any{"token": ""}, `44{"message":"Authentication required"}`},
		{"bad token", map[string]any{"token": "abc.def"}, `44{"message":"Invalid token"}`},
		{"not a string", map[string]any{"token": false}, `44{"message":"Invalid token"}`},
		{"HS512", map[string]any{"token": hs512}, `44{"message":"Invalid token"}`},
		{"expired beyond leeway", map[string]any{"token": token(t, "u-bob", "acme", "member", time.Now().Add(-8*time.Second))}, `44{"message":"Invalid token"}`},
		{"wrong role", map[string]any{"token": token(t, "u-bob", "acme", "owner", time.Now().Add(time.Hour))}, `44{"message":"Invalid token"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, reply := open(t, base, c.auth)
			if reply != c.want {
				t.Errorf("CONNECT reply %q, want %q", reply, c.want)
			}
		})
	}
	t.Run("valid, within leeway", func(t *testing.T) {
		connect(t, base, token(t, "u-7f3a", "org-91c2", "member", time.Now().Add(-2*time.Second)))
	})
	t.Run("other namespace", func(t *testing.T) {
		s, _, _ := connect(t, base, ids.alice)
		s.send(`40/admin,{"token":"` + ids.alice + `"}`)
		if p := s.next(); p != `44/admin,{"message":"Invalid namespace"}` {
			t.Errorf("CONNECT to /admin: %q", p)
		}
	})
	t.Run("REST", func(t *testing.T) {
		res, b := do(t, "GET", base+"/api/videos?token="+ids.alice, "", nil, "")
		if res.StatusCode != 401 || string(b) != "{\"error\":\"Authentication required\"}\n" || res.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("no header: %s %q %q", res.Status, b, res.Header.Get("WWW-Authenticate"))
		}
		res, b = do(t, "GET", base+"/api/videos", "abc.def", nil, "")
		if res.StatusCode != 401 || string(b) != "{\"error\":\"Invalid token\"}\n" || res.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
			t.Errorf("bad token: %s %q %q", res.Status, b, res.Header.Get("WWW-Authenticate"))
		}
		res, b = do(t, "GET", base+"/api/videos", ids.carol, nil, "")
		if res.StatusCode != 200 || strings.TrimSpace(string(b)) != "[]" {
			t.Errorf("valid token: %s %s", res.Status, b)
		}
	})
}

// TestProcessing uploads the fixtures with sockets connected: the whole
// organization sees progress 10/40/70 then video:processed with ffprobe's
// metadata (as the Go reference measures it), the uploader gets the
// notification, the other organization sees nothing; the flashing clip is
// flagged and the corrupt one fails.
func TestProcessing(t *testing.T) {
	base := startApp(t)
	ids := people(t)
	alice, _, _ := connect(t, base, ids.alice)
	bob, _, _ := connect(t, base, ids.bob)
	carol, _, _ := connect(t, base, ids.carol)

	var seen []string
	for _, fixture := range []string{"calm.mp4", "flashing.mp4"} {
		t.Run(fixture, func(t *testing.T) {
			v := upload(t, base, ids.alice, fixture)
			seen = append(seen, v.ID)
			events := bob.videoEvents(v.ID, false)
			checkCompleted(t, events, v.ID, fixture)
			got := getVideo(t, base, ids.bob, v.ID)
			checkStored(t, got, events[len(events)-1])
			checkMedia(t, base, ids.bob, got, fixture)

			// The uploader's socket: the same events, then the notification.
			mine := alice.videoEvents(v.ID, true)
			if last := mine[len(mine)-1]; last.Name != "notification:personal" || !strings.Contains(string(last.Payload), `"kind":"video:ready"`) {
				t.Errorf("uploader's last event %s %s, want notification:personal video:ready", last.Name, last.Payload)
			}
		})
	}
	t.Run("sensitivity", func(t *testing.T) {
		want := map[string]sensitivity{
			"calm.mp4":     {"safe", 0, "wcag-2.3.1-general-flash"},
			"flashing.mp4": {"flagged", 5, "wcag-2.3.1-general-flash"}, // 10 changes/s: 5 flashes, as in the Go reference
		}
		for i, fixture := range []string{"calm.mp4", "flashing.mp4"} {
			if i >= len(seen) {
				t.Fatalf("%s was not processed", fixture)
			}
			if got := getVideo(t, base, ids.alice, seen[i]).Sensitivity; got == nil || *got != want[fixture] {
				t.Errorf("%s: sensitivity %+v, want %+v", fixture, got, want[fixture])
			}
		}
	})
	t.Run("corrupt.mp4", func(t *testing.T) {
		v := upload(t, base, ids.alice, "corrupt.mp4")
		seen = append(seen, v.ID)
		events := alice.videoEvents(v.ID, true)
		names := eventNames(events)
		if strings.Join(names, " ") != "video:progress video:failed notification:personal" {
			t.Fatalf("events %v, want progress (metadata), video:failed, notification:personal", names)
		}
		var failed struct{ VideoID, Error string }
		mustJSON(t, events[1].Payload, &failed)
		stored := getVideo(t, base, ids.bob, v.ID)
		if failed.Error == "" || stored.Status != "failed" || stored.Error == nil || *stored.Error != failed.Error ||
			stored.Progress != 10 || stored.Stage == nil || *stored.Stage != "metadata" {
			t.Errorf("video:failed %s and stored %+v disagree", events[1].Payload, stored)
		}
		if !strings.Contains(string(events[2].Payload), `"kind":"video:failed"`) {
			t.Errorf("notification %s, want kind video:failed", events[2].Payload)
		}
	})
	t.Run("tenant isolation", func(t *testing.T) {
		for _, p := range carol.quiet(300 * time.Millisecond) {
			for _, id := range seen {
				if strings.Contains(p, id) {
					t.Errorf("globex's socket received %s", p)
				}
			}
		}
		res, _ := do(t, "GET", base+"/api/videos/"+seen[0], ids.carol, nil, "")
		if res.StatusCode != 404 {
			t.Errorf("GET acme's video as globex: %s, want 404", res.Status)
		}
	})
}

func eventNames(events []event) []string {
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	return names
}

// checkCompleted checks the three progress events, in order, then
// video:processed with the fixture's metadata.
func checkCompleted(t *testing.T, events []event, id, fixture string) {
	t.Helper()
	want := []string{`{"videoId":"%s","progress":10,"stage":"metadata"}`, `{"videoId":"%s","progress":40,"stage":"thumbnail"}`,
		`{"videoId":"%s","progress":70,"stage":"sensitivity"}`}
	if len(events) != 4 {
		t.Fatalf("events %v, want 3 × video:progress then video:processed", eventNames(events))
	}
	for i, w := range want {
		if events[i].Name != "video:progress" || string(events[i].Payload) != fmt.Sprintf(w, id) {
			t.Errorf("event %d: %s %s, want video:progress %s", i, events[i].Name, events[i].Payload, fmt.Sprintf(w, id))
		}
	}
	var done struct {
		VideoID     string    `json:"videoId"`
		Status      string    `json:"status"`
		Metadata    metadata  `json:"metadata"`
		Thumbnail   string    `json:"thumbnail"`
		Sensitivity *struct{} `json:"sensitivity"`
	}
	mustJSON(t, events[3].Payload, &done)
	if events[3].Name != "video:processed" || done.VideoID != id || done.Status != "completed" ||
		done.Thumbnail != "/api/videos/"+id+"/thumbnail" || done.Sensitivity == nil {
		t.Errorf("terminal event %s %s", events[3].Name, events[3].Payload)
	}
	checkMetadata(t, done.Metadata, fixtureMetadata(t, fixture))
}

// checkMetadata compares as the contract's harness does (VID-5): ±0.1 s on
// duration, ±0.01 on fps, bitRate > 0, the rest exactly.
func checkMetadata(t *testing.T, got, want metadata) {
	t.Helper()
	if math.Abs(got.Duration-want.Duration) > 0.1 || math.Abs(got.FPS-want.FPS) > 0.01 || got.BitRate <= 0 ||
		got.Width != want.Width || got.Height != want.Height || got.Codec != want.Codec ||
		got.Size != want.Size || got.HasAudio != want.HasAudio {
		t.Errorf("metadata %+v, want %+v", got, want)
	}
	if got.BitRate != want.BitRate {
		t.Logf("bitRate %d, fixtures.json says %d (another ffprobe build?)", got.BitRate, want.BitRate)
	}
}

// checkStored checks that GET /api/videos/{id} holds what video:processed said.
func checkStored(t *testing.T, v video, processed event) {
	t.Helper()
	var p struct {
		Metadata    metadata    `json:"metadata"`
		Thumbnail   string      `json:"thumbnail"`
		Sensitivity sensitivity `json:"sensitivity"`
	}
	mustJSON(t, processed.Payload, &p)
	if v.Status != "completed" || v.Progress != 100 || v.Stage != nil || v.Error != nil || v.Metadata == nil ||
		*v.Metadata != p.Metadata || v.Thumbnail == nil || *v.Thumbnail != p.Thumbnail || v.Sensitivity == nil ||
		*v.Sensitivity != p.Sensitivity {
		t.Errorf("stored video %+v disagrees with video:processed %s", v, processed.Payload)
	}
}

// checkMedia fetches the thumbnail (a JPEG) and the signed stream (the
// uploaded bytes, and one range of them).
func checkMedia(t *testing.T, base, bearer string, v video, fixture string) {
	t.Helper()
	res, b := do(t, "GET", base+*v.Thumbnail, bearer, nil, "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) {
		t.Errorf("thumbnail: %s %s, %d bytes", res.Status, res.Header.Get("Content-Type"), len(b))
	}
	want, _ := os.ReadFile(filepath.Join(fixtureDir, fixture))
	res, b = do(t, "GET", base+v.StreamURL, "", nil, "") // no Authorization: the signature is enough
	if res.StatusCode != 200 || !bytes.Equal(b, want) || res.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("stream: %s, %d bytes, want the %d bytes uploaded", res.Status, len(b), len(want))
	}
	req, _ := http.NewRequest("GET", base+v.StreamURL, nil)
	req.Header.Set("Range", "bytes=100-199")
	rres, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rres.Body.Close()
	rb, _ := io.ReadAll(rres.Body)
	if wantRange := fmt.Sprintf("bytes 100-199/%d", len(want)); rres.StatusCode != 206 ||
		rres.Header.Get("Content-Range") != wantRange || !bytes.Equal(rb, want[100:200]) {
		t.Errorf("range: %s %q, %d bytes", rres.Status, rres.Header.Get("Content-Range"), len(rb))
	}
}

// TestSubscriptionsAndAnnouncements: video:subscribe answers a snapshot
// for the organization's videos and the same refusal for everything else;
// unknown events get an error ack and change nothing; an admin's
// announcement reaches every socket once.
func TestSubscriptionsAndAnnouncements(t *testing.T) {
	base := startApp(t)
	ids := people(t)
	bob, _, _ := connect(t, base, ids.bob)
	carol, _, _ := connect(t, base, ids.carol)
	v := upload(t, base, ids.alice, "calm.mp4")

	t.Run("subscribe", func(t *testing.T) {
		if ack := bob.emitAck(1, "video:subscribe", v.ID); !strings.HasPrefix(ack, `{"ok":true,"video":{"_id":"`+v.ID+`"`) {
			t.Errorf("own video: %s", ack)
		}
		const refusal = `{"ok":false,"error":"Video not found"}`
		for i, arg := range []any{v.ID, "66a1f0c2e4b0a1d2c3e4f9ff", "../x", map[string]any{"$ne": nil}, 42, strings.Repeat("a", 65)} {
			if ack := carol.emitAck(10+i, "video:subscribe", arg); ack != refusal {
				t.Errorf("video:subscribe %v as globex: %s, want %s", arg, ack, refusal)
			}
		}
		if ack := bob.emitAck(20, "video:unsubscribe", 42); ack != `{"ok":false,"error":"videoId must be a string"}` {
			t.Errorf("video:unsubscribe 42: %s", ack)
		}
		if ack := bob.emitAck(21, "video:unsubscribe", v.ID); ack != `{"ok":true}` {
			t.Errorf("video:unsubscribe: %s", ack)
		}
	})
	t.Run("unknown and forged events", func(t *testing.T) {
		if ack := carol.emitAck(30, "server:announcement", map[string]any{"message": "Free pizza"}); ack != `{"ok":false,"error":"Unknown event"}` {
			t.Errorf("forged server:announcement: %s", ack)
		}
		carol.send(`42["error","boom"]`) // an event named "error" must not stop the server (socket.io has a listener for it)
		if ack := carol.emitAck(31, "video:subscribe", "nope"); ack != `{"ok":false,"error":"Video not found"}` {
			t.Errorf("after unknown events: %s", ack)
		}
	})
	t.Run("announcement", func(t *testing.T) {
		res, b := do(t, "POST", base+"/api/announcements", ids.bob, strings.NewReader(`{"message":"hi"}`), "application/json")
		if res.StatusCode != 403 {
			t.Errorf("member: %s %s, want 403", res.Status, b)
		}
		res, b = do(t, "POST", base+"/api/announcements", ids.alice, strings.NewReader(`{"message":"Maintenance at 22:00 UTC"}`), "application/json")
		var a struct{ Message, From, At string }
		mustJSON(t, b, &a)
		if res.StatusCode != 202 || a.Message != "Maintenance at 22:00 UTC" || a.From != "u-alice" {
			t.Fatalf("admin: %s %s", res.Status, b)
		}
		for name, s := range map[string]*socket{"bob": bob, "carol": carol} {
			e := s.nextEvent("server:announcement")
			var got struct{ Message, From, At string }
			mustJSON(t, e.Payload, &got)
			if got != a {
				t.Errorf("%s received %s, want %s", name, e.Payload, b)
			}
		}
	})
}

// TestUnionDelivery: a socket in its organization room and subscribed to
// the video gets each processing event once (PROG-6). With one worker the
// second upload waits behind the first, so Bob subscribes before its first
// event (if the race is ever lost, the check only gets weaker).
func TestUnionDelivery(t *testing.T) {
	base := startApp(t, "--workers", "1")
	ids := people(t)
	bob, _, _ := connect(t, base, ids.bob)
	upload(t, base, ids.alice, "calm.mp4")
	v := upload(t, base, ids.alice, "calm.mp4")
	if ack := bob.emitAck(1, "video:subscribe", v.ID); !strings.HasPrefix(ack, `{"ok":true,"video":{"_id":"`+v.ID+`"`) {
		t.Fatalf("video:subscribe: %s", ack)
	}
	checkCompleted(t, bob.videoEvents(v.ID, false), v.ID, "calm.mp4")
	for _, p := range bob.quiet(300 * time.Millisecond) {
		if strings.Contains(p, v.ID) {
			t.Errorf("after video:processed: %s (delivered twice?)", p)
		}
	}
}

// TestUploadLimit: with --max-upload N, N bytes are accepted and N + 1 get
// 413 (REST-6), also as a chunked body of N + 256 MiB (REST-7), and the 413
// comes while the client is still sending (REST-8).
func TestUploadLimit(t *testing.T) {
	const limit = 1 << 20
	base := startApp(t, "--max-upload", strconv.Itoa(limit))
	alice := people(t).alice
	post := func(size int64) (*http.Response, []byte) {
		body, contentType := zeroPart(size)
		return do(t, "POST", base+"/api/videos", alice, body, contentType)
	}
	if res, b := post(limit); res.StatusCode != 201 {
		t.Errorf("N bytes: %s %s, want 201", res.Status, b)
	}
	for _, size := range []int64{limit + 1, limit + 256<<20} {
		if res, b := post(size); res.StatusCode != 413 || string(b) != "{\"error\":\"File too large\"}\n" {
			t.Errorf("%d bytes: %s %s, want 413", size, res.Status, b)
		}
	}
	t.Run("early", func(t *testing.T) { earlyRefusal(t, base, alice, limit) })
	if res, _ := do(t, "GET", base+"/api/videos", alice, nil, ""); res.StatusCode != 200 {
		t.Errorf("after the refusals: %s", res.Status)
	}
}

// zeroPart streams a multipart body (chunked: no Content-Length) whose
// "video" part is size zero bytes.
func zeroPart(size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("video", "zeros.mp4")
		if err == nil {
			_, err = io.CopyN(part, zeros{}, size)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// earlyRefusal sends the head of an upload and N + 1 MiB of its video part
// over a raw connection, then nothing more: the 413 must come anyway.
func earlyRefusal(t *testing.T, base, bearer string, limit int) {
	host := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "--X\r\nContent-Disposition: form-data; name=\"video\"; filename=\"big.mp4\"\r\n\r\n"
	fmt.Fprintf(conn, "POST /api/videos HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=X\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", host, bearer, len(head), head)
	status := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(conn).ReadString('\n')
		status <- strings.TrimSpace(line)
	}()
	chunk := make([]byte, 64<<10)
	for sent := 0; sent < limit+1<<20; sent += len(chunk) {
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
			break // the server may stop reading once it has answered
		}
	}
	select {
	case line := <-status:
		if !strings.HasPrefix(line, "HTTP/1.1 413 ") {
			t.Errorf("status line %q, want 413", line)
		}
	case <-time.After(10 * time.Second):
		t.Error("no answer within 10 s while the request stays open")
	}
}

// TestRecovery: connection state recovery is on, and guarded — a session
// is restored only for a token that is valid now and names the same user
// (RECOV-1, RECOV-3, RECOV-4), although socket.io restores sessions before
// any middleware runs.
func TestRecovery(t *testing.T) {
	base := startApp(t)
	ids := people(t)
	bob, sid, pid := connect(t, base, ids.bob)
	if pid == "" {
		t.Fatal("no pid in the CONNECT reply: recovery is off")
	}
	announce := func(msg string) {
		res, b := do(t, "POST", base+"/api/announcements", ids.alice, strings.NewReader(`{"message":"`+msg+`"}`), "application/json")
		if res.StatusCode != 202 {
			t.Fatalf("announce: %s %s", res.Status, b)
		}
	}
	announce("before")
	offset := bob.nextEvent("server:announcement").Offset
	if offset == "" {
		t.Fatal("no offset on an event: recovery is off")
	}
	bob.cut()
	time.Sleep(200 * time.Millisecond) // let the server see the connection die
	announce("missed")

	t.Run("expired token", func(t *testing.T) {
		expired := token(t, "u-bob", "acme", "member", time.Now().Add(-time.Minute))
		_, reply := open(t, base, map[string]any{"token": expired, "pid": pid, "offset": offset})
		if reply != `44{"message":"Invalid token"}` {
			t.Errorf("first packet %q, want the refusal and nothing before it", reply)
		}
	})
	t.Run("another user", func(t *testing.T) {
		carol, reply := open(t, base, map[string]any{"token": ids.carol, "pid": pid, "offset": offset})
		if newSid, _ := connectReply(t, reply); newSid == sid {
			t.Errorf("Carol got Bob's session %s", sid)
		}
		for _, p := range carol.quiet(300 * time.Millisecond) {
			t.Errorf("Carol received %s", p)
		}
	})
	t.Run("same user", func(t *testing.T) {
		s, first := open(t, base, map[string]any{"token": ids.bob, "pid": pid, "offset": offset})
		e, ok := parseEvent(t, first)
		if !ok || e.Name != "server:announcement" || !strings.Contains(string(e.Payload), `"message":"missed"`) {
			t.Fatalf("first packet %q, want the missed announcement replayed", first)
		}
		if again, _ := connectReply(t, s.next()); again != sid {
			t.Errorf("recovered sid %s, want %s", again, sid)
		}
	})
}

// TestSessionExpired: a socket whose token runs out (exp + 5 s) is told
// so, then disconnected (AUTH-11).
func TestSessionExpired(t *testing.T) {
	base := startApp(t)
	s, _, _ := connect(t, base, token(t, "u-bob", "acme", "member", time.Now().Add(-3*time.Second)))
	e := s.nextEvent("session:expired")
	if string(e.Payload) != `{"message":"Token expired"}` {
		t.Errorf("session:expired %s", e.Payload)
	}
	if p := s.next(); p != "41" {
		t.Errorf("after session:expired: %q, want 41", p)
	}
}
