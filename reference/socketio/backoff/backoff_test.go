package backoff

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ms = time.Millisecond

// noRand fails the test if Duration draws a random number.
func noRand(t *testing.T) func() float64 {
	return func() float64 {
		t.Helper()
		t.Fatal("Rand called with jitter off")
		return 0
	}
}

// fixed returns a Rand that hands out rs in order.
func fixed(t *testing.T, rs ...float64) func() float64 {
	return func() float64 {
		t.Helper()
		require.NotEmpty(t, rs, "Rand called too often")
		r := rs[0]
		rs = rs[1:]
		return r
	}
}

func delays(b *Backoff, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = b.Duration()
	}
	return out
}

func TestNew(t *testing.T) {
	b := New(ReconnectionDelay, ReconnectionDelayMax, RandomizationFactor)
	assert.Equal(t, &Backoff{Min: 1000 * ms, Max: 5000 * ms, Factor: 2, Jitter: 0.5}, b)

	// Like new Backoff({min: 0, max: 0, jitter: 0}): backo2's defaults.
	assert.Equal(t, &Backoff{Min: 100 * ms, Max: 10 * time.Second, Factor: 2}, New(0, 0, 0))

	// The constructor keeps a jitter only in (0, 1].
	for _, j := range []float64{-0.5, 1.0000001, 1.5, math.NaN(), math.Inf(1)} {
		assert.Zero(t, New(time.Second, time.Second, j).Jitter, "jitter %v", j)
	}
	for _, j := range []float64{1e-9, 0.5, 1} {
		assert.Equal(t, j, New(time.Second, time.Second, j).Jitter)
	}
	assert.Equal(t, -5*ms, New(-5*ms, 0, 0).Min, "a negative min is truthy in JavaScript")
}

func TestZeroValueIsBacko2Defaults(t *testing.T) {
	// new Backoff(): min 100, max 10000, factor 2, no jitter.
	b := &Backoff{Rand: noRand(t)}
	want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 6400 * ms, 10000 * ms, 10000 * ms}
	assert.Equal(t, want, delays(b, len(want)))
	assert.Equal(t, len(want), b.Attempts())

	// Factor zero or NaN is 2 (opts.factor || 2); other factors are used.
	b = &Backoff{Min: 10 * ms, Max: time.Hour, Factor: math.NaN()}
	assert.Equal(t, []time.Duration{10 * ms, 20 * ms, 40 * ms}, delays(b, 3))
	b = &Backoff{Min: 10 * ms, Max: time.Hour, Factor: 3}
	assert.Equal(t, []time.Duration{10 * ms, 30 * ms, 90 * ms, 270 * ms}, delays(b, 4))
}

func TestJitterOffDoublesUpToMax(t *testing.T) {
	b := New(ReconnectionDelay, ReconnectionDelayMax, 0)
	b.Rand = noRand(t)
	want := []time.Duration{1000 * ms, 2000 * ms, 4000 * ms, 5000 * ms, 5000 * ms, 5000 * ms, 5000 * ms, 5000 * ms}
	assert.Equal(t, want, delays(b, len(want)))

	// Still exactly Max when Min * 2^attempts has long overflowed.
	b = New(time.Second, 7*time.Second, 0)
	b.Rand = noRand(t)
	for i := range 1100 {
		d := b.Duration()
		if i >= 3 {
			require.Equal(t, 7*time.Second, d, "attempt %d", i+1)
		}
	}
}

func TestAttemptsAndReset(t *testing.T) {
	b := New(ReconnectionDelay, ReconnectionDelayMax, 0)
	assert.Zero(t, b.Attempts())
	assert.Equal(t, 1000*ms, b.Duration())
	assert.Equal(t, 2000*ms, b.Duration())
	assert.Equal(t, 2, b.Attempts())
	b.Reset()
	assert.Zero(t, b.Attempts())
	assert.Equal(t, 1000*ms, b.Duration(), "Reset starts over from Min")
	assert.Equal(t, 1, b.Attempts())
	b.Reset()
	b.Reset()
	assert.Zero(t, b.Attempts())
}

func TestSetters(t *testing.T) {
	b := New(ReconnectionDelay, ReconnectionDelayMax, 0)
	b.Duration()
	b.SetMin(300 * ms)
	assert.Equal(t, 600*ms, b.Duration(), "setMin keeps the attempt count")
	b.SetMax(500 * ms)
	assert.Equal(t, 500*ms, b.Duration())

	// setMin(0) / setMax(0) are taken as is, unlike a zero field.
	b.Reset()
	b.SetMin(0)
	assert.Equal(t, []time.Duration{0, 0, 0}, delays(b, 3))
	b.SetMin(5 * ms)
	assert.Equal(t, 40*ms, b.Duration())
	b.SetMax(0)
	assert.Equal(t, time.Duration(0), b.Duration())
	b.SetMax(time.Hour)
	b.Reset()
	assert.Equal(t, 5*ms, b.Duration())

	// setJitter does not check the range: with 2, an even digit makes the
	// delay negative (setTimeout then waits 0ms).
	b = New(ReconnectionDelay, ReconnectionDelayMax, 0.5)
	b.SetJitter(2)
	b.Rand = fixed(t, 0.85, 0.95)
	assert.Equal(t, -700*ms, b.Duration()) // 1000 - floor(0.85*2*1000)
	assert.Equal(t, 5000*ms, b.Duration()) // 2000 + 3800, capped
	b.SetJitter(0)
	b.Rand = noRand(t)
	assert.Equal(t, 4000*ms, b.Duration())
	b.SetJitter(math.NaN()) // falsy in JavaScript
	assert.Equal(t, 5000*ms, b.Duration())
}

// One random number decides both the size and the sign of the deviation:
// the delay lands in one of ten bands, each of width Jitter*ms/10.
func TestJitterBands(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := New(ReconnectionDelay, time.Hour, RandomizationFactor)
	for range 100000 {
		r := rng.Float64()
		b.Reset()
		b.Rand = func() float64 { return r }
		got := b.Duration()
		digit := int(math.Floor(r * 10))
		dev := time.Duration(math.Floor(r*0.5*1000)) * ms
		if digit%2 == 0 {
			require.Equal(t, 1000*ms-dev, got, "r=%v", r)
			require.True(t, got > 550*ms && got <= 1000*ms)
		} else {
			require.Equal(t, 1000*ms+dev, got, "r=%v", r)
			require.True(t, got >= 1050*ms && got < 1500*ms)
		}
		// The band [digit*50, digit*50+50) of the deviation.
		require.True(t, dev >= time.Duration(digit)*50*ms && dev < time.Duration(digit+1)*50*ms, "r=%v", r)
	}
}

func TestToInt32(t *testing.T) {
	// Reference: exact integer arithmetic.
	ref := func(f float64) int32 {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0
		}
		i, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
		i.Mod(i, big.NewInt(1<<32)) // Euclidean: [0, 2^32)
		return int32(uint32(i.Uint64()))
	}
	cases := map[float64]int32{
		0: 0, math.Copysign(0, -1): 0, 1.9: 1, -1.9: -1, 0.5: 0, -0.5: 0,
		1<<31 - 1: math.MaxInt32, 1 << 31: math.MinInt32, -(1 << 31): math.MinInt32,
		-(1 << 31) - 1: math.MaxInt32, 1 << 32: 0, 1<<32 + 1000: 1000, -(1<<32 + 1000): -1000,
		2147483648.5: math.MinInt32, 4194304000: -100663296, 3e12: ref(3e12),
		math.MaxFloat64: 0, math.Inf(1): 0, math.Inf(-1): 0, math.NaN(): 0,
	}
	for f, want := range cases {
		assert.Equal(t, want, toInt32(f), "ToInt32(%v)", f)
		assert.Equal(t, ref(f), toInt32(f), "ToInt32(%v)", f)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		require.Equal(t, ref(f), toInt32(f), "ToInt32(%v)", f)
	}
}

// exactPow rounds the exact x^n (n small enough for big.Int).
func exactPow(x float64, n int) float64 {
	frac, exp := math.Frexp(math.Abs(x))
	m := new(big.Int).SetUint64(uint64(math.Ldexp(frac, 53)))
	z := new(big.Int).Exp(m, big.NewInt(int64(n)), nil)
	f := new(big.Float).SetInt(z)
	f.SetMantExp(f, (exp-53)*n)
	r, _ := f.Float64()
	if x < 0 && n%2 == 1 {
		r = -r
	}
	return r
}

func TestPowInt(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	negZero := math.Copysign(0, -1)
	assert.Equal(t, 1.0, powInt(nan, 0), "Math.pow(NaN, 0)")
	assert.True(t, math.IsNaN(powInt(nan, 3)))
	assert.Equal(t, 1.0, powInt(inf, 0))
	assert.Equal(t, inf, powInt(inf, 2))
	assert.Equal(t, math.Inf(-1), powInt(math.Inf(-1), 3))
	assert.Equal(t, inf, powInt(math.Inf(-1), 4))
	assert.True(t, math.Signbit(powInt(negZero, 3)), "(-0)^3 is -0")
	assert.False(t, math.Signbit(powInt(negZero, 2)))
	assert.Equal(t, -8.0, powInt(-2, 3))
	assert.Equal(t, 1.0, powInt(-1, 1e9))
	assert.Equal(t, math.Ldexp(1, 1023), powInt(2, 1023))
	assert.Equal(t, inf, powInt(2, 1024))
	assert.Equal(t, inf, powInt(1048576, 52))
	assert.Equal(t, math.Ldexp(1, -1074), powInt(0.5, 1074), "smallest subnormal")
	assert.Equal(t, 0.0, powInt(0.5, 1075), "2^-1075 is a tie: rounds to even, 0")
	assert.Equal(t, inf, powInt(1.0000001, 1<<40))
	assert.Equal(t, 0.0, powInt(0.9999999, 1<<40))
	for n := range 34 {
		assert.Equal(t, math.Pow(3, float64(n)), powInt(3, n), "3^%d is exact", n)
	}
	// Correct rounding where JavaScript engines differ: Node 20 (fdlibm)
	// says 1.4641000000000006 for Math.pow(1.1, 4).
	assert.Equal(t, 1.4641000000000004, powInt(1.1, 4))

	// Both paths (exact, and Ziv's above 4096 bits) against the exact value.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		x := 0.5 + 1.5*rng.Float64()
		if rng.IntN(4) == 0 {
			x = math.Round(x*1000) / 1000 // short mantissas
		}
		n := 2 + rng.IntN(300)
		require.Equal(t, exactPow(x, n), powInt(x, n), "%v^%d", x, n)
		require.Equal(t, exactPow(-x, n), powInt(-x, n), "%v^%d", -x, n)
	}
}

func TestMsOf(t *testing.T) {
	assert.Equal(t, 1000.0, msOf(time.Second))
	assert.Equal(t, 1.5, msOf(1500*time.Microsecond))
	assert.Equal(t, 0.3, msOf(300*time.Microsecond))
	assert.Equal(t, -1000.5, msOf(-1000500*time.Microsecond))
	assert.Equal(t, 1e-6, msOf(time.Nanosecond))
	assert.Equal(t, 9223372036854.775, msOf(math.MaxInt64))
	assert.Equal(t, -9223372036854.775, msOf(math.MinInt64+1))
}

// scheduleMarkdown is the table of TABLE.md: socket.io's default schedule.
func scheduleMarkdown() string {
	var sb strings.Builder
	sb.WriteString("| attempt | delay without jitter | shortest with jitter 0.5 | longest with jitter 0.5 |\n")
	sb.WriteString("| ---: | ---: | ---: | ---: |\n")
	// Within one band (floor(r*10) = k) the delay is monotone in r: the
	// extremes are at the band edges, which lie within a few ulps of k/10.
	var candidates []float64
	for k := range 11 {
		r := float64(k) / 10
		for range 4 {
			r = math.Nextafter(r, 0)
		}
		for range 9 {
			if r >= 0 && r < 1 {
				candidates = append(candidates, r)
			}
			r = math.Nextafter(r, 1)
		}
	}
	for attempt := 1; attempt <= 8; attempt++ {
		at := func(jitter float64, r float64) time.Duration {
			b := New(ReconnectionDelay, ReconnectionDelayMax, jitter)
			b.Rand = func() float64 { return r }
			for range attempt - 1 {
				b.Duration()
			}
			return b.Duration()
		}
		base := at(0, 0)
		lo, hi := time.Duration(math.MaxInt64), time.Duration(math.MinInt64)
		for _, r := range candidates {
			d := at(RandomizationFactor, r)
			lo, hi = min(lo, d), max(hi, d)
		}
		uncapped := ReconnectionDelay << (attempt - 1)
		baseText := fmt.Sprintf("%d ms", base/ms)
		if uncapped > base {
			baseText = fmt.Sprintf("%d ms (%d capped)", base/ms, uncapped/ms)
		}
		fmt.Fprintf(&sb, "| %d | %s | %d ms | %d ms |\n", attempt, baseText, lo/ms, hi/ms)
	}
	return sb.String()
}

func TestScheduleMarkdown(t *testing.T) {
	table := scheduleMarkdown()
	doc, err := os.ReadFile("TABLE.md")
	require.NoError(t, err)
	require.Contains(t, string(doc), table, "TABLE.md is stale; its table should read:\n%s", table)

	// The extremes hold for any r.
	rng := rand.New(rand.NewPCG(7, 8))
	rows := strings.Split(strings.TrimSpace(table), "\n")[2:]
	for attempt, row := range rows {
		var a, lo, hi int
		f := strings.Fields(strings.ReplaceAll(row, "|", " "))
		_, err := fmt.Sscan(f[0]+" "+f[len(f)-4]+" "+f[len(f)-2], &a, &lo, &hi)
		require.NoError(t, err, row)
		for range 20000 {
			r := rng.Float64()
			b := New(ReconnectionDelay, ReconnectionDelayMax, RandomizationFactor)
			b.Rand = func() float64 { return r }
			var d time.Duration
			for range attempt + 1 {
				d = b.Duration()
			}
			require.True(t, d >= time.Duration(lo)*ms && d <= time.Duration(hi)*ms, "attempt %d r=%v: %v", a, r, d)
		}
	}
}

func TestDefaultRand(t *testing.T) {
	b := New(ReconnectionDelay, ReconnectionDelayMax, RandomizationFactor)
	for range 1000 {
		b.Reset()
		d := b.Duration()
		require.True(t, d > 550*ms && d < 1500*ms, "%v", d)
	}
}
