package faults

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// calm is the fixture the cases upload: a 2 s clip that completes (contract
// §14), small enough to cross a 1-byte slicer or a 32 KB/s link quickly.
const calm = "calm.mp4"

// metadata is VID-5's object.
type metadata struct {
	Duration float64 `json:"duration"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	Codec    string  `json:"codec"`
	FPS      float64 `json:"fps"`
	BitRate  int64   `json:"bitRate"`
	Size     int64   `json:"size"`
	HasAudio bool    `json:"hasAudio"`
}

// expectedMetadata reads what testdata/fixtures.json (measured with ffprobe
// when the fixtures were made) says the fixture's metadata is.
func expectedMetadata(dir, name string) (metadata, error) {
	b, err := os.ReadFile(filepath.Join(dir, "fixtures.json"))
	if err != nil {
		return metadata{}, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return metadata{}, fmt.Errorf("fixtures.json: %w", err)
	}
	var f struct {
		Metadata *metadata `json:"metadata"`
	}
	if err := json.Unmarshal(all[name], &f); err != nil || f.Metadata == nil {
		return metadata{}, fmt.Errorf("fixtures.json has no metadata for %s", name)
	}
	return *f.Metadata, nil
}

// mismatch compares metadata with the fixture's as VID-5 says the harness
// does: ±0.1 s on duration, ±0.01 on fps, bitRate > 0, the rest exactly.
// It returns "" when they agree.
func (got metadata) mismatch(want metadata) string {
	switch {
	case math.Abs(got.Duration-want.Duration) > 0.1:
		return fmt.Sprintf("duration %v, want %v ± 0.1", got.Duration, want.Duration)
	case math.Abs(got.FPS-want.FPS) > 0.01:
		return fmt.Sprintf("fps %v, want %v ± 0.01", got.FPS, want.FPS)
	case got.BitRate <= 0:
		return fmt.Sprintf("bitRate %d, want > 0", got.BitRate)
	case got.Width != want.Width || got.Height != want.Height:
		return fmt.Sprintf("%d×%d, want %d×%d", got.Width, got.Height, want.Width, want.Height)
	case got.Codec != want.Codec:
		return fmt.Sprintf("codec %q, want %q", got.Codec, want.Codec)
	case got.Size != want.Size:
		return fmt.Sprintf("size %d, want %d", got.Size, want.Size)
	case got.HasAudio != want.HasAudio:
		return fmt.Sprintf("hasAudio %v, want %v", got.HasAudio, want.HasAudio)
	}
	return ""
}
