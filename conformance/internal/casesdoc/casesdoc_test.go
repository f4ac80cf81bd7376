package casesdoc

import (
	"strings"
	"testing"
	"time"

	"socketlab/conformance/internal/suite"
)

func TestMarkdown(t *testing.T) {
	cases := []suite.Case{
		{ID: "EIO-HS-1", Level: suite.LevelEngineIO, On: suite.Testee, Title: "Open | packet", Strength: suite.Must,
			Requirement: `"The server MUST send an open packet."`, Source: "engine.io-protocol v4 §Handshake",
			Steps: []string{"GET /engine.io/?EIO=4&transport=polling", "decode\nthe   payload"}},
		{ID: "AUTH-3.1", Level: suite.LevelAuth, On: suite.App, Title: "HS256 only", Strength: suite.Should,
			Requirement: "line one\nline two with <Alice>", Source: "contract AUTH-3", Hostile: true, Timeout: 5 * time.Second},
	}
	md := string(Markdown(cases))
	for _, want := range []string{
		"Every case the harness runs: 2 in all.",
		"| [engineio](#level-engineio) |",
		"| rooms | ", // no cases: listed, not linked
		"| [EIO-HS-1](#eio-hs-1) | Open \\| packet | MUST | engine.io-protocol v4 §Handshake |",
		"### EIO-HS-1 · Open | packet",
		`> "The server MUST send an open packet."`,
		"2. decode the payload",
		"> line one\n> line two with &lt;Alice>",
		"SHOULD · source: contract AUTH-3 · runs on the app · hostile",
		"timeout 5s",
		`<a id="auth-3.1"></a>`,
		UpdateCommand,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "## engineio") > strings.Index(md, "## auth") {
		t.Error("levels are not in suite.Levels order")
	}
	if strings.Contains(md, "## rooms") {
		t.Error("a level without cases has a section")
	}
	if string(Markdown(cases)) != md {
		t.Error("Markdown is not deterministic")
	}
}

func TestEveryLevelIsDescribed(t *testing.T) {
	for _, l := range suite.Levels {
		if Levels[l] == "" {
			t.Errorf("level %s has no description", l)
		}
	}
}
