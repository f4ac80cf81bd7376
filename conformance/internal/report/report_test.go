package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

const token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1LWFsaWNlIn0.c2lnbmF0dXJlLWJ5dGVz"

func result(id string, level suite.Level, v suite.Verdict, reason string) suite.Result {
	return suite.Result{ID: id, Level: level, Subject: suite.Testee, Title: "title of " + id,
		Requirement: "The server MUST do " + id + ".", Strength: suite.Must, Source: "spec §" + id,
		Steps: []string{"open", "check"}, Verdict: v, Reason: reason, Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration: 12 * time.Millisecond,
		Wire: []wirelog.Entry{{At: 1500 * time.Microsecond, Dir: wirelog.Out, Kind: "ws-text", Conn: "c1", Data: "40", Size: 2},
			{At: 3 * time.Millisecond, Dir: wirelog.In, Kind: "ws-text", Conn: "c1", Data: `40{"sid":"x"}`, Size: 13}}}
}

func sampleRun(agent string, started time.Time, results ...suite.Result) Run {
	return Run{Agent: agent, Target: "http://127.0.0.1:1", Testee: "http://127.0.0.1:2", Started: started,
		Duration: 2 * time.Second, Results: results}
}

func readIndexFile(t *testing.T, dir string) Index {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatalf("index.json is not JSON: %v", err)
	}
	return idx
}

func agents(idx Index) []string {
	var out []string
	for _, r := range idx.Agents {
		out = append(out, r.Agent)
	}
	return out
}

func TestWriteAddsAgentsAndReplacesTheSameAgent(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Write(dir, sampleRun("reference", t0, result("EIO-1", suite.LevelEngineIO, suite.Pass, ""))); err != nil {
		t.Fatal(err)
	}
	w, err := Write(dir, sampleRun("node", t0.Add(time.Hour), result("EIO-1", suite.LevelEngineIO, suite.Fail, "late"),
		result("SIO-1", suite.LevelSocketIO, suite.Pass, "")))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Warnings) != 0 {
		t.Errorf("warnings on a clean merge: %v", w.Warnings)
	}
	if got := agents(readIndexFile(t, dir)); !reflect.DeepEqual(got, []string{"reference", "node"}) {
		t.Fatalf("agents after two runs = %v", got)
	}
	// The same agent again replaces its column in place.
	if _, err := Write(dir, sampleRun("reference", t0.Add(2*time.Hour), result("EIO-1", suite.LevelEngineIO, suite.NonStrictV, "slow"))); err != nil {
		t.Fatal(err)
	}
	idx := readIndexFile(t, dir)
	if got := agents(idx); !reflect.DeepEqual(got, []string{"reference", "node"}) {
		t.Fatalf("agents after a rerun = %v", got)
	}
	if v := idx.Agents[0].Results[0].Verdict; v != suite.NonStrictV {
		t.Errorf("rerun of reference kept verdict %s, want NON-STRICT", v)
	}
	if n := idx.Agents[1].Totals[suite.Fail]; n != 1 {
		t.Errorf("node totals FAIL = %d, want 1", n)
	}

	html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	for _, want := range []string{"<th>reference</th>", "<th>node</th>", `href="#case-SIO-1--a1"`, `id="case-SIO-1--a1"`, "level socketio"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// SIO-1 exists only for node: the reference cell says so.
	if !bytes.Contains(html, []byte("reference did not run this case")) {
		t.Error("report.html does not mark a case an agent did not run")
	}
}

func TestWriteSetsAsideACorruptOrOldIndex(t *testing.T) {
	for name, content := range map[string]string{
		"corrupt":    `{"agents": [`,
		"old format": `{"agent":"reference","started":"2025-01-01T00:00:00Z","results":[]}`,
		"no agent":   `{"version":1,"agents":[{"agent":""}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := Write(dir, sampleRun("node", time.Now(), result("EIO-1", suite.LevelEngineIO, suite.Pass, "")))
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Warnings) != 1 || !strings.Contains(w.Warnings[0], "starting a new index") {
				t.Errorf("warnings = %q, want one saying a new index was started", w.Warnings)
			}
			if got := agents(readIndexFile(t, dir)); !reflect.DeepEqual(got, []string{"node"}) {
				t.Errorf("agents = %v, want [node]", got)
			}
			aside, _ := filepath.Glob(filepath.Join(dir, IndexFile+".bad-*"))
			if len(aside) != 1 {
				t.Fatalf("the unusable index was not set aside: %v", aside)
			}
			if b, _ := os.ReadFile(aside[0]); string(b) != content {
				t.Errorf("set-aside copy differs from the original")
			}
		})
	}
}

func TestHTMLEscapesHostileStrings(t *testing.T) {
	dir := t.TempDir()
	r := result("EVIL-1", suite.LevelSecurity, suite.Fail, `reason "quoted" & <b>bold</b>`)
	r.Title = `<img src=x onerror=alert(1)>`
	r.Wire = append(r.Wire, wirelog.Entry{Dir: wirelog.In, Kind: "ws-text", Data: `42["x","</script><script>alert(1)</script>"]`, Size: 44})
	r.Measures = map[string]any{`<svg onload=alert(1)>`: `</style><script>alert(2)</script>`}
	run := sampleRun(`agent"><script>alert(3)</script>`, time.Now(), r)
	if _, err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "</style><script>", "<b>bold</b>", `"><script>`} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("report.html contains unescaped %q", bad)
		}
	}
	if !bytes.Contains(html, []byte("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("the wire data is not in report.html, escaped")
	}
	// Exactly the page's own script element: none was injected.
	if n := bytes.Count(html, []byte("<script")); n != 1 {
		t.Errorf("report.html has %d <script elements, want 1", n)
	}
	if bytes.Contains(html, []byte("http://")) && bytes.Contains(html, []byte(`src="http`)) {
		t.Error("report.html loads an external resource")
	}
}

func TestJUnitIsValidXMLWithTheVerdictMapping(t *testing.T) {
	dir := t.TempDir()
	hostile := "bad\x00bytes\x1b[31m <&> ]]> \xff"
	run := sampleRun("node", time.Now(),
		result("A-1", suite.LevelEngineIO, suite.Pass, ""),
		result("A-2", suite.LevelEngineIO, suite.Fail, hostile),
		result("A-3", suite.LevelEngineIO, suite.ErrorV, "dial refused"),
		result("B-1", suite.LevelSocketIO, suite.NonStrictV, "slow"),
		result("B-2", suite.LevelSocketIO, suite.Skipped, "level off"),
		result("B-3", suite.LevelSocketIO, suite.Unimpl, "no recovery"),
		result("B-4", suite.LevelSocketIO, suite.InfoV, "42 ms"))
	run.Strict = true
	if _, err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, sampleRun("reference", time.Now(), result("A-1", suite.LevelEngineIO, suite.Pass, ""))); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b, &got); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, b)
	}
	var names []string
	for _, s := range got.Suites {
		names = append(names, s.Name)
	}
	if want := []string{"node/engineio", "node/socketio", "reference/engineio"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("suites = %v, want %v", names, want)
	}
	if got.Tests != 8 || got.Failures != 3 || got.Skipped != 2 {
		t.Errorf("totals tests=%d failures=%d skipped=%d, want 8, 3 (FAIL, ERROR, strict NON-STRICT), 2", got.Tests, got.Failures, got.Skipped)
	}
	cases := map[string]junitCase{}
	for _, tc := range got.Suites[0].Cases {
		cases[tc.Name] = tc
	}
	for _, tc := range got.Suites[1].Cases {
		cases[tc.Name] = tc
	}
	check := func(id string, failure, skipped bool) {
		t.Helper()
		tc := cases[id]
		if (tc.Failure != nil) != failure || (tc.Skipped != nil) != skipped {
			t.Errorf("%s: failure=%v skipped=%v, want %v %v", id, tc.Failure != nil, tc.Skipped != nil, failure, skipped)
		}
	}
	check("A-1", false, false)
	check("A-2", true, false)
	check("A-3", true, false)
	check("B-1", true, false) // strict
	check("B-2", false, true)
	check("B-3", false, true)
	check("B-4", false, false)
	if tc := cases["A-2"]; tc.Classname != "engineio" || !strings.Contains(tc.SystemOut, "bytes") || tc.Failure.Type != "FAIL" {
		t.Errorf("A-2 = %+v", tc)
	}
}

// fillStrings puts s into every string field of v, recursively: a new
// field of suite.Result that clean forgets fails this test.
func fillStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillStrings(v.Field(i), s)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := 0; i < v.Len(); i++ {
			fillStrings(v.Index(i), s)
		}
	}
}

type stringer struct{}

func (stringer) String() string { return "stringer " + token }

func TestEveryStringIsRedacted(t *testing.T) {
	dir := t.TempDir()
	var r suite.Result
	fillStrings(reflect.ValueOf(&r).Elem(), "x "+token+" y")
	r.Verdict = suite.Fail // keep the verdict meaningful; it is filled again below
	fillStrings(reflect.ValueOf(&r.Wire).Elem(), "data "+token)
	r.Measures = map[string]any{
		"key " + token: "value " + token,
		"struct":       struct{ Auth string }{token},
		"error":        errors.New("err " + token),
		"stringer":     stringer{},
		"nested":       map[string]any{"list": []any{token}},
		"latency":      1500 * time.Millisecond,
	}
	run := sampleRun("agent "+token, time.Now(), r)
	run.Target, run.Testee = "http://h/?token="+token, "http://h/"+token
	if _, err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{IndexFile, HTMLFile, JUnitFile} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if bytes.Contains(b, []byte("eyJ")) {
			i := bytes.Index(b, []byte("eyJ"))
			t.Errorf("%s leaks a token: …%s…", name, b[max(0, i-80):min(len(b), i+80)])
		}
		if !bytes.Contains(b, []byte("jwt redacted")) {
			t.Errorf("%s has no redaction marker", name)
		}
	}
	idx := readIndexFile(t, dir)
	if got := idx.Agents[0].Results[0].Measures["latency"]; got != "1.5s" {
		t.Errorf("a duration measure is stored as %v, want \"1.5s\"", got)
	}
}

func TestCheckNoTokenRefuses(t *testing.T) {
	if err := checkNoToken([]byte("a " + token)); !errors.Is(err, errTokenLeak) {
		t.Errorf("checkNoToken = %v, want errTokenLeak", err)
	}
	if err := checkNoToken([]byte("eyJ without dots")); err != nil {
		t.Errorf("checkNoToken on clean text = %v", err)
	}
}

func TestSummary(t *testing.T) {
	run := sampleRun("reference", time.Now(),
		result("A-1", suite.LevelEngineIO, suite.Pass, ""),
		result("A-2", suite.LevelEngineIO, suite.Fail, "x"),
		result("B-1", suite.LevelSocketIO, suite.Pass, ""))
	var plain, colored bytes.Buffer
	files := &Written{Index: "/r/index.json", HTML: "/r/report.html", JUnit: "/r/junit.xml", Agents: []string{"reference", "node"}}
	Summary(&plain, run, files, false)
	Summary(&colored, run, files, true)
	out := plain.String()
	for _, want := range []string{"agent reference, 3 cases", "engineio", "socketio", "FAILED, 1 failing case(s)", "/r/report.html", "/r/junit.xml", "reference, node"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("plain summary has escape sequences")
	}
	if !strings.Contains(colored.String(), "\x1b[1;31m") {
		t.Error("colored summary does not paint FAIL")
	}
	lines := strings.Split(out, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "  engineio") && !strings.Contains(l, "   1") {
			t.Errorf("engineio row has no count: %q", l)
		}
	}
}
