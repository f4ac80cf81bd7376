package browser

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Origin is the web origin the harness page is served from: the one the
// target allows (-origin, or -browser-origin), so that the page's requests
// to the target are cross-origin requests the target must accept.
//
// The harness cannot listen on that origin's host (allowed.socketlab.test
// resolves nowhere) and should not listen on its port (80 needs root), so
// Chromium is told to resolve the origin's host and port to the harness's
// page server: the page keeps the origin's name, and with it the Origin
// header the browser sends and the CORS checks it makes.
type Origin struct {
	// Serialized is the origin as the browser writes it in the Origin
	// header: scheme://host[:port], the default port left out.
	Serialized string
	Host       string
	// Port is the origin's port, explicit or the scheme's default.
	Port int
	// ExplicitPort says whether the origin names its port.
	ExplicitPort bool
}

// ParseOrigin parses an http origin: "http://host" or "http://host:port",
// nothing after it but an optional "/". An https origin is refused: the
// page would be a secure context whose plain-http requests to the target
// are blocked as mixed content, so a browser of that origin could not be
// judged against an http target anyway.
func ParseOrigin(s string) (Origin, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Origin{}, fmt.Errorf("browser origin %q: %w", s, err)
	}
	switch {
	case u.Scheme != "http":
		return Origin{}, fmt.Errorf("browser origin %q: only http origins can be served by the harness (scheme %q)", s, u.Scheme)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/"):
		return Origin{}, fmt.Errorf("browser origin %q: an origin is scheme://host[:port] only", s)
	case u.Hostname() == "":
		return Origin{}, fmt.Errorf("browser origin %q has no host", s)
	}
	o := Origin{Host: strings.ToLower(u.Hostname()), Port: 80}
	if strings.ContainsAny(o.Host, " ,;*\t") {
		return Origin{}, fmt.Errorf("browser origin %q: host %q cannot be mapped", s, o.Host)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Origin{}, fmt.Errorf("browser origin %q: bad port %q", s, p)
		}
		o.Port, o.ExplicitPort = n, n != 80
	}
	host := o.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal
	}
	o.Serialized = "http://" + host
	if o.ExplicitPort {
		o.Serialized += ":" + strconv.Itoa(o.Port)
	}
	return o, nil
}

// Loopback reports whether the origin's host is 127.0.0.1 or "localhost".
// Such an origin is served by listening on its very port: Chromium's
// resolver rules never remap 127.0.0.1 (see ResolverRules), and a page on
// a loopback origin needs no name of its own.
func (o Origin) Loopback() bool {
	return o.Host == "localhost" || o.Host == "127.0.0.1"
}

// ListenAddr is where the page server listens: the origin's own port on
// 127.0.0.1 for a loopback origin, any free port otherwise.
func (o Origin) ListenAddr() string {
	if o.Loopback() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port))
	}
	return "127.0.0.1:0"
}

// ResolverRules is Chromium's --host-resolver-rules for a page server
// listening on serverAddr (host:port). Rules apply in order, the first
// match wins, and a pattern with a port matches host:port:
//
//   - the origin's host:port goes to the page server (a localhost origin
//     to 127.0.0.1, where the page server listens on the origin's port);
//   - each of reach (host:port, the target's address when it is not
//     127.0.0.1) resolves as usual, mapped to its own host;
//   - every other name goes to NOTFOUND, 127.0.0.1 excepted: the browser
//     reaches nothing but the harness and the target, never the internet.
func (o Origin) ResolverRules(serverAddr string, reach ...string) string {
	var rules []string
	switch {
	case o.Host == "localhost":
		rules = append(rules, "MAP localhost:"+strconv.Itoa(o.Port)+" 127.0.0.1")
	case !o.Loopback():
		rules = append(rules, "MAP "+net.JoinHostPort(o.Host, strconv.Itoa(o.Port))+" "+serverAddr)
	}
	for _, hp := range reach {
		host, _, err := net.SplitHostPort(hp)
		if err != nil || host == "127.0.0.1" || strings.ContainsAny(hp, " ,;*\t") {
			continue
		}
		rules = append(rules, "MAP "+hp+" "+host)
	}
	return strings.Join(append(rules, "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"), ", ")
}
