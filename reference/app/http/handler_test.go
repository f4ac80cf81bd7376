package apphttp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	apphttp "socketlab/reference/app/http"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, 1<<20)
	targets := []struct{ method, path string }{
		{"GET", "/api/videos"},
		{"POST", "/api/videos"},
		{"GET", "/api/videos/66a1f0c2e4b0a1d2c3e4f501"},
		{"GET", "/api/videos/66a1f0c2e4b0a1d2c3e4f501/thumbnail"},
		{"GET", "/api/videos/66a1f0c2e4b0a1d2c3e4f501/stream"},
		{"POST", "/api/announcements"},
		{"GET", "/api/nope"},
		{"GET", "/api/videos/../nope"},
	}
	for _, tc := range targets {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := e.do(t, ident{}, httptest.NewRequest(tc.method, tc.path, strings.NewReader(`{"message":""}`)))
			requireError(t, rec, http.StatusUnauthorized, "Authentication required")
			assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))

			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Header.Set("Authorization", "Bearer not.a.token")
			rec = e.do(t, ident{}, req)
			requireError(t, rec, http.StatusUnauthorized, "Invalid token")

			req = httptest.NewRequest(tc.method, tc.path, nil)
			tok := alice.token(t)
			req.Header.Set("Authorization", "Bearer "+tok[:len(tok)-2]+"xx")
			requireError(t, e.do(t, ident{}, req), http.StatusUnauthorized, "Invalid token")
		})
	}
	assert.Zero(t, e.events.count())
	assert.Empty(t, e.queue.enqueued())
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t, 1<<20)
	requireError(t, e.get(t, bob, "/api/nope"), http.StatusNotFound, "Not found")
	requireError(t, e.get(t, bob, "/api/videos/a/b/c"), http.StatusNotFound, "Not found")
	requireError(t, e.get(t, bob, "/api/videos/../nope"), http.StatusNotFound, "Not found")
	rec := e.do(t, bob, httptest.NewRequest(http.MethodDelete, "/api/videos", nil))
	requireError(t, rec, http.StatusMethodNotAllowed, "Method not allowed")
	assert.Equal(t, "GET, POST, HEAD", rec.Header().Get("Allow"))
}

func TestUploadFixture(t *testing.T) {
	e := newEnv(t, 1<<20)
	data := readFixture(t)
	rec := e.upload(t, alice, part{name: "video", filename: "calm.mp4", contentType: "video/mp4", body: data})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")

	// The upload state of VID-2, every member present.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
	for _, m := range []string{"stage", "metadata", "thumbnail", "sensitivity", "error"} {
		v, ok := raw[m]
		assert.True(t, ok, m)
		assert.Nil(t, v, m)
	}
	v := decodeVideo(t, rec)
	assert.True(t, app.ValidVideoID(v.ID))
	assert.Equal(t, "/api/videos/"+v.ID, rec.Header().Get("Location"))
	assert.Equal(t, "calm.mp4", v.Title)
	assert.Equal(t, "acme", v.OrganizationID)
	assert.Equal(t, "u-alice", v.UploadedBy)
	assert.Equal(t, app.VideoProcessing, v.Status)
	assert.Zero(t, v.Progress)
	assert.True(t, v.CreatedAt.Equal(e.clock.Now()))

	stored, err := os.ReadFile(e.storage.VideoPath(v.ID))
	require.NoError(t, err)
	assert.Equal(t, data, stored)
	assert.Equal(t, []string{v.ID}, e.queue.enqueued())
	assert.Zero(t, e.events.count())
	// No temporary file left next to the video.
	entries, err := os.ReadDir(filepath.Dir(e.storage.VideoPath(v.ID)))
	require.NoError(t, err)
	assert.Len(t, entries, 1)

	// GET answers the same object (VID-1), streamUrl aside.
	got := decodeVideo(t, e.get(t, bob, "/api/videos/"+v.ID))
	assert.NotEmpty(t, got.StreamURL)
	got.StreamURL, v.StreamURL = "", ""
	assert.Equal(t, v, got)
}

func TestUploadTitle(t *testing.T) {
	e := newEnv(t, 1<<20)
	body := []byte("12 bytes....")
	cases := []struct {
		name  string
		parts []part
		want  string
	}{
		{"title part wins", []part{{name: "title", body: []byte("Stand-up")}, {name: "video", filename: "a.mp4", body: body}}, "Stand-up"},
		{"title after the file", []part{{name: "video", filename: "a.mp4", body: body}, {name: "title", body: []byte("Later")}}, "Later"},
		{"empty title falls back", []part{{name: "title"}, {name: "video", filename: "b.mp4", body: body}}, "b.mp4"},
		{"last segment only", []part{{name: "video", filename: "../../../../tmp/pwn.mp4", body: body}}, "pwn.mp4"},
		{"backslashes", []part{{name: "video", filename: `C:\Users\x\clip.mov`, body: body}}, "clip.mov"},
		{"no filename", []part{{name: "video", file: true, body: body}}, "Untitled"},
		{"no filename header at all", []part{{name: "video", body: body}}, "Untitled"},
		{"text file accepted", []part{{name: "video", filename: "notes.txt", contentType: "text/plain", body: body}}, "notes.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.upload(t, bob, tc.parts...)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			v := decodeVideo(t, rec)
			assert.Equal(t, tc.want, v.Title)
			stored, err := os.ReadFile(e.storage.VideoPath(v.ID))
			require.NoError(t, err)
			assert.Equal(t, body, stored)
		})
	}
	// Every stored file is one of Storage's paths, whatever the filename.
	_ = filepath.WalkDir(string(e.storage), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			assert.Equal(t, "video", d.Name(), p)
		}
		return nil
	})
}

func TestUploadNoFile(t *testing.T) {
	e := newEnv(t, 1<<20)
	requireError(t, e.upload(t, alice, part{name: "title", body: []byte("t")}), http.StatusBadRequest, "No video file")
	requireError(t, e.upload(t, alice, part{name: "video", filename: "empty.mp4"}), http.StatusBadRequest, "No video file")
	requireError(t, e.upload(t, alice, part{name: "other", filename: "x.mp4", body: []byte("x")}), http.StatusBadRequest, "No video file")
	requireError(t, e.upload(t, alice), http.StatusBadRequest, "No video file")

	req := httptest.NewRequest(http.MethodPost, "/api/videos", strings.NewReader(`{"video":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	requireError(t, e.do(t, alice, req), http.StatusBadRequest, "No video file")

	// A multipart body cut in the middle of the video part (SEC-9).
	body, ct := multipartBody(t, part{name: "video", filename: "a.mp4", body: bytes.Repeat([]byte("x"), 10000)})
	req = httptest.NewRequest(http.MethodPost, "/api/videos", bytes.NewReader(body.Bytes()[:5000]))
	req.Header.Set("Content-Type", ct)
	rec := e.do(t, alice, req)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())

	videos, err := e.videos.ListVideos(t.Context(), "acme")
	require.NoError(t, err)
	assert.Empty(t, videos)
	assert.Empty(t, e.queue.enqueued())
	assert.Zero(t, e.events.count())
	assertNoFiles(t, string(e.storage))
}

// assertNoFiles checks that dir holds no regular file (no upload left
// behind).
func assertNoFiles(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("file left behind: %s", p)
		}
		return nil
	})
}

func TestUploadSizeLimit(t *testing.T) {
	const n = 64 << 10
	e := newEnv(t, n)
	v := e.uploadOK(t, alice, "n.bin", patternBytes(n))
	info, err := os.Stat(e.storage.VideoPath(v.ID))
	require.NoError(t, err)
	assert.EqualValues(t, n, info.Size())

	e2 := newEnv(t, n)
	requireError(t, e2.upload(t, alice, part{name: "video", filename: "big.bin", body: patternBytes(n + 1)}),
		http.StatusRequestEntityTooLarge, "File too large")
	videos, err := e2.videos.ListVideos(t.Context(), "acme")
	require.NoError(t, err)
	assert.Empty(t, videos)
	assert.Empty(t, e2.queue.enqueued())
	assert.Zero(t, e2.events.count())
	assertNoFiles(t, string(e2.storage))
}

// A huge video part gets 413 after the handler read little more than N
// bytes of it (REST-7, REST-8).
func TestUploadTooLargeStopsReading(t *testing.T) {
	const n = 1 << 20
	e := newEnv(t, n)
	const boundary = "XyZ"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"video\"; filename=\"huge.bin\"\r\n\r\n"
	payload := &patternReader{n: n + 256<<20}
	counted := &countingReader{r: io.MultiReader(strings.NewReader(head), payload)}
	req := httptest.NewRequest(http.MethodPost, "/api/videos", counted)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	rec := e.do(t, alice, req)
	requireError(t, rec, http.StatusRequestEntityTooLarge, "File too large")
	assert.Equal(t, "close", rec.Header().Get("Connection"))
	assert.Less(t, counted.n, int64(n+256<<10), "read %d bytes", counted.n)
	assertNoFiles(t, string(e.storage))
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// A 5 MB upload streamed from a pipe lands on disk intact, and the
// request allocates far less than the file's size.
func TestUploadStreamed(t *testing.T) {
	const size = 5 << 20
	e := newEnv(t, 8<<20)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("video", "five.bin")
		if err == nil {
			_, err = io.Copy(w, &patternReader{n: size})
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req := httptest.NewRequest(http.MethodPost, "/api/videos", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+alice.token(t))
	rec := httptest.NewRecorder()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e.h.ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)

	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	alloc := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, alloc, uint64(size/2), "allocated %d bytes for a %d-byte upload", alloc, size)
	v := decodeVideo(t, rec)
	stored, err := os.ReadFile(e.storage.VideoPath(v.ID))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(patternBytes(size), stored))
}

// Over the network, a chunked upload that passes N and then goes silent
// gets its 413 while the request is still open (REST-8).
func TestUploadEarly413OverNetwork(t *testing.T) {
	const n = 1 << 20
	e := newEnv(t, n)
	srv := httptest.NewServer(e.h)
	defer srv.Close()

	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		head := "--B\r\nContent-Disposition: form-data; name=\"video\"; filename=\"x.bin\"\r\n\r\n"
		if _, err := io.WriteString(pw, head); err != nil {
			return
		}
		_, _ = io.Copy(pw, &patternReader{n: n + 1<<20})
		// then silence: pw stays open until the test ends
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/videos", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	req.Header.Set("Authorization", "Bearer "+alice.token(t))
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.JSONEq(t, `{"error":"File too large"}`, string(body))
	assert.Less(t, time.Since(start), 8*time.Second)

	// The server keeps answering.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/videos", nil)
	req.Header.Set("Authorization", "Bearer "+alice.token(t))
	resp2, err := client.Do(req)
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, http.StatusOK, resp2.StatusCode)
}

func TestUploadEnqueueFailure(t *testing.T) {
	e := newEnv(t, 1<<20)
	e.queue.err = fmt.Errorf("queue full")
	rec := e.upload(t, alice, part{name: "video", filename: "a.mp4", body: []byte("abc")})
	requireError(t, rec, http.StatusServiceUnavailable, "Could not queue the video for processing")
	videos, err := e.videos.ListVideos(t.Context(), "acme")
	require.NoError(t, err)
	require.Len(t, videos, 1)
	assert.Equal(t, app.VideoFailed, videos[0].Status)
	require.Len(t, e.events.failed, 1)
	assert.Equal(t, videos[0].ID, e.events.failed[0].ID)
}

func TestListNewestFirstAndOrgScoped(t *testing.T) {
	e := newEnv(t, 1<<20)
	var ids []string
	for i := range 3 {
		ids = append(ids, e.uploadOK(t, alice, fmt.Sprintf("a%d.mp4", i), []byte("x")).ID)
		e.clock.Add(time.Second)
	}
	g := e.uploadOK(t, carol, "g.mp4", []byte("y"))

	rec := e.get(t, bob, "/api/videos")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	var list []app.Video
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	require.Len(t, list, 3)
	for i, v := range list {
		assert.Equal(t, ids[2-i], v.ID)
		assert.Equal(t, "acme", v.OrganizationID)
		assert.Equal(t, "/api/videos/"+v.ID+"/stream", strings.SplitN(v.StreamURL, "?", 2)[0])
	}

	rec = e.get(t, carol, "/api/videos")
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	require.Len(t, list, 1)
	assert.Equal(t, g.ID, list[0].ID)

	// An organization without videos gets [], not null.
	rec = e.get(t, ident{"u-dave", "initech", "member"}, "/api/videos")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `[]`, rec.Body.String())
}

func TestGetVideoNoExistenceOracle(t *testing.T) {
	e := newEnv(t, 1<<20)
	v := e.uploadOK(t, alice, "a.mp4", []byte("x"))
	g := e.uploadOK(t, carol, "g.mp4", []byte("y"))

	rec := e.get(t, bob, "/api/videos/"+v.ID)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, v.ID, decodeVideo(t, rec).ID)

	for _, id := range []string{g.ID, "66a1f0c2e4b0a1d2c3e4f9ff", "..%2F..%2Fetc", "%2e%2e", strings.Repeat("a", 65), "a.b"} {
		requireError(t, e.get(t, alice, "/api/videos/"+id), http.StatusNotFound, "Video not found")
		requireError(t, e.get(t, alice, "/api/videos/"+id+"/thumbnail"), http.StatusNotFound, "Video not found")
		requireError(t, e.get(t, alice, "/api/videos/"+id+"/stream"), http.StatusNotFound, "Video not found")
	}
}

func TestThumbnail(t *testing.T) {
	e := newEnv(t, 1<<20)
	v := e.uploadOK(t, alice, "a.mp4", readFixture(t))
	path := "/api/videos/" + v.ID + "/thumbnail"
	requireError(t, e.get(t, bob, path), http.StatusNotFound, "Thumbnail not ready")

	// The file exists but the video JSON does not name it yet (REST-12).
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{7}, 100)...)
	require.NoError(t, os.MkdirAll(filepath.Dir(e.storage.ThumbnailPath(v.ID)), 0o750))
	require.NoError(t, os.WriteFile(e.storage.ThumbnailPath(v.ID), jpeg, 0o640))
	requireError(t, e.get(t, bob, path), http.StatusNotFound, "Thumbnail not ready")

	require.NoError(t, e.videos.Complete(t.Context(), v.ID,
		[]byte(`{"duration":2}`), []byte(`{"status":"safe"}`), path))
	rec := e.get(t, bob, path)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "image/jpeg", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, jpeg, rec.Body.Bytes())

	requireError(t, e.get(t, carol, path), http.StatusNotFound, "Video not found")

	// Signed with the streamUrl's exp and sig (STREAM-11).
	u, err := url.Parse(decodeVideo(t, e.get(t, bob, "/api/videos/"+v.ID)).StreamURL)
	require.NoError(t, err)
	rec = e.get(t, ident{}, path+"?"+u.RawQuery)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, jpeg, rec.Body.Bytes())
	requireError(t, e.get(t, ident{}, path+"?exp=1&sig=x"), http.StatusForbidden, "Invalid or expired link")
}

func TestStreamURLFormat(t *testing.T) {
	// The contract's vector (STREAM-2).
	assert.Equal(t, "1wgK-jluURrEn9WzxufLQw8f2F0jm1O2gU7UlNGnAEA", sig([]byte("s3cret"), "66a1f0c2e4b0a1d2c3e4f501", 1795698000))

	e := newEnv(t, 1<<20)
	v := e.uploadOK(t, alice, "a.mp4", []byte("x"))
	u, err := url.Parse(v.StreamURL)
	require.NoError(t, err)
	assert.Equal(t, "/api/videos/"+v.ID+"/stream", u.Path)
	assert.Equal(t, "exp="+u.Query().Get("exp")+"&sig="+u.Query().Get("sig"), u.RawQuery)
	exp, err := strconv.ParseInt(u.Query().Get("exp"), 10, 64)
	require.NoError(t, err)
	now := e.clock.Now()
	assert.Greater(t, exp, now.Unix())
	assert.LessOrEqual(t, exp, now.Unix()+3600)
	assert.Equal(t, sig(secret, v.ID, exp), u.Query().Get("sig"))
	assert.Equal(t, signedURL(v.ID, exp), apphttp.SignedStreamURL(secret, v.ID, exp))
	assert.Equal(t, v.StreamURL, e.h.StreamURL(v.ID))
}

func TestStream(t *testing.T) {
	e := newEnv(t, 1<<20)
	data := readFixture(t)
	size := len(data)
	v := e.uploadOK(t, alice, "calm.mp4", data)
	exp := e.clock.Now().Unix() + 600
	signed := signedURL(v.ID, exp)
	bearer := "/api/videos/" + v.ID + "/stream"

	check := func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		assert.NotContains(t, rec.Header().Get("Content-Type"), "html")
	}
	for name, get := range map[string]func(hdr ...string) *httptest.ResponseRecorder{
		"signed": func(hdr ...string) *httptest.ResponseRecorder { return e.get(t, ident{}, signed, hdr...) },
		"bearer": func(hdr ...string) *httptest.ResponseRecorder { return e.get(t, bob, bearer, hdr...) },
	} {
		t.Run(name, func(t *testing.T) {
			rec := get()
			require.Equal(t, http.StatusOK, rec.Code)
			check(t, rec)
			assert.Equal(t, "video/mp4", rec.Header().Get("Content-Type"))
			assert.Equal(t, "bytes", rec.Header().Get("Accept-Ranges"))
			assert.Equal(t, strconv.Itoa(size), rec.Header().Get("Content-Length"))
			assert.Equal(t, data, rec.Body.Bytes())
			lastMod := rec.Header().Get("Last-Modified")
			require.NotEmpty(t, lastMod)

			rec = get("Range", "bytes=0-99")
			require.Equal(t, http.StatusPartialContent, rec.Code)
			check(t, rec)
			assert.Equal(t, fmt.Sprintf("bytes 0-99/%d", size), rec.Header().Get("Content-Range"))
			assert.Equal(t, "100", rec.Header().Get("Content-Length"))
			assert.Equal(t, data[:100], rec.Body.Bytes())

			rec = get("Range", "bytes=-500")
			require.Equal(t, http.StatusPartialContent, rec.Code)
			assert.Equal(t, fmt.Sprintf("bytes %d-%d/%d", size-500, size-1, size), rec.Header().Get("Content-Range"))
			assert.Equal(t, data[size-500:], rec.Body.Bytes())

			rec = get("Range", fmt.Sprintf("bytes=%d-", size-10))
			require.Equal(t, http.StatusPartialContent, rec.Code)
			assert.Equal(t, data[size-10:], rec.Body.Bytes())

			rec = get("Range", fmt.Sprintf("bytes=%d-", size))
			requireError(t, rec, http.StatusRequestedRangeNotSatisfiable, "Range not satisfiable")
			assert.Equal(t, fmt.Sprintf("bytes */%d", size), rec.Header().Get("Content-Range"))

			rec = get("Range", "bytes=100-199", "If-Range", lastMod)
			require.Equal(t, http.StatusPartialContent, rec.Code)
			assert.Equal(t, fmt.Sprintf("bytes 100-199/%d", size), rec.Header().Get("Content-Range"))
			assert.Equal(t, data[100:200], rec.Body.Bytes())

			rec = get("Range", "bytes=100-199", "If-Range", `"not-the-etag"`)
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, data, rec.Body.Bytes())

			lm, err := http.ParseTime(lastMod)
			require.NoError(t, err)
			rec = get("Range", "bytes=100-199", "If-Range", lm.Add(-time.Hour).UTC().Format(http.TimeFormat))
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, data, rec.Body.Bytes())

			for _, odd := range []string{"bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=5-1"} {
				rec = get("Range", odd)
				assert.Contains(t, []int{200, 206, 416}, rec.Code, odd)
			}
		})
	}

	// HEAD: the GET's headers, no body (STREAM-10).
	rec := e.do(t, ident{}, httptest.NewRequest(http.MethodHead, signed, nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, strconv.Itoa(size), rec.Header().Get("Content-Length"))
	assert.Empty(t, rec.Body.Bytes())

	// Bearer of another organization: 404 as for a missing video.
	requireError(t, e.get(t, carol, bearer), http.StatusNotFound, "Video not found")
}

func TestStreamNeverHTML(t *testing.T) {
	e := newEnv(t, 1<<20)
	rec := e.upload(t, alice, part{name: "video", filename: "x.html", contentType: "text/html",
		body: []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")})
	require.Equal(t, http.StatusCreated, rec.Code)
	v := decodeVideo(t, rec)
	rec = e.get(t, ident{}, v.StreamURL)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/octet-stream", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
}

func TestSignedURLRefused(t *testing.T) {
	e := newEnv(t, 1<<20)
	e.clock.Set(e.clock.Now().Truncate(time.Second))
	v := e.uploadOK(t, alice, "a.mp4", []byte("abc"))
	g := e.uploadOK(t, carol, "g.mp4", []byte("def"))
	now := e.clock.Now().Unix()
	base := "/api/videos/" + v.ID + "/stream"
	good := sig(secret, v.ID, now+60)
	tampered := []byte(good)
	tampered[3] ^= 1
	if tampered[3] == '+' || tampered[3] == '/' {
		tampered[3] = 'A'
	}

	refused := map[string]string{
		"expired":          signedURL(v.ID, now-1),
		"too far ahead":    signedURL(v.ID, now+3601),
		"tampered sig":     fmt.Sprintf("%s?exp=%d&sig=%s", base, now+60, tampered),
		"changed exp":      fmt.Sprintf("%s?exp=%d&sig=%s", base, now+61, good),
		"another video":    fmt.Sprintf("%s?exp=%d&sig=%s", base, now+60, sig(secret, g.ID, now+60)),
		"another secret":   fmt.Sprintf("%s?exp=%d&sig=%s", base, now+60, sig([]byte("other"), v.ID, now+60)),
		"no exp":           fmt.Sprintf("%s?sig=%s", base, good),
		"exp not integer":  fmt.Sprintf("%s?exp=%d.0&sig=%s", base, now+60, good),
		"exp with plus":    fmt.Sprintf("%s?exp=%%2B%d&sig=%s", base, now+60, good),
		"empty sig":        fmt.Sprintf("%s?exp=%d&sig=", base, now+60),
		"padded sig":       fmt.Sprintf("%s?exp=%d&sig=%s=", base, now+60, good),
		"unknown video id": signedURL("66a1f0c2e4b0a1d2c3e4f000", now-1),
	}
	for name, target := range refused {
		t.Run(name, func(t *testing.T) {
			requireError(t, e.get(t, ident{}, target), http.StatusForbidden, "Invalid or expired link")
			// Authorization is ignored when sig is present (STREAM-1).
			requireError(t, e.get(t, alice, target), http.StatusForbidden, "Invalid or expired link")
		})
	}

	// Valid until E inclusive, refused after: the clock is injected.
	target := signedURL(v.ID, now+60)
	require.Equal(t, http.StatusOK, e.get(t, ident{}, target).Code)
	e.clock.Add(60 * time.Second)
	require.Equal(t, http.StatusOK, e.get(t, ident{}, target).Code)
	e.clock.Add(time.Second)
	requireError(t, e.get(t, ident{}, target), http.StatusForbidden, "Invalid or expired link")

	// A valid signature for an id without a file: 404.
	requireError(t, e.get(t, ident{}, signedURL("66a1f0c2e4b0a1d2c3e4f000", e.clock.Now().Unix()+5)),
		http.StatusNotFound, "Video not found")
}

func TestAnnouncements(t *testing.T) {
	e := newEnv(t, 1<<20)
	post := func(who ident, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/announcements", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return e.do(t, who, req)
	}
	requireError(t, post(ident{}, `{"message":""}`), http.StatusUnauthorized, "Authentication required")
	requireError(t, post(bob, `{"message":"hi"}`), http.StatusForbidden, "Admin role required")
	requireError(t, post(bob, `not json`), http.StatusForbidden, "Admin role required")

	const lengthMsg = "message must be 1 to 1000 characters"
	for name, body := range map[string]string{
		"empty":        `{"message":""}`,
		"1001 points":  `{"message":"` + strings.Repeat("😀", 1001) + `"}`,
		"1001 ascii":   `{"message":"` + strings.Repeat("a", 1001) + `"}`,
		"missing":      `{"msg":"hi"}`,
		"number":       `{"message":42}`,
		"null":         `{"message":null}`,
		"array member": `{"message":["hi"]}`,
	} {
		t.Run(name, func(t *testing.T) { requireError(t, post(alice, body), http.StatusBadRequest, lengthMsg) })
	}
	for name, body := range map[string]string{
		"invalid":       `{"message":`,
		"not an object": `["hi"]`,
		"null":          `null`,
		"trailing":      `{"message":"hi"} {}`,
		"empty":         ``,
	} {
		t.Run("json "+name, func(t *testing.T) {
			rec := post(alice, body)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), `"error"`)
		})
	}
	assert.Zero(t, e.events.count())

	// 1000 emoji (1000 code points, 2000 UTF-16 units) are accepted.
	max := strings.Repeat("😀", 1000)
	rec := post(alice, `{"message":"`+max+`"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())

	rec = post(alice, `{"message":"  Maintenance at 22:00 UTC "}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	var got app.Announcement
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	want := app.Announcement{Message: "  Maintenance at 22:00 UTC ", From: "u-alice", At: e.clock.Now().UTC()}
	assert.Equal(t, want.Message, got.Message)
	assert.Equal(t, want.From, got.From)
	assert.True(t, want.At.Equal(got.At))
	assert.True(t, strings.HasSuffix(jsonField(t, rec.Body.Bytes(), "at"), "Z"))

	e.events.mu.Lock()
	defer e.events.mu.Unlock()
	require.Len(t, e.events.announcements, 2)
	assert.Equal(t, max, e.events.announcements[0].Message)
	last := e.events.announcements[1]
	assert.Equal(t, want.Message, last.Message)
	assert.Equal(t, "u-alice", last.From)
	assert.True(t, want.At.Equal(last.At))
}

func jsonField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	s, _ := m[name].(string)
	return s
}
