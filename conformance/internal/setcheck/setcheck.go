// Package setcheck compares what a socket should have received with what
// it did receive, as multisets of keys: the verdict of the two-tenant
// adversarial run (contract ROOM-7, PROG-6, NOTIF-2), where one lost,
// foreign or doubled event is a failure and the report must show which.
package setcheck

import (
	"fmt"
	"sort"
	"strings"
)

// MaxExamples bounds the examples kept per kind of difference.
const MaxExamples = 5

// Report is the difference between an expected and a received multiset.
type Report struct {
	Expected, Received int
	// Lost counts expected occurrences never received.
	Lost int
	// Unexpected counts received occurrences of keys not expected at all.
	Unexpected int
	// Duplicated counts received occurrences beyond the expected count of
	// an expected key.
	Duplicated                                           int
	LostExamples, UnexpectedExamples, DuplicatedExamples []string
}

// Compare returns the report for expected against received. Keys are
// compared exactly; the caller canonicalizes them (see Key).
func Compare(expected, received []string) Report {
	want := count(expected)
	got := count(received)
	r := Report{Expected: len(expected), Received: len(received)}
	for _, k := range sortedKeys(want) {
		if n := want[k] - got[k]; n > 0 {
			r.Lost += n
			r.LostExamples = example(r.LostExamples, k, n)
		}
	}
	for _, k := range sortedKeys(got) {
		switch w := want[k]; {
		case w == 0:
			r.Unexpected += got[k]
			r.UnexpectedExamples = example(r.UnexpectedExamples, k, got[k])
		case got[k] > w:
			r.Duplicated += got[k] - w
			r.DuplicatedExamples = example(r.DuplicatedExamples, k, got[k]-w)
		}
	}
	return r
}

// Clean reports whether nothing was lost, unexpected or duplicated.
func (r Report) Clean() bool { return r.Lost == 0 && r.Unexpected == 0 && r.Duplicated == 0 }

// Add sums reports (for a run over many sockets).
func (r Report) Add(o Report) Report {
	r.Expected += o.Expected
	r.Received += o.Received
	r.Lost += o.Lost
	r.Unexpected += o.Unexpected
	r.Duplicated += o.Duplicated
	for _, e := range o.LostExamples {
		r.LostExamples = keep(r.LostExamples, e)
	}
	for _, e := range o.UnexpectedExamples {
		r.UnexpectedExamples = keep(r.UnexpectedExamples, e)
	}
	for _, e := range o.DuplicatedExamples {
		r.DuplicatedExamples = keep(r.DuplicatedExamples, e)
	}
	return r
}

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "expected %d, received %d: lost %d, unexpected %d, duplicated %d", r.Expected, r.Received, r.Lost, r.Unexpected, r.Duplicated)
	for _, part := range []struct {
		name string
		ex   []string
	}{{"lost", r.LostExamples}, {"unexpected", r.UnexpectedExamples}, {"duplicated", r.DuplicatedExamples}} {
		if len(part.ex) > 0 {
			fmt.Fprintf(&b, "; %s e.g. %s", part.name, strings.Join(part.ex, ", "))
		}
	}
	return b.String()
}

func count(keys []string) map[string]int {
	m := make(map[string]int, len(keys))
	for _, k := range keys {
		m[k]++
	}
	return m
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func example(list []string, key string, n int) []string {
	e := key
	if n > 1 {
		e = fmt.Sprintf("%s ×%d", key, n)
	}
	return keep(list, e)
}

func keep(list []string, e string) []string {
	if len(list) < MaxExamples {
		return append(list, e)
	}
	return list
}
