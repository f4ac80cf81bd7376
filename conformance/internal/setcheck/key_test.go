package setcheck

import (
	"encoding/json"
	"testing"
)

func TestKeyIgnoresMemberOrder(t *testing.T) {
	a := Key("video:progress", json.RawMessage(`{"videoId":"v","progress":10,"stage":"metadata"}`))
	b := Key("video:progress", json.RawMessage(`{ "stage":"metadata", "progress":10, "videoId":"v" }`))
	if a != b {
		t.Fatalf("%q != %q", a, b)
	}
	if Key("x", json.RawMessage(`{"n":10}`)) == Key("x", json.RawMessage(`{"n":10.0}`)) {
		t.Fatal("10 and 10.0 must stay distinct: a server sending 10.0 for an integer is judged elsewhere")
	}
}

// FuzzCanonical: canonicalization never panics and is idempotent.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2]`, `{"b":1,"a":[{"d":null,"c":"x"}]}`, `1e400`, `"\u00e9"`, `{`, ``, `nul`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		once := Canonical(raw)
		if json.Valid(raw) && Canonical([]byte(once)) != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, once, Canonical([]byte(once)))
		}
	})
}
