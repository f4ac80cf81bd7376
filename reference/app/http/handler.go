// Package apphttp is the REST adapter of socketlab's reference video app:
// the /api/ routes of docs/contract.md §8–§12 (REST-*, VID-*, STREAM-*,
// SEC-*, ANN-*) over the services of package app.
//
//	h := apphttp.New(apphttp.Config{Videos: …, Events: …, Queue: …, Storage: …,
//		Verifier: auth.NewVerifier(secret), Secret: secret, MaxUploadBytes: 8 << 20})
//	mux.Handle("/api/", h)
//
// Every route but a signed media request (…/stream or …/thumbnail with a
// "sig" query parameter) needs "Authorization: Bearer <token>"
// (auth.Verifier.HTTPMiddleware); checks run in the order of REST-2:
// authentication, then role and tenancy, then input. Every 4xx and 5xx
// body is {"error":"…"}. CORS (SEC-1 to SEC-4) is the composition root's
// business and is not handled here.
package apphttp

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
)

// Error messages of the API. The first three are fixed by the contract
// (REST-1); the others follow its examples.
const (
	MsgAuthRequired    = auth.MsgAuthRequired
	MsgInvalidToken    = auth.MsgInvalidToken
	MsgVideoNotFound   = "Video not found"
	MsgNotFound        = "Not found"
	MsgMethod          = "Method not allowed"
	MsgNoVideoFile     = "No video file"
	MsgFileTooLarge    = "File too large"
	MsgBadMultipart    = "Malformed multipart body"
	MsgTitleTooLong    = "Title too long"
	MsgThumbNotReady   = "Thumbnail not ready"
	MsgBadLink         = "Invalid or expired link"
	MsgRange           = "Range not satisfiable"
	MsgAdminRequired   = "Admin role required"
	MsgInvalidJSON     = "Invalid JSON body"
	MsgMessageLength   = "message must be 1 to 1000 characters"
	MsgBodyTooLarge    = "Request body too large"
	MsgInternal        = "Internal server error"
	MsgQueueFailed     = "Could not queue the video for processing"
	MsgStoreFailed     = "Could not store the upload"
	MaxMessageRunes    = 1000             // ANN-2
	MaxStreamURLTTL    = time.Hour        // STREAM-2
	DefaultMaxUpload   = 100 << 20        // when Config.MaxUploadBytes is 0
	maxTitleBytes      = 4096             // a title part longer than this is refused
	maxAnnounceBody    = 64 << 10         // bytes of an announcement request body
	multipartOverhead  = 1 << 20          // body bytes allowed beyond MaxUploadBytes
	enqueueTimeout     = 10 * time.Second // how long an upload waits on Queue.Enqueue
	jsonContentType    = "application/json; charset=utf-8"
	octetStream        = "application/octet-stream"
	jpegContentType    = "image/jpeg"
	headerNoSniff      = "X-Content-Type-Options"
	headerCacheControl = "Cache-Control"
)

// Config is what New needs. Videos, Events, Queue, Storage, Verifier and
// Secret are required.
type Config struct {
	Videos   app.VideoService
	Events   app.Events
	Queue    app.Queue
	Storage  app.Storage
	Verifier *auth.Verifier
	// Secret signs streamUrl (STREAM-2): the shared secret of the tokens.
	Secret []byte
	// MaxUploadBytes is the largest accepted video file, N of REST-6
	// (DefaultMaxUpload when 0 or less).
	MaxUploadBytes int64
	// StreamURLTTL is how long a streamUrl stays valid: at most, and by
	// default, one hour; at least one second.
	StreamURLTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives server-side failures (nothing is logged when nil).
	Logger *slog.Logger
}

// Handler serves the /api/ routes. It is safe for concurrent use.
type Handler struct {
	cfg       Config
	maxUpload int64
	ttl       time.Duration
	now       func() time.Time
	log       *slog.Logger
	mux       *http.ServeMux
	unclean   http.Handler
}

// New returns the Handler of cfg. It panics when a required member is
// missing.
func New(cfg Config) *Handler {
	switch {
	case cfg.Videos == nil, cfg.Events == nil, cfg.Queue == nil, cfg.Storage == nil, cfg.Verifier == nil:
		panic("apphttp: New needs Videos, Events, Queue, Storage and Verifier")
	case len(cfg.Secret) == 0:
		panic("apphttp: New with an empty Secret")
	}
	h := &Handler{cfg: cfg, maxUpload: cfg.MaxUploadBytes, ttl: cfg.StreamURLTTL, now: cfg.Now, log: cfg.Logger}
	h.cfg.Secret = append([]byte(nil), cfg.Secret...)
	if h.maxUpload <= 0 {
		h.maxUpload = DefaultMaxUpload
	}
	if h.ttl <= 0 || h.ttl > MaxStreamURLTTL {
		h.ttl = MaxStreamURLTTL
	}
	if h.ttl < time.Second {
		h.ttl = time.Second
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	authed := func(f http.HandlerFunc) http.Handler { return cfg.Verifier.HTTPMiddleware(f) }
	h.mux = http.NewServeMux()
	h.mux.Handle("POST /api/videos", authed(h.upload))
	h.mux.Handle("GET /api/videos", authed(h.list))
	h.mux.Handle("GET /api/videos/{id}", authed(h.get))
	h.mux.Handle("GET /api/videos/{id}/thumbnail", h.signedOr(h.signedThumbnail, authed(h.thumbnail)))
	h.mux.Handle("GET /api/videos/{id}/stream", h.signedOr(h.signedStream, authed(h.stream)))
	h.mux.Handle("POST /api/announcements", authed(h.announce))
	h.unclean = authed(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, MsgNotFound)
	})
	h.mux.Handle("/", authed(h.unknownRoute))
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !cleanPath(r.URL.EscapedPath()) {
		// ServeMux would answer an HTML redirect; a path with empty, "."
		// or ".." segments names nothing here.
		h.unclean.ServeHTTP(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(p, "//")
}

// signedOr routes a request carrying "sig" to signed (judged by the
// signature alone, STREAM-1) and any other to authed.
func (h *Handler) signedOr(signed http.HandlerFunc, authed http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("sig") {
			signed(w, r)
			return
		}
		authed.ServeHTTP(w, r)
	})
}

// unknownRoute answers 405 when the path exists under another method, else
// 404 (REST-13), both after authentication.
func (h *Handler) unknownRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		r2 := r.WithContext(r.Context())
		r2.Method = m
		if _, pattern := h.mux.Handler(r2); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if allow[0] == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, MsgMethod)
		return
	}
	writeError(w, http.StatusNotFound, MsgNotFound)
}

// claimsOf returns the claims HTTPMiddleware stored; the routes that call
// it are always behind the middleware.
func claimsOf(r *http.Request) *auth.Claims {
	c, ok := auth.ClaimsFrom(r.Context())
	if !ok {
		panic("apphttp: route without authentication")
	}
	return c
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"` + MsgInternal + `"}`)
	}
	hd := w.Header()
	hd.Set("Content-Type", jsonContentType)
	hd.Set(headerCacheControl, "no-store")
	hd.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// internal logs err and answers 500 with msg, which never names a path or
// a cause (SEC-7, SEC-8).
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, msg string, err error) {
	h.log.Error("apphttp: "+msg, "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, msg)
}

// findVideo returns the caller's video named by the path's id, or answers
// 404 {"error":"Video not found"} (REST-11) and returns nil.
func (h *Handler) findVideo(w http.ResponseWriter, r *http.Request) *app.Video {
	id := r.PathValue("id")
	if !app.ValidVideoID(id) {
		writeError(w, http.StatusNotFound, MsgVideoNotFound)
		return nil
	}
	v, err := h.cfg.Videos.FindVideo(r.Context(), claimsOf(r).OrganizationID, id)
	switch {
	case errors.Is(err, app.ErrNotFound):
		writeError(w, http.StatusNotFound, MsgVideoNotFound)
		return nil
	case err != nil:
		h.internal(w, r, MsgInternal, err)
		return nil
	}
	return v
}
