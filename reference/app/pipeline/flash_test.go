package pipeline

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// seq builds a luminance sequence at fps frames per second: lead frames of
// base, then changes alternations, each lasting every frames and starting
// with peak, then tail frames of whatever level the last alternation left.
func seq(base, peak float64, lead, every, changes, tail int) []float64 {
	var s []float64
	for range lead {
		s = append(s, base)
	}
	level := base
	for range changes {
		if level == base {
			level = peak
		} else {
			level = base
		}
		for range every {
			s = append(s, level)
		}
	}
	for range tail {
		s = append(s, level)
	}
	return s
}

func TestFrameLuminance(t *testing.T) {
	assert.Equal(t, 0.0, FrameLuminance(nil))
	assert.Equal(t, 0.0, FrameLuminance([]byte{0, 0, 0, 0, 0, 0}))
	assert.InDelta(t, 1.0, FrameLuminance([]byte{255, 255, 255}), 1e-12)
	assert.InDelta(t, 0.2126, FrameLuminance([]byte{255, 0, 0}), 1e-12)
	assert.InDelta(t, 0.7152, FrameLuminance([]byte{0, 255, 0}), 1e-12)
	assert.InDelta(t, 0.0722, FrameLuminance([]byte{0, 0, 255}), 1e-12)
	// sRGB 128 is about 21.6 % of white's light, not 50 %.
	assert.InDelta(t, 0.2159, FrameLuminance([]byte{128, 128, 128}), 1e-4)
	// Half black, half white pixels: the mean is 0.5; a partial pixel
	// at the end is ignored.
	assert.InDelta(t, 0.5, FrameLuminance([]byte{0, 0, 0, 255, 255, 255, 255}), 1e-12)
}

func TestFlashCounter(t *testing.T) {
	tests := []struct {
		name    string
		lum     []float64
		fps     float64
		flashes int
		status  string
	}{
		{"empty", nil, 30, 0, StatusSafe},
		{"one frame", []float64{1}, 30, 0, StatusSafe},
		{"steady black", seq(0, 0, 90, 0, 0, 0), 30, 0, StatusSafe},
		{"steady grey", seq(0.4, 0.4, 90, 0, 0, 0), 30, 0, StatusSafe},
		// 8 transitions, one every 3 frames at 30 fps: 4 flashes in 0.7 s.
		{"4 flashes in 1 s", seq(0, 1, 15, 3, 8, 30), 30, 4, StatusFlagged},
		// 6 transitions: exactly 3 flashes in a second is still safe.
		{"exactly 3 flashes", seq(0, 1, 15, 3, 6, 30), 30, 3, StatusSafe},
		// 7 transitions are 3 flashes and a half.
		{"3.5 flashes", seq(0, 1, 15, 3, 7, 30), 30, 3, StatusSafe},
		// A change every half second (1 Hz): 2 transitions a second.
		{"1 Hz alternation", seq(0, 1, 0, 15, 20, 0), 30, 1, StatusSafe},
		// One change a second.
		{"slow alternation", seq(0, 1, 0, 30, 10, 0), 30, 0, StatusSafe},
		// The flashing fixture: black/white on every frame at 10 fps.
		{"every frame at 10 fps", seq(0, 1, 1, 1, 19, 0), 10, 5, StatusFlagged},
		{"every frame at 60 fps", seq(0, 1, 1, 1, 119, 0), 60, 30, StatusFlagged},
		// Changes below 0.1 are not transitions, however fast.
		{"small deltas", seq(0.3, 0.39, 5, 1, 60, 0), 30, 0, StatusSafe},
		{"tiny flicker", seq(0.0, 0.05, 5, 1, 60, 0), 30, 0, StatusSafe},
		// A change of exactly 0.1 is one (0.2 → 0.3 is not exactly 0.1
		// in float64).
		{"delta of exactly 0.1", seq(0.2, 0.3, 5, 1, 60, 0), 30, 15, StatusFlagged},
		// Both extremes bright: the darker one is not below 0.8.
		{"bright flicker", seq(0.85, 0.98, 5, 1, 60, 0), 30, 0, StatusSafe},
		{"darker just below 0.8", seq(0.79, 0.95, 5, 1, 60, 0), 30, 15, StatusFlagged},
		// Dark flicker counts: 10 % of the maximum luminance, anywhere
		// below 0.8.
		{"dark flicker", seq(0.0, 0.12, 5, 1, 60, 0), 30, 15, StatusFlagged},
		// A fade is one transition, not a flash.
		{"slow fade", ramp(0, 1, 90), 30, 0, StatusSafe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.flashes, MaxFlashesPerSecond(tt.lum, tt.fps))
			assert.Equal(t, Sensitivity{Status: tt.status, MaxFlashesPerSecond: tt.flashes, Method: Method}, Assess(tt.lum, tt.fps))
		})
	}
}

func ramp(from, to float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = from + (to-from)*float64(i)/float64(n-1)
	}
	return s
}

func TestTransitions(t *testing.T) {
	// Each transition completes at the first frame of the new level.
	assert.Equal(t, []int{1, 2}, Transitions([]float64{0, 1, 0}))
	assert.Equal(t, []int{3, 5}, Transitions([]float64{0, 0, 0, 1, 1, 0}))
	assert.Nil(t, Transitions([]float64{0.5, 0.55, 0.5, 0.46}))
	// A wiggle smaller than 0.1 inside a rise does not split it.
	assert.Equal(t, []int{3}, Transitions([]float64{0, 0.5, 0.45, 1.0, 1.0}))
	// The rise is measured from the lowest point, the fall from the
	// highest: 0.55 → 0.45 → 0.6 is two transitions.
	assert.Equal(t, []int{2, 3}, Transitions([]float64{0.5, 0.55, 0.45, 0.6}))
	// A gradual change counts once, where it ends.
	assert.Equal(t, []int{10}, Transitions(ramp(0, 1, 11)))
	// Bright pairs are extremes but not transitions: 0.9 → 0.7 → 0.95
	// counts both (0.7 < 0.8), 0.95 → 0.85 → 0.95 neither.
	assert.Equal(t, []int{1, 2}, Transitions([]float64{0.9, 0.7, 0.95}))
	assert.Nil(t, Transitions([]float64{0.95, 0.85, 0.95}))
}

// TestFlashWindow: a window is one second, [s, s + fps) frames: 8
// transitions split 4 and 4 on either side of a second never share one.
func TestFlashWindow(t *testing.T) {
	lum := make([]float64, 40)
	// Transitions at frames 1, 2, 3, 4 and 11, 12, 13, 14 (fps 10).
	for _, i := range []int{1, 3, 11, 13} {
		lum[i] = 1
	}
	assert.Equal(t, []int{1, 2, 3, 4, 11, 12, 13, 14}, Transitions(lum))
	assert.Equal(t, 2, MaxFlashesPerSecond(lum, 10)) // 1..4 or 11..14; 4..14 is 10 frames: too long
	assert.Equal(t, 2, MaxFlashesPerSecond(lum, 10.5), "at 10.5 fps, 4..14: 5 transitions")
	assert.Equal(t, 3, MaxFlashesPerSecond(lum, 11.5), "at 11.5 fps, 3..14: 6 transitions")
	// An invalid rate counts as 1 fps.
	for _, fps := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		assert.Equal(t, MaxFlashesPerSecond(lum, 1), MaxFlashesPerSecond(lum, fps))
	}
}
