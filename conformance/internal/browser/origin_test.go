package browser

import (
	"strings"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]struct {
		serialized, rules string
		listen            string
	}{
		"http://allowed.socketlab.test":    {"http://allowed.socketlab.test", "MAP allowed.socketlab.test:80 127.0.0.1:9, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "127.0.0.1:0"},
		"http://Allowed.Socketlab.Test/":   {"http://allowed.socketlab.test", "MAP allowed.socketlab.test:80 127.0.0.1:9, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "127.0.0.1:0"},
		"http://allowed.socketlab.test:80": {"http://allowed.socketlab.test", "MAP allowed.socketlab.test:80 127.0.0.1:9, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "127.0.0.1:0"},
		"http://app.example:5173":          {"http://app.example:5173", "MAP app.example:5173 127.0.0.1:9, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "127.0.0.1:0"},
		"http://localhost:5173":            {"http://localhost:5173", "MAP localhost:5173 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "127.0.0.1:5173"},
		"http://127.0.0.1:8080":            {"http://127.0.0.1:8080", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "127.0.0.1:8080"},
	} {
		o, err := ParseOrigin(in)
		if err != nil {
			t.Errorf("ParseOrigin(%q): %v", in, err)
			continue
		}
		if o.Serialized != want.serialized || o.ResolverRules("127.0.0.1:9") != want.rules || o.ListenAddr() != want.listen {
			t.Errorf("ParseOrigin(%q) = %q, rules %q, listen %q; want %+v", in, o.Serialized, o.ResolverRules("127.0.0.1:9"), o.ListenAddr(), want)
		}
	}
	// The target stays reachable, also on the page's own host.
	o, _ := ParseOrigin("http://app.example")
	if got, want := o.ResolverRules("127.0.0.1:9", "app.example:3000", "127.0.0.1:4000", "localhost:5000"),
		"MAP app.example:80 127.0.0.1:9, MAP app.example:3000 app.example, MAP localhost:5000 localhost, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"; got != want {
		t.Errorf("rules with targets:\n got %s\nwant %s", got, want)
	}
	for _, bad := range []string{"", "https://app.example", "http://", "http://a.test/path", "http://a.test?x", "http://u@a.test",
		"http://a.test:0", "http://a.test:99999", "ws://a.test", "allowed.socketlab.test", "http://a.test#f"} {
		if o, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) = %+v, want an error", bad, o)
		}
	}
}

// FuzzParseOrigin: whatever the flag holds, an accepted origin re-parses to
// itself and never smuggles a second rule into --host-resolver-rules.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"http://allowed.socketlab.test", "http://localhost:5173", "http://127.0.0.1:1", "http://[::1]:80",
		"http://a.test, MAP * 1.2.3.4", "http://a.test%2C", "https://x", "http://xn--bcher-kva.example:8080/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrigin(s)
		if err != nil {
			return
		}
		again, err := ParseOrigin(o.Serialized)
		if err != nil || again != o {
			t.Fatalf("%q → %+v, which re-parses to %+v, %v", s, o, again, err)
		}
		rules := o.ResolverRules("127.0.0.1:9")
		if n := strings.Count(rules, ","); n > 2 {
			t.Fatalf("%q gives %d rules: %q", s, n+1, rules)
		}
	})
}
