package contract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// fixtureFacts is what testdata/fixtures.json (made by make-fixtures.sh
// with ffprobe) says a fixture must produce.
type fixtureFacts struct {
	Terminal string `json:"terminal"` // "completed" or "failed"
	Size     int64  `json:"size"`
	Metadata *struct {
		Duration float64 `json:"duration"`
		Width    int     `json:"width"`
		Height   int     `json:"height"`
		Codec    string  `json:"codec"`
		FPS      float64 `json:"fps"`
		BitRate  int64   `json:"bitRate"`
		Size     int64   `json:"size"`
		HasAudio bool    `json:"hasAudio"`
	} `json:"metadata"`
	Sensitivity *struct {
		Status     string `json:"status"`
		MinFlashes int    `json:"minFlashes"`
		MaxFlashes int    `json:"maxFlashes"`
	} `json:"sensitivity"`
}

var facts struct {
	once sync.Once
	m    map[string]fixtureFacts
	err  error
}

// factsOf returns the facts of fixture name from dir/fixtures.json.
func factsOf(dir, name string) (fixtureFacts, error) {
	facts.once.Do(func() {
		b, err := os.ReadFile(filepath.Join(dir, "fixtures.json"))
		if err != nil {
			facts.err = err
			return
		}
		var raw map[string]json.RawMessage
		if facts.err = json.Unmarshal(b, &raw); facts.err != nil {
			return
		}
		facts.m = map[string]fixtureFacts{}
		for k, v := range raw {
			var f fixtureFacts
			if json.Unmarshal(v, &f) == nil && f.Terminal != "" {
				facts.m[k] = f
			}
		}
	})
	if facts.err != nil {
		return fixtureFacts{}, fmt.Errorf("testdata/fixtures.json: %w", facts.err)
	}
	f, ok := facts.m[name]
	if !ok {
		return fixtureFacts{}, fmt.Errorf("testdata/fixtures.json has no %s (run make-fixtures.sh)", name)
	}
	if f.Size == 0 && f.Metadata != nil {
		f.Size = f.Metadata.Size
	}
	return f, nil
}
