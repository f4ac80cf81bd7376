// Package server is the composition root of socketlab's reference video app:
// it wires the SQLite store, the file storage, the processing pipeline and its
// worker pool, the Socket.IO hub and the REST handler into one HTTP server
// (docs/contract.md).
//
//	s, err := server.New(server.Config{DataDir: "./data", Secret: secret})
//	if err := s.Open(nil); err != nil { … }   // listens on cfg.Addr
//	fmt.Println(s.URL())
//	defer s.Close()
//
// Routes: "/socket.io/" is the Socket.IO server, "/api/" the REST API with
// CORS from an explicit allow-list (contract §12), "/api/dev/login" the demo
// login of dev mode, and "/" with "/static/" the browser UI (package web).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
	apphttp "socketlab/reference/app/http"
	"socketlab/reference/app/pipeline"
	"socketlab/reference/app/realtime"
	"socketlab/reference/app/sqlite"
	"socketlab/reference/app/web"
	"socketlab/reference/app/worker"
	"socketlab/reference/engineio"
	"socketlab/reference/socketio"
)

// DefaultAddr is where the server listens when Config.Addr is empty.
const DefaultAddr = "127.0.0.1:8080"

// DevModeWarning is logged at startup in dev mode.
const DevModeWarning = "DEV MODE: anyone can log in as a demo user"

// Config configures a Server. Secret is required.
type Config struct {
	// Addr is the listen address of Open(nil) (default DefaultAddr).
	Addr string
	// DataDir holds socketlab.db and the files/ folder (default "./data").
	DataDir string
	// Secret is the HS256 secret of the tokens and of signed stream URLs.
	Secret []byte
	// AllowedOrigins are the exact browser origins allowed cross-origin,
	// for REST and Socket.IO. The server's own origin, http://<addr>, is
	// always allowed.
	AllowedOrigins []string
	// MaxUploadBytes is the largest accepted upload (apphttp's default when 0).
	MaxUploadBytes int64
	// Workers is how many videos are processed at once (worker's default when 0).
	Workers int
	// DevMode enables POST /api/dev/login for the demo users. Never in production.
	DevMode bool
	// Recovery turns Socket.IO connection state recovery on. Nil means true.
	Recovery *bool
	// ProcessTimeout bounds the processing of one video (pipeline's default when 0).
	ProcessTimeout time.Duration
	// ConnectTimeout closes connections that join no namespace in time
	// (socket.io's default, 45 s, when 0).
	ConnectTimeout time.Duration
	// PingInterval and PingTimeout are Engine.IO's heartbeat (socket.io's
	// defaults, 25 s and 20 s, when 0).
	PingInterval time.Duration
	PingTimeout  time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server is the assembled app. Create it with New, then Open (or Serve), then Close.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       *sqlite.DB
	videos   *sqlite.VideoService
	storage  apphttp.DirStorage
	verifier *auth.Verifier

	io   *socketio.Server
	hub  *realtime.Hub
	pool *worker.Pool
	api  *apphttp.Handler

	srv     *http.Server
	url     string
	origins []string
	cancel  context.CancelFunc
	served  chan error

	closeOnce sync.Once
	closeErr  error
}

// New opens the database and the storage under cfg.DataDir. Nothing listens
// until Open.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secret) == 0 {
		return nil, errors.New("server: a secret is required")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./data"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	files := filepath.Join(cfg.DataDir, "files")
	if err := os.MkdirAll(files, 0o750); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	db, err := sqlite.Open(filepath.Join(cfg.DataDir, "socketlab.db"))
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		db:       db,
		videos:   sqlite.NewVideoService(db),
		storage:  apphttp.DirStorage(files),
		verifier: auth.NewVerifier(cfg.Secret, auth.WithLogger(cfg.Logger)),
	}, nil
}

// Open starts serving on ln (on cfg.Addr when ln is nil) in the background,
// starts the worker pool and resumes the videos an earlier run left
// processing. It may be called once.
func (s *Server) Open(ln net.Listener) error {
	if s.srv != nil {
		return errors.New("server: already open")
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Addr); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	s.url = "http://" + ln.Addr().String()
	s.origins = append([]string{s.url}, s.cfg.AllowedOrigins...)
	s.origins = slices.Compact(s.origins)

	s.build()

	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.pool.Start(ctx)
	if err := s.pool.Resume(ctx); err != nil {
		s.log.Error("server: resume", "err", err)
	}

	if s.cfg.DevMode {
		s.log.Warn(DevModeWarning, "users", "alice (acme admin), bob (acme member), carol (globex admin)")
	}
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.served = make(chan error, 1)
	go func() { s.served <- s.srv.Serve(ln) }()
	s.log.Info("server: listening", "url", s.url, "origins", s.origins, "dev", s.cfg.DevMode)
	return nil
}

// Serve is Open followed by waiting until the server stops (Close). It
// returns nil after Close.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.Open(ln); err != nil {
		return err
	}
	err := <-s.served
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// URL is the server's base URL, http://<host:port>, once open.
func (s *Server) URL() string { return s.url }

func (s *Server) build() {
	recovery := s.cfg.Recovery == nil || *s.cfg.Recovery
	opts := socketio.Options{
		Engine: engineio.Options{CORS: engineio.CORS{
			AllowedOrigins:   s.origins,
			AllowCredentials: true,
		}, PingInterval: s.cfg.PingInterval, PingTimeout: s.cfg.PingTimeout},
		Logger:         s.log,
		ConnectTimeout: s.cfg.ConnectTimeout,
	}
	if recovery {
		opts.Recovery = &socketio.RecoveryOptions{Owner: realtime.RecoveryOwner}
	}
	s.io = socketio.NewServer(opts)

	var api *apphttp.Handler // set below; the hub only calls StreamURL later
	s.hub = realtime.New(s.io, s.videos, s.verifier, realtime.Options{
		StreamURL: func(v *app.Video) string { return api.StreamURL(v.ID) },
		Logger:    s.log,
	})
	s.pool = worker.New(worker.Config{
		Videos:    s.videos,
		Events:    s.hub,
		Storage:   s.storage,
		Processor: &pipeline.Processor{Timeout: s.cfg.ProcessTimeout},
		Workers:   s.cfg.Workers,
		Logger:    s.log,
	})
	api = apphttp.New(apphttp.Config{
		Videos:         s.videos,
		Events:         s.hub,
		Queue:          s.pool,
		Storage:        s.storage,
		Verifier:       s.verifier,
		Secret:         s.cfg.Secret,
		MaxUploadBytes: s.cfg.MaxUploadBytes,
		Logger:         s.log,
	})
	s.api = api
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", s.io)
	mux.Handle("/api/", s.cors(s.api))
	mux.Handle("/api/dev/login", s.cors(http.HandlerFunc(s.devLogin)))
	ui := web.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /static/", ui)
	return mux
}

// Close stops accepting connections, closes the Socket.IO server, waits
// for the running requests (5 s at most), stops the worker pool (a video being
// processed stays processing and is resumed at the next start) and closes
// the database. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			done := make(chan error, 1)
			go func() { done <- s.srv.Shutdown(ctx) }()
			s.io.Close()
			if err := <-done; err != nil {
				_ = s.srv.Close()
			}
			cancel()
			errs = append(errs, s.pool.Close())
			s.cancel()
		}
		errs = append(errs, s.db.Close())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
