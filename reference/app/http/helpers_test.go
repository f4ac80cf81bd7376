package apphttp_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
	apphttp "socketlab/reference/app/http"
	"socketlab/reference/app/sqlite"
)

var secret = []byte("s3cret")

const fixture = "../testdata/calm.mp4"

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// fakeEvents records every call.
type fakeEvents struct {
	mu            sync.Mutex
	progress      []*app.Video
	processed     []*app.Video
	failed        []*app.Video
	announcements []app.Announcement
}

func (e *fakeEvents) VideoProgress(v *app.Video) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.progress = append(e.progress, v)
}

func (e *fakeEvents) VideoProcessed(v *app.Video) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.processed = append(e.processed, v)
}

func (e *fakeEvents) VideoFailed(v *app.Video) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failed = append(e.failed, v)
}

func (e *fakeEvents) Announce(a app.Announcement) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.announcements = append(e.announcements, a)
}

func (e *fakeEvents) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.progress) + len(e.processed) + len(e.failed) + len(e.announcements)
}

// fakeQueue records enqueued ids; err, when set, makes Enqueue fail.
type fakeQueue struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (q *fakeQueue) Enqueue(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.ids = append(q.ids, id)
	return nil
}

func (q *fakeQueue) enqueued() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.ids...)
}

type env struct {
	h       *apphttp.Handler
	videos  *sqlite.VideoService
	events  *fakeEvents
	queue   *fakeQueue
	storage apphttp.DirStorage
	clock   *clock
	max     int64
}

func newEnv(t *testing.T, maxUpload int64) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	e := &env{
		videos:  sqlite.NewVideoService(db),
		events:  &fakeEvents{},
		queue:   &fakeQueue{},
		storage: apphttp.DirStorage(t.TempDir()),
		clock:   &clock{t: time.Now().UTC().Truncate(time.Millisecond)},
		max:     maxUpload,
	}
	e.h = apphttp.New(apphttp.Config{
		Videos:         e.videos,
		Events:         e.events,
		Queue:          e.queue,
		Storage:        e.storage,
		Verifier:       auth.NewVerifier(secret),
		Secret:         secret,
		MaxUploadBytes: maxUpload,
		Now:            e.clock.Now,
	})
	return e
}

// Identities of the contract's examples.
var (
	alice = ident{"u-alice", "acme", auth.RoleAdmin}
	bob   = ident{"u-bob", "acme", auth.RoleMember}
	carol = ident{"u-carol", "globex", auth.RoleMember}
)

type ident struct{ user, org, role string }

func (i ident) token(t *testing.T) string {
	t.Helper()
	tok, err := auth.Sign(secret, auth.NewClaims(i.user, i.org, i.role, time.Hour))
	require.NoError(t, err)
	return tok
}

// do serves req with who's token (none for the zero ident).
func (e *env) do(t *testing.T, who ident, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if who.user != "" {
		req.Header.Set("Authorization", "Bearer "+who.token(t))
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *env) get(t *testing.T, who ident, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.do(t, who, req)
}

// part is one multipart part: a file when filename is set or file is true.
type part struct {
	name, filename, contentType string
	file                        bool
	body                        []byte
}

func multipartBody(t *testing.T, parts ...part) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.file || p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = w.Write(p.body)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return &buf, mw.FormDataContentType()
}

func (e *env) upload(t *testing.T, who ident, parts ...part) *httptest.ResponseRecorder {
	t.Helper()
	body, ct := multipartBody(t, parts...)
	req := httptest.NewRequest(http.MethodPost, "/api/videos", body)
	req.Header.Set("Content-Type", ct)
	return e.do(t, who, req)
}

// uploadOK uploads body as a video part and returns the 201's video.
func (e *env) uploadOK(t *testing.T, who ident, filename string, body []byte) app.Video {
	t.Helper()
	rec := e.upload(t, who, part{name: "video", filename: filename, contentType: "video/mp4", body: body})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return decodeVideo(t, rec)
}

func decodeVideo(t *testing.T, rec *httptest.ResponseRecorder) app.Video {
	t.Helper()
	var v app.Video
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v
}

func requireError(t *testing.T, rec *httptest.ResponseRecorder, status int, msg string) {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	require.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	require.JSONEq(t, fmt.Sprintf(`{"error":%q}`, msg), rec.Body.String())
}

func readFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture)
	require.NoError(t, err)
	return b
}

// sig computes S of STREAM-2 independently of the package.
func sig(key []byte, id string, exp int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "media:%s:%d", id, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func signedURL(id string, exp int64) string {
	return fmt.Sprintf("/api/videos/%s/stream?exp=%d&sig=%s", id, exp, sig(secret, id, exp))
}

// patternReader yields n bytes of a repeating pattern without holding
// them, counting what was read.
type patternReader struct {
	n, read int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.read >= p.n {
		return 0, io.EOF
	}
	if rem := p.n - p.read; int64(len(b)) > rem {
		b = b[:rem]
	}
	for i := range b {
		b[i] = byte((p.read + int64(i)) % 251)
	}
	p.read += int64(len(b))
	return len(b), nil
}

func patternBytes(n int64) []byte {
	b, _ := io.ReadAll(&patternReader{n: n})
	return b
}
