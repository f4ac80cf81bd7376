package apphttp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"socketlab/reference/app"
)

// Sign returns S of STREAM-2: base64url without padding of
// HMAC-SHA-256(secret, "media:<id>:<exp>").
func Sign(secret []byte, id string, exp int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("media:" + id + ":" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SignedStreamURL returns /api/videos/<id>/stream?exp=<exp>&sig=<S> of
// STREAM-2 (for other adapters too, e.g. the video of the ROOM-3 ack).
func SignedStreamURL(secret []byte, id string, exp int64) string {
	return "/api/videos/" + id + "/stream?exp=" + strconv.FormatInt(exp, 10) + "&sig=" + Sign(secret, id, exp)
}

// StreamURL returns a signed stream URL for id, valid from now until
// E = now + the configured TTL (STREAM-2).
func (h *Handler) StreamURL(id string) string {
	return SignedStreamURL(h.cfg.Secret, id, h.now().Unix()+int64(h.ttl/time.Second))
}

// validLink reports whether the query's exp and sig are a valid, unexpired
// signature for id (STREAM-3).
func (h *Handler) validLink(r *http.Request, id string) bool {
	q := r.URL.Query()
	if len(q["exp"]) != 1 || len(q["sig"]) != 1 {
		return false
	}
	e := q.Get("exp")
	if e == "" || e[0] == '+' {
		return false
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil {
		return false
	}
	now := h.now()
	if now.After(time.Unix(exp, 0)) || exp > now.Unix()+int64(MaxStreamURLTTL/time.Second) {
		return false
	}
	want := Sign(h.cfg.Secret, id, exp)
	return hmac.Equal([]byte(q.Get("sig")), []byte(want)) && app.ValidVideoID(id)
}

// stream answers GET /api/videos/{id}/stream with a token (STREAM-1).
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	v := h.findVideo(w, r)
	if v == nil {
		return
	}
	h.serveMedia(w, r, h.cfg.Storage.VideoPath(v.ID), "", MsgVideoNotFound)
}

// signedStream answers GET /api/videos/{id}/stream?exp=…&sig=…, judged by
// the signature alone (STREAM-1, STREAM-3).
func (h *Handler) signedStream(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !h.validLink(r, id) {
		writeError(w, http.StatusForbidden, MsgBadLink)
		return
	}
	h.serveMedia(w, r, h.cfg.Storage.VideoPath(id), "", MsgVideoNotFound)
}

// thumbnail answers GET /api/videos/{id}/thumbnail with a token: the JPEG
// once the video JSON names it, 404 before (REST-12).
func (h *Handler) thumbnail(w http.ResponseWriter, r *http.Request) {
	v := h.findVideo(w, r)
	if v == nil {
		return
	}
	if v.Thumbnail == "" {
		writeError(w, http.StatusNotFound, MsgThumbNotReady)
		return
	}
	h.serveMedia(w, r, h.cfg.Storage.ThumbnailPath(v.ID), jpegContentType, MsgThumbNotReady)
}

// signedThumbnail accepts the exp and sig of the video's streamUrl
// (STREAM-11). Without an organization to look the video up in, the
// thumbnail file is served once it exists.
func (h *Handler) signedThumbnail(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !h.validLink(r, id) {
		writeError(w, http.StatusForbidden, MsgBadLink)
		return
	}
	h.serveMedia(w, r, h.cfg.Storage.ThumbnailPath(id), jpegContentType, MsgThumbNotReady)
}

// serveMedia serves the file at path with Range, If-Range and HEAD
// support (http.ServeContent: STREAM-4 to STREAM-10). contentType ""
// means a video type sniffed from the content, or application/octet-stream
// — never a type a browser renders (STREAM-8). A missing file answers 404
// with missing.
func (h *Handler) serveMedia(w http.ResponseWriter, r *http.Request, path, contentType, missing string) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	if err != nil {
		h.internal(w, r, MsgInternal, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		h.internal(w, r, MsgInternal, err)
		return
	}
	if !info.Mode().IsRegular() {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	if contentType == "" {
		contentType = sniffVideo(f)
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set(headerNoSniff, "nosniff")
	hd.Set(headerCacheControl, "private, no-cache")
	if r.Header.Get("If-Range") == "" && zeroSuffixRange(r.Header.Get("Range")) {
		// http.ServeContent answers "bytes=-0" with 206 and the invalid
		// "Content-Range: bytes N-(N-1)/N"; a suffix of zero bytes selects
		// nothing, which RFC 9110 §14.1.2 makes unsatisfiable (STREAM-9).
		hd.Set("Content-Range", fmt.Sprintf("bytes */%d", info.Size()))
		writeError(w, http.StatusRequestedRangeNotSatisfiable, MsgRange)
		return
	}
	http.ServeContent(&mediaWriter{ResponseWriter: w}, r, "", info.ModTime(), f)
}

// zeroSuffixRange reports whether a Range header asks only for suffixes of
// zero bytes ("bytes=-0", "bytes=-0, -00").
func zeroSuffixRange(h string) bool {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok {
		return false
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, "-") || strings.Trim(part[1:], "0") != "" || len(part) < 2 {
			return false
		}
	}
	return true
}

// sniffVideo returns the video/* type of f's content, or
// application/octet-stream.
func sniffVideo(f *os.File) string {
	var buf [512]byte
	n, _ := f.ReadAt(buf[:], 0)
	ct, _, err := mime.ParseMediaType(http.DetectContentType(buf[:n]))
	if err == nil && strings.HasPrefix(ct, "video/") {
		return ct
	}
	return octetStream
}

// mediaWriter turns the plain-text error answers of http.ServeContent (416,
// 412, …) into the API's JSON error body (REST-1), keeping their headers
// (Content-Range: bytes */N).
type mediaWriter struct {
	http.ResponseWriter
	failed bool
}

func (m *mediaWriter) WriteHeader(code int) {
	if code < 400 {
		m.ResponseWriter.WriteHeader(code)
		return
	}
	m.failed = true
	msg := http.StatusText(code)
	if code == http.StatusRequestedRangeNotSatisfiable {
		msg = MsgRange
	}
	if msg == "" {
		msg = "Error"
	}
	writeJSON(m.ResponseWriter, code, errorBody{Error: msg})
}

func (m *mediaWriter) Write(p []byte) (int, error) {
	if m.failed {
		return len(p), nil
	}
	return m.ResponseWriter.Write(p)
}

func (m *mediaWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }
