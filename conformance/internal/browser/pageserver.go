package browser

import (
	"embed"
	"fmt"
	"net"
	"net/http"
	"time"
)

//go:embed page/index.html page/harness.js
var pageFiles embed.FS

// pageServer serves the harness page and the official client's bundle on
// 127.0.0.1, for the browser to load under the origin Chromium maps to it.
type pageServer struct {
	addr string // host:port it listens on
	srv  *http.Server
}

func startPageServer(o Origin, b Bundle) (*pageServer, error) {
	ln, err := net.Listen("tcp", o.ListenAddr())
	if err != nil {
		return nil, fmt.Errorf("page server for %s: %w", o.Serialized, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", serveEmbedded("page/index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /harness.js", serveEmbedded("page/harness.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, b.Path)
	})
	// The browser asks for a favicon; a 204 keeps the console quiet.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	p := &pageServer{addr: ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	// Serve ends with ErrServerClosed at close; any other failure shows
	// as the page's load error in the case that needed it.
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func serveEmbedded(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		body, err := pageFiles.ReadFile(name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	}
}

func (p *pageServer) close() { _ = p.srv.Close() }
