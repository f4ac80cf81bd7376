// Package casesdoc renders the registered conformance cases as Markdown:
// docs/cases.md is generated from the registry (and a test fails when it is
// stale), so the catalogue cannot drift from what the harness checks.
package casesdoc

import (
	"bytes"
	"fmt"
	"strings"

	"socketlab/conformance/internal/suite"
)

// UpdateCommand regenerates docs/cases.md.
const UpdateCommand = "SOCKETLAB_UPDATE_DOCS=1 go test ./conformance -run TestCasesDoc"

// Levels says what each level covers, for the catalogue's overview.
var Levels = map[suite.Level]string{
	suite.LevelEngineIO: "Engine.IO v4 on the echo testee: handshake, packet and payload encoding, long-polling, WebSocket, upgrade, heartbeat, errors and limits.",
	suite.LevelSocketIO: "Socket.IO v5 on the echo testee: namespaces, CONNECT and CONNECT_ERROR, events, acknowledgements, binary attachments, disconnection, parser strictness.",
	suite.LevelAuth:     "The app (docs/contract.md §2–3): one base URL, the official client, the JWT in the CONNECT payload, REST Bearer authentication.",
	suite.LevelRooms:    "The app (§4, §13): organization and user rooms, video:subscribe / video:unsubscribe, tenant isolation, connection state recovery (optional).",
	suite.LevelEvents:   "The app (§5, §7, §8): event shapes, acknowledgements, unknown and forged events, personal notifications, announcements.",
	suite.LevelProgress: "The app (§6, §10): processing events in order, one terminal event, the union broadcast, the video's states and results.",
	suite.LevelREST:     "The app (§9–§12): the REST API, the video JSON, Range streaming, CORS, filenames and error hygiene.",
	suite.LevelSecurity: "The app under misuse: cross-origin requests and WebSockets, connections that never send CONNECT, a client that stops reading.",
	suite.LevelFaults:   "A TCP fault proxy between client and server: 1-byte segments, latency, black holes, resets mid-processing, 100 resets with recovery, bandwidth, cut frames.",
	suite.LevelBrowser:  "The official socket.io-client 4.8 in headless Chromium, from another origin: upgrade seen in CDP frames, transports, auth errors, progress, reconnection after cuts and offline.",
	suite.LevelSwarm:    "K containers × M clients (testcontainers, FROM scratch images) in two organizations: fan-out without leaks, a paused container's clients evicted and reconnected, a stopped one harming nobody.",
	suite.LevelClient:   "The harness turned around: a scripted server judges a client (official Node client, socketlab's Go and browser clients) — auth payload, backoff bounds, reconnect events, pongs, recovery.",
	suite.LevelPerf:     "Figures recorded as INFO (latencies, throughput, resource use): they describe a target, they do not fail it.",
}

var strengths = []suite.Strength{suite.Must, suite.Should, suite.Info, suite.Optional}

// Markdown renders cases (in suite.All's order: by level, then as
// registered) as the catalogue.
func Markdown(cases []suite.Case) []byte {
	byLevel := map[suite.Level][]suite.Case{}
	for _, c := range cases {
		byLevel[c.Level] = append(byLevel[c.Level], c)
	}
	var b bytes.Buffer
	b.WriteString("# Conformance cases\n\n")
	fmt.Fprintf(&b, "<!-- Generated from the case registry; do not edit. Regenerate with:\n     %s -->\n\n", UpdateCommand)
	fmt.Fprintf(&b, "Every case the harness runs: %d in all. Each quotes the requirement it checks, with its key word and its source. How to run them and read the verdicts: [conformance.md](conformance.md).\n\n", len(cases))

	b.WriteString("| level | covers | cases |")
	for _, s := range strengths {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString("\n| --- | --- | ---: |" + strings.Repeat(" ---: |", len(strengths)) + "\n")
	for _, l := range suite.Levels {
		cs := byLevel[l]
		name := string(l)
		if len(cs) > 0 {
			name = fmt.Sprintf("[%s](#level-%s)", l, l)
		}
		fmt.Fprintf(&b, "| %s | %s | %d |", name, cell(Levels[l]), len(cs))
		for _, s := range strengths {
			n := 0
			for _, c := range cs {
				if c.Strength == s {
					n++
				}
			}
			fmt.Fprintf(&b, " %d |", n)
		}
		b.WriteString("\n")
	}

	for _, l := range suite.Levels {
		cs := byLevel[l]
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n<a id=\"level-%s\"></a>\n\n## %s\n\n", l, l)
		if d := Levels[l]; d != "" {
			b.WriteString(d + "\n\n")
		}
		b.WriteString("| ID | title | strength | source |\n| --- | --- | --- | --- |\n")
		for _, c := range cs {
			fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", c.ID, anchor(c.ID), cell(c.Title), c.Strength, cell(c.Source))
		}
		for _, c := range cs {
			writeCase(&b, c)
		}
	}
	return b.Bytes()
}

func writeCase(b *bytes.Buffer, c suite.Case) {
	fmt.Fprintf(b, "\n<a id=\"%s\"></a>\n\n### %s · %s\n\n", anchor(c.ID), c.ID, inline(c.Title))
	for _, line := range strings.Split(strings.TrimSpace(c.Requirement), "\n") {
		b.WriteString(strings.TrimRight("> "+strings.ReplaceAll(line, "<", "&lt;"), " ") + "\n")
	}
	facts := []string{string(c.Strength), "source: " + inline(c.Source), "runs on the " + string(c.On)}
	if c.Hostile {
		facts = append(facts, "hostile (the target must still accept a fresh session afterwards)")
	}
	if c.Timeout != 0 {
		facts = append(facts, "timeout "+c.Timeout.String())
	}
	fmt.Fprintf(b, "\n%s\n", strings.Join(facts, " · "))
	if len(c.Steps) > 0 {
		b.WriteString("\n")
		for i, s := range c.Steps {
			fmt.Fprintf(b, "%d. %s\n", i+1, inline(s))
		}
	}
}

// anchor is an HTML id for a case ID: IDs are made of letters, digits,
// dots and dashes, anything else becomes a dash.
func anchor(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, id)
}

// inline keeps text on one line, and shows a "<" as text: a requirement
// quoting "<Alice>" must not become an HTML tag the renderer drops.
func inline(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "<", "&lt;")
}

// cell makes text safe inside a Markdown table cell: one line, pipes
// escaped.
func cell(s string) string { return strings.ReplaceAll(inline(s), "|", `\|`) }
