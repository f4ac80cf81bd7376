package setcheck

import "testing"

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		expected, received     []string
		lost, unexpected, dups int
	}{
		{"equal", []string{"a", "b", "b"}, []string{"b", "a", "b"}, 0, 0, 0},
		{"lost", []string{"a", "b", "b"}, []string{"b"}, 2, 0, 0},
		{"unexpected", []string{"a"}, []string{"a", "x", "x"}, 0, 2, 0},
		{"duplicated", []string{"a"}, []string{"a", "a", "a"}, 0, 0, 2},
		{"all three", []string{"a", "b"}, []string{"a", "a", "z"}, 1, 1, 1},
		{"empty", nil, nil, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(tc.expected, tc.received)
			if r.Lost != tc.lost || r.Unexpected != tc.unexpected || r.Duplicated != tc.dups {
				t.Fatalf("got %s; want lost %d, unexpected %d, duplicated %d", r, tc.lost, tc.unexpected, tc.dups)
			}
			if r.Clean() != (tc.lost+tc.unexpected+tc.dups == 0) {
				t.Fatalf("Clean() = %v for %s", r.Clean(), r)
			}
		})
	}
}

func TestAddKeepsFewExamples(t *testing.T) {
	var total Report
	for range 10 {
		total = total.Add(Compare([]string{"a"}, []string{"x"}))
	}
	if total.Lost != 10 || total.Unexpected != 10 || len(total.LostExamples) != MaxExamples {
		t.Fatalf("got %s with %d lost examples", total, len(total.LostExamples))
	}
}
