package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

// cleanString makes s fit for a shared report: valid UTF-8 (binary frames
// are logged as they came) and no JSON Web Token. wirelog already redacts
// the frames it records; this is the second line, covering reasons,
// expectations and measures that case code writes.
func cleanString(s string) string {
	return wirelog.Redact(strings.ToValidUTF8(s, "\uFFFD"))
}

// clean returns a deep copy of run with every string cleaned.
func clean(run Run) Run {
	out := run
	out.Agent, out.Target, out.Testee = cleanString(run.Agent), cleanString(run.Target), cleanString(run.Testee)
	out.Totals = maps.Clone(run.Totals)
	out.Results = make([]suite.Result, len(run.Results))
	for i, r := range run.Results {
		out.Results[i] = cleanResult(r)
	}
	return out
}

func cleanResult(r suite.Result) suite.Result {
	c := r
	c.ID, c.Title, c.Requirement, c.Source = cleanString(r.ID), cleanString(r.Title), cleanString(r.Requirement), cleanString(r.Source)
	c.Level = suite.Level(cleanString(string(r.Level)))
	c.Subject = suite.Subject(cleanString(string(r.Subject)))
	c.Strength = suite.Strength(cleanString(string(r.Strength)))
	c.Verdict = suite.Verdict(cleanString(string(r.Verdict)))
	c.Reason, c.Expected, c.Actual = cleanString(r.Reason), cleanString(r.Expected), cleanString(r.Actual)
	c.Steps = nil
	for _, s := range r.Steps {
		c.Steps = append(c.Steps, cleanString(s))
	}
	c.Measures = nil
	if r.Measures != nil {
		c.Measures = make(map[string]any, len(r.Measures))
		for k, v := range r.Measures {
			c.Measures[cleanString(k)] = cleanValue(v, 0)
		}
	}
	c.Wire = nil
	for _, e := range r.Wire {
		e.Dir, e.Kind, e.Conn, e.Data = cleanString(e.Dir), cleanString(e.Kind), cleanString(e.Conn), cleanString(e.Data)
		c.Wire = append(c.Wire, e)
	}
	return c
}

// cleanValue turns a measure into plain JSON data with clean strings:
// durations and times become readable strings (the same whether the value
// comes from this run or from index.json), other types go through their
// JSON form.
func cleanValue(v any, depth int) any {
	if depth > 32 {
		return "…"
	}
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return cleanString(x)
	case time.Duration:
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case error:
		return cleanString(x.Error())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cleanValue(e, depth+1)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out[cleanString(k)] = cleanValue(x[k], depth+1)
		}
		return out
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		if _, err := json.Marshal(v); err == nil { // NaN and ±Inf are not JSON
			return v
		}
		return fmt.Sprint(v)
	}
	if s, ok := v.(fmt.Stringer); ok {
		return cleanString(s.String())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return cleanString(fmt.Sprint(v))
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return cleanString(string(b))
	}
	return cleanValue(generic, depth+1)
}

var errTokenLeak = errors.New("token-shaped text survived redaction; refusing to write it")

// checkNoToken is the last guard before a file is written: the renderers
// only see cleaned runs, so a token here is a bug in clean.
func checkNoToken(b []byte) error {
	if s := string(b); wirelog.Redact(s) != s {
		return errTokenLeak
	}
	return nil
}
