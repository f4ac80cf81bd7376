package swarm

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRecordLinesRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)
	payload, _ := json.Marshal(Event{Name: "video:progress", Args: []json.RawMessage{json.RawMessage(`{"videoId":"v","progress":10,"stage":"metadata"}`)}})
	in := []Record{
		{Agent: 1, Client: 7, Type: TypeEvent, At: at, Payload: payload},
		{Agent: 1, Client: 8, Type: TypeDisconnected, At: at, Payload: json.RawMessage(`{"reason":"ping timeout"}`)},
	}
	out, err := DecodeLines(EncodeLines(in))
	require.NoError(t, err)
	require.Len(t, out, 2)
	for i := range in {
		require.Equal(t, in[i].Agent, out[i].Agent)
		require.Equal(t, in[i].Client, out[i].Client)
		require.Equal(t, in[i].Type, out[i].Type)
		require.True(t, in[i].At.Equal(out[i].At))
		require.JSONEq(t, string(in[i].Payload), string(out[i].Payload))
	}
}

func TestDecodeLinesRefusesBadLines(t *testing.T) {
	for _, body := range []string{
		`{"agent":0,"client":0,"type":"hello","at":"2026-11-26T12:00:00Z"}`,
		`{"agent":-1,"client":0,"type":"event","at":"2026-11-26T12:00:00Z"}`,
		`{"agent":0,"client":0,"type":"event"}`,
		`{"agent":0,"client":0,"type":"event","at":"2026-11-26T12:00:00Z","payload":[1]}`,
		`{"agent":0,"client":0,"type":"event","at":"2026-11-26T12:00:00Z","extra":1}`,
		`{"agent":0,"client":0,"type":"event","at":"2026-11-26T12:00:00Z"} {}`,
		`not json`,
	} {
		_, err := DecodeLines([]byte(body))
		require.Error(t, err, body)
	}
}

// FuzzDecodeLines: the collector decodes what any process on 127.0.0.1
// POSTs; it must never panic, and whatever it accepts must survive a
// round trip unchanged.
func FuzzDecodeLines(f *testing.F) {
	f.Add([]byte(`{"agent":0,"client":3,"type":"connected","at":"2026-11-26T12:00:00.5Z","payload":{"org":"a","user":"u","sid":"s","attempts":1}}` + "\n"))
	f.Add([]byte(`{"agent":2,"client":0,"type":"event","at":"2026-11-26T12:00:00Z","payload":{"name":"x","args":[{"a":1},"b"]}}` + "\n\n" +
		`{"agent":2,"client":1,"type":"disconnected","at":"2026-11-26T12:00:01Z","payload":{"reason":"transport close"}}`))
	f.Add([]byte(`{"agent":0,"client":0,"type":"connect_error","at":"2026-11-26T12:00:00Z","payload":{"attempt":2,"error":"refused","refused":true}}`))
	f.Add([]byte("\n\n"))
	f.Add([]byte(`{"agent":1e400,"client":0,"type":"event","at":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := DecodeLines(body)
		if err != nil {
			return
		}
		again, err := DecodeLines(EncodeLines(recs))
		if err != nil {
			t.Fatalf("re-decoding accepted records: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("round trip changed the count: %d → %d", len(recs), len(again))
		}
		for i := range recs {
			a, b := recs[i], again[i]
			if a.Agent != b.Agent || a.Client != b.Client || a.Type != b.Type || !a.At.Equal(b.At) {
				t.Fatalf("round trip changed record %d: %+v → %+v", i, a, b)
			}
		}
	})
}
