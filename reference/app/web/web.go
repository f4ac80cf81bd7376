// Package web is the browser UI of socketlab's reference video app: plain
// HTML, CSS and JavaScript modules, embedded in the binary, with no build
// step and no framework.
//
//	GET /                 the app (index.html); /?user=alice picks a demo user
//	GET /static/app/…     the app's modules (REST calls, cards, forms)
//	GET /static/client/…  socketlab's own Socket.IO client for the browser:
//	                      Engine.IO v4 + Socket.IO v5, taught in the lessons
//
// The UI needs the server's dev mode (POST /api/dev/login) to get tokens.
// The Go side only serves files; everything else happens in the browser
// against the REST API and Socket.IO, exactly as any other front-end would.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var embedded embed.FS

// Files returns the UI's files, rooted at the static folder (index.html,
// app.css, app/, client/).
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err) // cannot happen: "static" is embedded above
	}
	return sub
}

// contentSecurityPolicy allows only this origin's scripts, styles and
// connections (WebSocket included), blob: images (the thumbnails, fetched
// with the token) and no framing. A page that handles tokens should not
// run anything it did not ship.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' blob:; media-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves GET / and GET /static/…; mount it on both patterns.
// Folders are not listed. Nothing is cached for long, so that an edited
// file shows at the next reload in dev mode.
func Handler() http.Handler {
	files := Files()
	static := http.StripPrefix("/static/", http.FileServerFS(files))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	})
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		static.ServeHTTP(w, r)
	})
	return withHeaders(mux)
}

func withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		// Signed stream links must not leak to other sites in Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}
