package contract

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
)

// The judges decide verdicts: each is checked here on hand-made input,
// conforming and not, without a target.

func event(name, payload string) sioclient.Received {
	return sioclient.Received{Packet: codec.SIOPacket{Type: codec.SIOEvent, Namespace: "/"}, Event: name, Args: []json.RawMessage{json.RawMessage(payload)}}
}

func TestCheckOrder(t *testing.T) {
	p := func(n int) sioclient.Received {
		return event("video:progress", `{"videoId":"v","progress":`+strconv.Itoa(n)+`,"stage":"x"}`)
	}
	done, failed := event("video:processed", `{}`), event("video:failed", `{}`)
	for _, tc := range []struct {
		name string
		seq  []sioclient.Received
		ok   bool
	}{
		{"complete", []sioclient.Received{p(10), p(40), p(70), done}, true},
		{"failed after metadata", []sioclient.Received{p(10), failed}, true},
		{"failed at once", []sioclient.Received{failed}, false},
		{"processed early", []sioclient.Received{p(10), p(40), done}, false},
		{"starts at 40", []sioclient.Received{p(40), p(70), done}, false},
		{"repeated stage", []sioclient.Received{p(10), p(10), p(40), p(70), done}, false},
		{"backwards", []sioclient.Received{p(10), p(70), p(40), done}, false},
	} {
		if err := checkOrder(tc.seq); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestCheckVideoShape(t *testing.T) {
	good := `{"_id":"66a1f0c2e4b0a1d2c3e4f501","title":"t","organizationId":"o","uploadedBy":"u","status":"processing","progress":0,
		"stage":null,"metadata":null,"thumbnail":null,"sensitivity":null,"error":null,"createdAt":"2026-11-26T12:00:00.000Z","streamUrl":"/api/videos/x/stream?exp=1&sig=s"}`
	v, _ := parseVideo([]byte(good))
	if err := checkVideoShape(v); err != nil {
		t.Fatal(err)
	}
	for _, edit := range []map[string]any{{"progress": 5}, {"progress": 10.5}, {"status": "done"}, {"error": "x"}, {"createdAt": "2026-11-26 12:00"},
		{"_id": "a/b"}, {"stage": "encode"}, {"metadata": "x"}, {"streamUrl": nil}} {
		var m map[string]any
		_ = json.Unmarshal([]byte(good), &m)
		for k, x := range edit {
			if x == nil {
				delete(m, k)
			} else {
				m[k] = x
			}
		}
		b, _ := json.Marshal(m)
		v, _ := parseVideo(b)
		if checkVideoShape(v) == nil {
			t.Errorf("accepted %v", edit)
		}
	}
}

func TestCheckStreamURL(t *testing.T) {
	now := time.Now()
	exp := strconv.FormatInt(now.Add(30*time.Minute).Unix(), 10)
	good := signedPath("s3cret", "v1", exp)
	if err := checkStreamURL("s3cret", "v1", good, now); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{signedPath("other", "v1", exp), signedPath("s3cret", "v2", exp), good + "&x=1",
		signedPath("s3cret", "v1", strconv.FormatInt(now.Add(2*time.Hour).Unix(), 10)), signedPath("s3cret", "v1", strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)),
		"http://host" + good} {
		if checkStreamURL("s3cret", "v1", bad, now) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestJudgeAnyRange(t *testing.T) {
	data := []byte("0123456789")
	resp := func(status int, cr, body string) *rest.Response {
		h := http.Header{}
		if cr != "" {
			h.Set("Content-Range", cr)
		}
		return &rest.Response{Status: status, Header: h, Body: []byte(body)}
	}
	for _, tc := range []struct {
		r  *rest.Response
		ok bool
	}{
		{resp(200, "", "0123456789"), true}, {resp(416, "bytes */10", ""), true}, {resp(206, "bytes 0-1/10", "01"), true},
		{resp(206, "bytes 0-1/10", "12"), false}, {resp(206, "bytes 10-9/10", ""), false}, {resp(200, "", "0123"), false}, {resp(500, "", ""), false},
	} {
		if err := judgeAnyRange(tc.r, data, "x"); (err == nil) != tc.ok {
			t.Errorf("%d %q %q: %v", tc.r.Status, tc.r.Header.Get("Content-Range"), tc.r.Body, err)
		}
	}
}

func TestPathLeakAndQuietErrors(t *testing.T) {
	for raw, leak := range map[string]bool{`{"title":"/etc/passwd"}`: false, `{"thumbnail":"/api/videos/x/thumbnail"}`: false, `{"filePath":"/srv/u/x.mp4"}`: true,
		`{"a":[{"b":"C:\\data\\x"}]}`: true, `["/tmp/x"]`: true} {
		if (pathLeak([]byte(raw)) != "") != leak {
			t.Errorf("pathLeak(%s)", raw)
		}
	}
	for msg, quiet := range map[string]bool{"No decodable video stream": true, "Error: x\n    at Foo (/a.js:1:2)": false, "panic in main.go:12": false} {
		if (quietError(msg) == nil) != quiet {
			t.Errorf("quietError(%q)", msg)
		}
	}
}

// FuzzVideoJSON: whatever JSON a target sends as a video, the judges
// return a verdict and never panic.
func FuzzVideoJSON(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `[]`, `{"_id":1,"progress":"10","stage":{},"metadata":[],"error":false}`,
		`{"_id":"x","status":"failed","error":"e","progress":10,"stage":"metadata","createdAt":"2026-01-01T00:00:00Z"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := parseVideo(raw)
		if err != nil {
			return
		}
		_ = checkVideoShape(v)
		st := stateOf(v)
		_ = st.rank()
		_ = withoutStreamURL(v)
		_ = checkStreamURL("k", v.ID, v.StreamURL, time.Now())
		_ = pathLeak(raw)
		_, _ = ackVideo([]json.RawMessage{raw})
	})
}
