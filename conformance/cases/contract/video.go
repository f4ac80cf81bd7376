package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/setcheck"
)

// video is the video JSON of contract §10, kept raw for exact comparison.
type video struct {
	Raw       map[string]json.RawMessage
	ID        string
	Status    string
	Title     string
	Org       string
	Uploader  string
	StreamURL string
}

// vidMembers are the members VID-1 requires.
var vidMembers = []string{"_id", "title", "organizationId", "uploadedBy", "status", "progress", "stage",
	"metadata", "thumbnail", "sensitivity", "error", "createdAt", "streamUrl"}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseVideo decodes a video JSON object; the error says what is not one.
func parseVideo(body []byte) (video, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return video{}, fmt.Errorf("not a JSON object")
	}
	v := video{Raw: raw}
	v.ID, _ = str(raw, "_id")
	v.Status, _ = str(raw, "status")
	v.Title, _ = str(raw, "title")
	v.Org, _ = str(raw, "organizationId")
	v.Uploader, _ = str(raw, "uploadedBy")
	v.StreamURL, _ = str(raw, "streamUrl")
	return v, nil
}

// checkVideoShape checks the members and types of VID-1 (values that
// depend on the state are judged by VID-2 and later clauses).
func checkVideoShape(v video) error {
	var problems []string
	for _, m := range vidMembers {
		if _, ok := v.Raw[m]; !ok {
			problems = append(problems, "no "+m)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, ", "))
	}
	for _, m := range []string{"_id", "title", "organizationId", "uploadedBy", "status", "createdAt", "streamUrl"} {
		if _, ok := str(v.Raw, m); !ok {
			problems = append(problems, m+" is not a string")
		}
	}
	if !idPattern.MatchString(v.ID) {
		problems = append(problems, fmt.Sprintf("_id %q does not match ^[A-Za-z0-9_-]{1,64}$", v.ID))
	}
	if !slices.Contains([]string{"processing", "completed", "failed"}, v.Status) {
		problems = append(problems, fmt.Sprintf("status %q", v.Status))
	}
	if p, ok := intMember(v.Raw, "progress"); !ok || !slices.Contains([]int{0, 10, 40, 70, 100}, p) {
		problems = append(problems, "progress "+string(v.Raw["progress"])+" is not one of 0, 10, 40, 70, 100")
	}
	if st := v.Raw["stage"]; !isNull(st) {
		s, ok := str(v.Raw, "stage")
		if !ok || !slices.Contains([]string{"metadata", "thumbnail", "sensitivity"}, s) {
			problems = append(problems, "stage "+string(st))
		}
	}
	for m, kind := range map[string]byte{"metadata": '{', "thumbnail": '"', "sensitivity": '{', "error": '"'} {
		raw := bytes.TrimSpace(v.Raw[m])
		if !isNull(raw) && (len(raw) == 0 || raw[0] != kind) {
			problems = append(problems, fmt.Sprintf("%s is %s", m, clip(string(raw), 60)))
		}
	}
	if (v.Status == "failed") == isNull(v.Raw["error"]) {
		problems = append(problems, fmt.Sprintf("error %s with status %q (non-null exactly when failed)", clip(string(v.Raw["error"]), 60), v.Status))
	}
	if ca, _ := str(v.Raw, "createdAt"); !isRFC3339UTC(ca) {
		problems = append(problems, fmt.Sprintf("createdAt %q is not RFC 3339 UTC with Z", ca))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// intMember decodes an integer member (a JSON number without fraction).
func intMember(m map[string]json.RawMessage, key string) (int, bool) {
	raw := bytes.TrimSpace(m[key])
	if len(raw) == 0 || bytes.ContainsAny(raw, ".eE") {
		return 0, false
	}
	var n int
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	return n, true
}

func isRFC3339UTC(s string) bool {
	if !strings.HasSuffix(s, "Z") {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// state is what VID-2 says a video is after an event: the members that
// events change, canonicalized.
type state struct {
	Status, Stage, Metadata, Thumbnail, Sensitivity, Error string
	Progress                                               int
}

func (s state) String() string {
	return fmt.Sprintf("{status %s, progress %d, stage %s, metadata %s, thumbnail %s, sensitivity %s, error %s}",
		s.Status, s.Progress, s.Stage, clip(s.Metadata, 80), s.Thumbnail, clip(s.Sensitivity, 80), clip(s.Error, 80))
}

// rank orders states along the processing: upload 0, the stages 1 to 3,
// a terminal state 4.
func (s state) rank() int {
	switch {
	case s.Status == "completed" || s.Status == "failed":
		return 4
	case s.Progress == 10:
		return 1
	case s.Progress == 40:
		return 2
	case s.Progress == 70:
		return 3
	}
	return 0
}

// stateOf reads the state of a video JSON.
func stateOf(v video) state {
	p, _ := intMember(v.Raw, "progress")
	return state{Status: v.Status, Progress: p, Stage: setcheck.Canonical(v.Raw["stage"]),
		Metadata: setcheck.Canonical(v.Raw["metadata"]), Thumbnail: setcheck.Canonical(v.Raw["thumbnail"]),
		Sensitivity: setcheck.Canonical(v.Raw["sensitivity"]), Error: setcheck.Canonical(v.Raw["error"])}
}

// uploadState is the state of the 201 (VID-2, first row).
var uploadState = state{Status: "processing", Progress: 0, Stage: "null", Metadata: "null", Thumbnail: "null", Sensitivity: "null", Error: "null"}

// stateAfter applies one event (its name and payload) to prev, per VID-2.
func stateAfter(prev state, name string, payload map[string]json.RawMessage) state {
	switch name {
	case "video:progress":
		p, _ := intMember(payload, "progress")
		return state{Status: "processing", Progress: p, Stage: setcheck.Canonical(payload["stage"]),
			Metadata: "null", Thumbnail: "null", Sensitivity: "null", Error: "null"}
	case "video:processed":
		return state{Status: "completed", Progress: 100, Stage: "null", Metadata: setcheck.Canonical(payload["metadata"]),
			Thumbnail: setcheck.Canonical(payload["thumbnail"]), Sensitivity: setcheck.Canonical(payload["sensitivity"]), Error: "null"}
	case "video:failed":
		return state{Status: "failed", Progress: prev.Progress, Stage: prev.Stage,
			Metadata: "null", Thumbnail: "null", Sensitivity: "null", Error: setcheck.Canonical(payload["error"])}
	}
	return prev
}

// withoutStreamURL is the video JSON minus streamUrl, canonical: VID-1's
// "the same object" for one state.
func withoutStreamURL(v video) string {
	m := make(map[string]json.RawMessage, len(v.Raw))
	for k, x := range v.Raw {
		if k != "streamUrl" {
			m[k] = x
		}
	}
	b, _ := json.Marshal(m)
	return setcheck.Canonical(b)
}
