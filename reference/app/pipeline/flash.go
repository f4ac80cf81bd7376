package pipeline

import "math"

// Flash-analysis constants, after WCAG 2.x success criterion 2.3.1 and
// contract VID-7.
const (
	// Method is Sensitivity.Method.
	Method = "wcag-2.3.1-general-flash"
	// FlashDelta is the least change of relative luminance that makes a
	// transition: 10 % of the maximum relative luminance (1.0).
	FlashDelta = 0.1
	// FlashDarkLimit: a transition counts only when its darker extreme
	// has a relative luminance below this.
	FlashDarkLimit = 0.8
	// MaxSafeFlashes is the most flashes a 1-second window may hold and
	// still be "safe" ("no more than three flashes in any one second").
	MaxSafeFlashes = 3
	// MaxAnalysisFPS caps the frames analysed per second; faster videos
	// are evenly decimated to this rate.
	MaxAnalysisFPS = 60
)

// Sensitivity statuses.
const (
	StatusSafe    = "safe"
	StatusFlagged = "flagged"
)

// eps absorbs rounding in the comparisons with FlashDelta (0.3 − 0.2 is
// 0.09999999999999998 in float64).
const eps = 1e-9

// srgbToLinear maps an 8-bit sRGB component to linear light (IEC 61966-2-1).
var srgbToLinear = func() (t [256]float64) {
	for i := range t {
		c := float64(i) / 255
		if c <= 0.04045 {
			t[i] = c / 12.92
		} else {
			t[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return t
}()

// FrameLuminance returns the mean relative luminance, 0 (black) to 1
// (white), of an rgb24 frame (R, G, B bytes per pixel):
// Y = 0.2126 R + 0.7152 G + 0.0722 B of the linearized sRGB components,
// averaged over the pixels. A trailing partial pixel is ignored; an empty
// frame is 0.
func FrameLuminance(rgb []byte) float64 {
	n := len(rgb) / 3
	if n == 0 {
		return 0
	}
	var sum float64
	for i := 0; i < n*3; i += 3 {
		sum += 0.2126*srgbToLinear[rgb[i]] + 0.7152*srgbToLinear[rgb[i+1]] + 0.0722*srgbToLinear[rgb[i+2]]
	}
	return sum / float64(n)
}

// extreme is a turning point of the luminance sequence: frame index and
// value.
type extreme struct {
	i int
	y float64
}

// Transitions returns, in order, the frame index at which each counted
// transition of the luminance sequence completes.
//
// The extremes are found as a zigzag with a threshold of FlashDelta: the
// sequence is followed in one direction while it keeps going that way (a
// plateau keeps its first frame), and the running extreme becomes a
// turning point once the sequence has come back from it by at least
// FlashDelta; smaller wiggles are ignored, so noise does not cut one
// large change into small ones. The first turning point is where the
// sequence starts to move by FlashDelta, the last the final running
// extreme. Every two successive turning points are opposite extremes at
// least FlashDelta apart; they make a counted transition when the darker
// of the two is below FlashDarkLimit.
func Transitions(lum []float64) []int {
	if len(lum) < 2 {
		return nil
	}
	var turns []extreme
	lo, hi := extreme{0, lum[0]}, extreme{0, lum[0]}
	var cand extreme
	dir := 0 // +1 rising, −1 falling, 0 not moved by FlashDelta yet
	for i := 1; i < len(lum); i++ {
		y := lum[i]
		switch dir {
		case 0:
			if y < lo.y {
				lo = extreme{i, y}
			}
			if y > hi.y {
				hi = extreme{i, y}
			}
			if hi.y-lo.y >= FlashDelta-eps {
				if lo.i < hi.i {
					turns, cand, dir = append(turns, lo), hi, +1
				} else {
					turns, cand, dir = append(turns, hi), lo, -1
				}
			}
		case +1:
			if y > cand.y {
				cand = extreme{i, y}
			} else if cand.y-y >= FlashDelta-eps {
				turns, cand, dir = append(turns, cand), extreme{i, y}, -1
			}
		case -1:
			if y < cand.y {
				cand = extreme{i, y}
			} else if y-cand.y >= FlashDelta-eps {
				turns, cand, dir = append(turns, cand), extreme{i, y}, +1
			}
		}
	}
	if dir == 0 {
		return nil
	}
	turns = append(turns, cand)
	var at []int
	for k := 1; k < len(turns); k++ {
		a, b := turns[k-1], turns[k]
		if math.Abs(b.y-a.y) >= FlashDelta-eps && math.Min(a.y, b.y) < FlashDarkLimit {
			at = append(at, b.i)
		}
	}
	return at
}

// MaxFlashesPerSecond returns the largest ⌊transitions ÷ 2⌋ over all
// 1-second windows of a luminance sequence sampled at fps frames per
// second: a window starting at frame s holds the transitions completing at
// frames s ≤ i < s + fps. A flash is a pair of opposing transitions. fps
// ≤ 0 counts as 1.
func MaxFlashesPerSecond(lum []float64, fps float64) int {
	if !(fps > 0) || math.IsInf(fps, 0) {
		fps = 1
	}
	at := Transitions(lum)
	most, start := 0, 0
	for end := range at {
		for float64(at[end]-at[start]) >= fps-eps {
			start++
		}
		most = max(most, end-start+1)
	}
	return most / 2
}

// Assess returns the Sensitivity of a luminance sequence sampled at fps
// frames per second: "flagged" when some 1-second window holds more than
// MaxSafeFlashes flashes, else "safe".
func Assess(lum []float64, fps float64) Sensitivity {
	n := MaxFlashesPerSecond(lum, fps)
	s := Sensitivity{Status: StatusSafe, MaxFlashesPerSecond: n, Method: Method}
	if n > MaxSafeFlashes {
		s.Status = StatusFlagged
	}
	return s
}
