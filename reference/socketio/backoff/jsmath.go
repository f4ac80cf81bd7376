package backoff

import (
	"math"
	"math/big"
	"math/bits"
	"time"
)

// This file holds the JavaScript number semantics that Duration needs:
// ToInt32 (the "| 0"), Math.pow with an integer exponent, and the
// conversion of a time.Duration to a JavaScript number of milliseconds.
// Math.floor and Math.min are math.Floor and math.Min (same NaN, ±0 and
// ±Inf rules); + - * are IEEE 754 float64 operations in both languages,
// provided Go does not fuse them (see the float64 conversions in Duration).

// toInt32 is ECMAScript's ToInt32, the conversion behind the bitwise
// operators (x | 0, x & 1): NaN and ±Infinity give 0; anything else is
// truncated toward zero and wrapped modulo 2^32 into [-2^31, 2^31).
func toInt32(f float64) int32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	if f > -(1<<31) && f < 1<<31 {
		return int32(f) // Go's conversion truncates toward zero too
	}
	m := math.Mod(math.Trunc(f), 1<<32) // exact; the sign of f
	if m < 0 {
		m += 1 << 32 // exact: an integer in (0, 2^32)
	}
	return int32(uint32(m))
}

// powInt is Math.pow(x, n) for an integer n >= 0 (backo2 raises the factor
// to the number of attempts): the float64 nearest to the exact x^n, ties to
// even, with JavaScript's special cases (x^0 is 1 even for NaN; 0, ±Inf and
// -0 follow IEEE 754 pow).
//
// When x^n is representable (Factor 2, the only factor socket.io uses, and
// any factor whose powers stay exact) every JavaScript engine returns
// exactly x^n, and so does powInt. When it is not, engines disagree by an
// ulp: V8 up to Node 22 uses fdlibm's pow, later V8 the C library's pow,
// which is (nearly always) correctly rounded, as powInt is. Go's math.Pow
// is neither, hence this function.
func powInt(x float64, n int) float64 {
	switch {
	case n < 0:
		panic("backoff: negative exponent")
	case n == 0:
		return 1
	case math.IsNaN(x):
		return math.NaN()
	case n == 1:
		return x
	}
	neg := math.Signbit(x) && n%2 == 1
	r := powAbs(math.Abs(x), n)
	if neg {
		r = -r
	}
	return r
}

// powAbs is powInt for x >= 0 (not NaN) and n >= 2.
func powAbs(x float64, n int) float64 {
	switch {
	case x == 0:
		return 0
	case math.IsInf(x, 1):
		return math.Inf(1)
	case x == 1:
		return 1
	}
	// Far outside the float64 range the answer is known without work.
	if l := float64(n) * math.Log2(x); l > 1100 {
		return math.Inf(1)
	} else if l < -1200 {
		return 0
	}
	// x = m * 2^e with m an odd integer of at most 53 bits.
	frac, exp := math.Frexp(x)
	m := uint64(math.Ldexp(frac, 53))
	e := exp - 53
	tz := bits.TrailingZeros64(m)
	m >>= tz
	e += tz
	// After the range check above, e*n fits in an int easily.
	if bits.Len64(m)*n <= 4096 {
		// Exact: m^n * 2^(e*n), rounded once.
		z := new(big.Int).Exp(new(big.Int).SetUint64(m), big.NewInt(int64(n)), nil)
		f := new(big.Float).SetInt(z)
		f.SetMantExp(f, e*n)
		r, _ := f.Float64()
		return r
	}
	// m^n has more than 2048 significant bits (m is odd and >= 3 here), so
	// x^n is neither a float64 nor halfway between two: with enough
	// precision an approximation and its error bounds round to the same
	// float64 (Ziv's strategy).
	for prec := uint(128 + 2*bits.Len(uint(n))); ; prec *= 2 {
		r := powApprox(x, n, prec)
		// Each of at most 2*bits.Len(n) roundings, of relative error
		// <= 2^-prec, ends up raised to a power: the exponents add up to
		// at most 2n + bits.Len(n), so the relative error of r is below
		// (2n + 2*bits.Len(n) + 1) * 2^-prec <= 2^(bits.Len(n)+2-prec).
		k := bits.Len(uint(n)) + 2
		delta := new(big.Float).SetMantExp(r, k-int(prec))
		lo := new(big.Float).SetPrec(2*prec+8).Sub(r, delta)
		hi := new(big.Float).SetPrec(2*prec+8).Add(r, delta)
		l, _ := lo.Float64()
		h, _ := hi.Float64()
		if l == h || prec > 1<<20 {
			return l
		}
	}
}

// powApprox computes x^n by binary exponentiation with prec bits.
func powApprox(x float64, n int, prec uint) *big.Float {
	result := new(big.Float).SetPrec(prec).SetInt64(1)
	base := new(big.Float).SetPrec(prec).SetFloat64(x)
	for {
		if n&1 == 1 {
			result.Mul(result, base)
		}
		n >>= 1
		if n == 0 {
			return result
		}
		base.Mul(base, base)
	}
}

// msOf is the JavaScript number of milliseconds that a socket.io-client
// option would hold for d: the float64 nearest to d/1ms (exact for whole
// milliseconds).
func msOf(d time.Duration) float64 {
	if d%time.Millisecond == 0 {
		return float64(d / time.Millisecond) // |d/1ms| < 2^53: exact
	}
	if d > -(1<<53) && d < 1<<53 {
		return float64(d) / 1e6 // both operands exact: one rounding
	}
	r, _ := new(big.Rat).SetFrac64(int64(d), int64(time.Millisecond)).Float64()
	return r
}
