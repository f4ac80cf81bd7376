package engineio

import (
	"net/http"
	"net/url"
	"strings"
)

// corsPolicy is Options.CORS compiled for lookups.
type corsPolicy struct {
	anyOrigin   bool
	credentials bool
	origins     map[string]struct{}
}

func newCORSPolicy(c CORS) corsPolicy {
	p := corsPolicy{anyOrigin: c.AllowAnyOrigin, credentials: c.AllowCredentials}
	if len(c.AllowedOrigins) > 0 {
		p.origins = make(map[string]struct{}, len(c.AllowedOrigins))
		for _, o := range c.AllowedOrigins {
			p.origins[strings.TrimSuffix(o, "/")] = struct{}{}
		}
	}
	return p
}

// enabled reports whether any cross-origin access is configured; only
// then do responses vary by Origin.
func (p *corsPolicy) enabled() bool { return p.anyOrigin || len(p.origins) > 0 }

// crossOriginAllowed reports whether a browser at origin may read our
// responses.
func (p *corsPolicy) crossOriginAllowed(origin string) bool {
	if origin == "" {
		return false
	}
	if p.anyOrigin {
		return true
	}
	_, ok := p.origins[origin]
	return ok
}

// originAllowed decides a WebSocket upgrade: a request without Origin is
// not from a browser (Node clients send none) and cannot be a cross-site
// attack, a same-origin page needs no configuration, and any other origin
// must be allowed by the policy.
func (p *corsPolicy) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || p.crossOriginAllowed(origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// setHeaders adds the CORS response headers for an allowed origin: the
// origin is echoed, never "*", so that credentials can be allowed safely.
// A disallowed origin gets no CORS header at all and the browser hides
// the response from the page.
func (p *corsPolicy) setHeaders(h http.Header, r *http.Request) {
	if !p.enabled() {
		return
	}
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if !p.crossOriginAllowed(origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// preflight answers an OPTIONS request: 204, with the allowed methods and
// the requested headers echoed when the origin is allowed.
func (p *corsPolicy) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	p.setHeaders(h, r)
	if p.crossOriginAllowed(r.Header.Get("Origin")) {
		h.Set("Access-Control-Allow-Methods", "GET,POST")
		if reqHeaders := r.Header.Get("Access-Control-Request-Headers"); reqHeaders != "" {
			h.Set("Access-Control-Allow-Headers", reqHeaders)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}
