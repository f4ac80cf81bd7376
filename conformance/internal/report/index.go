package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// indexVersion changes when index.json changes incompatibly; an index of
// another version is set aside and a new one started.
const indexVersion = 1

// Index is index.json: every agent's latest run.
type Index struct {
	Version   int       `json:"version"`
	Generated time.Time `json:"generated"`
	Agents    []Run     `json:"agents"`
}

// readIndex loads path. A missing file is an empty index; an unreadable,
// corrupt or old-format one is renamed aside (so nothing is lost) and an
// empty index returned with a warning: one bad file must not block every
// later run.
func readIndex(path string) (*Index, string) {
	fresh := &Index{Version: indexVersion}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fresh, ""
	}
	var why string
	var idx Index
	if err == nil {
		if jerr := json.Unmarshal(b, &idx); jerr != nil {
			err = fmt.Errorf("it is not an index: %w", jerr)
		}
	}
	switch {
	case err != nil:
		why = err.Error()
	case idx.Version != indexVersion:
		why = fmt.Sprintf("it has format version %d, this harness writes %d", idx.Version, indexVersion)
	default:
		for _, r := range idx.Agents {
			if r.Agent == "" {
				why = "a run in it has no agent name"
				break
			}
		}
	}
	if why == "" {
		merged := &Index{Version: indexVersion}
		for _, r := range idx.Agents {
			// Old files may predate a redaction fix: clean again.
			merged.add(clean(r))
		}
		return merged, ""
	}
	aside := path + ".bad-" + time.Now().UTC().Format("20060102T150405Z")
	if rerr := os.Rename(path, aside); rerr != nil {
		return fresh, fmt.Sprintf("report: ignoring %s (%s) and starting a new index; could not set it aside: %v", path, why, rerr)
	}
	return fresh, fmt.Sprintf("report: %s was unusable (%s): moved to %s, starting a new index", path, why, aside)
}

// add puts run in the index: in place of the same agent's previous run, or
// as a new last column.
func (idx *Index) add(run Run) {
	for i, r := range idx.Agents {
		if r.Agent == run.Agent {
			idx.Agents[i] = run
			return
		}
	}
	idx.Agents = append(idx.Agents, run)
}

func renderIndex(idx *Index) ([]byte, error) {
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
