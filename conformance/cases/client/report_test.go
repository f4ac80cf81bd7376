package client

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestParseReports(t *testing.T) {
	body := []byte("{\"seq\":0,\"at\":1.5,\"kind\":\"connect\",\"id\":\"S\",\"recovered\":true}\n\n" +
		"not json\n{\"seq\":1}\n{\"seq\":2,\"kind\":\"event\",\"event\":\"echo\",\"args\":[1,\"a\",{\"b\":null}]}\n")
	reps, bad := ParseReports(body)
	if len(reps) != 2 || len(bad) != 2 {
		t.Fatalf("%d reports, %d errors: %v", len(reps), len(bad), bad)
	}
	if r := reps[0]; r.Kind != "connect" || r.ID != "S" || !r.Recovered || r.At != 1.5 {
		t.Fatalf("connect: %+v", r)
	}
	if r := reps[1]; r.Event != "echo" || !sameArgs(r.Args, rawArgs(1, "a", map[string]any{"b": nil})) {
		t.Fatalf("event: %+v", r)
	}
}

// FuzzParseReports: any body gives reports with a kind, or errors, never
// a panic; a report written back is read back the same.
func FuzzParseReports(f *testing.F) {
	f.Add([]byte(`{"seq":0,"at":1,"kind":"start","client":"x"}` + "\n"))
	f.Add([]byte(`{"seq":3,"kind":"disconnect","reason":"ping timeout","active":true}` + "\n" + `{"kind":"reconnect_attempt","attempt":2}`))
	f.Add([]byte(`{"kind":"connect_error","message":"m","data":{"reason":[1,2]}}`))
	f.Add([]byte(`{"kind":"event","event":"tick","args":[1,"off-1"]}` + "\r\n\n"))
	f.Add([]byte("\n\n{\"kind\":1}\n[]\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		reps, bad := ParseReports(body)
		if len(reps)+len(bad) > bytes.Count(body, []byte("\n"))+1 {
			t.Fatalf("%d reports and %d errors from %d lines", len(reps), len(bad), bytes.Count(body, []byte("\n"))+1)
		}
		for _, r := range reps {
			if r.Kind == "" {
				t.Fatalf("a report without kind: %+v", r)
			}
			_ = r.String()
			line, err := json.Marshal(r)
			if err != nil {
				continue // e.g. a raw value json.Marshal refuses to re-emit
			}
			again, errs := ParseReports(line)
			if len(again) != 1 || len(errs) != 0 || again[0].Kind != r.Kind || again[0].Seq != r.Seq {
				t.Fatalf("%s read back as %+v %v", line, again, errs)
			}
		}
	})
}

// The bounds of socket.io's backoff with the level's options: the
// example of the socket.io docs scaled down tenfold (500–1500 ms for the
// first attempt with the defaults).
func TestDelayBounds(t *testing.T) {
	want := [][2]time.Duration{{50, 150}, {100, 300}, {200, 600}, {400, 800}, {800, 800}, {800, 800}}
	for i, w := range want {
		lo, hi := delayBounds(i + 1)
		if lo != w[0]*time.Millisecond || hi != w[1]*time.Millisecond {
			t.Errorf("attempt %d: %v–%v, want %v–%v", i+1, lo, hi, w[0]*time.Millisecond, w[1]*time.Millisecond)
		}
	}
}
