package suite

import (
	"context"
	"fmt"
	"sync"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// C is what a running case sees: its deadline, the configuration, the wire
// log its drivers record into, and the expected/actual summary and figures
// the report shows.
type C struct {
	Ctx context.Context
	Cfg *Config
	Log *wirelog.Log
	// Case is the case being run.
	Case Case

	mu       sync.Mutex
	expected string
	actual   string
	measures map[string]any
	cleanups []func()
}

// Expect states, for the report, what the case expects to see.
func (c *C) Expect(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expected = fmt.Sprintf(format, args...)
}

// Observed states, for the report, what the target actually did.
func (c *C) Observed(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actual = fmt.Sprintf(format, args...)
}

// Measure records a figure (a latency, a count) in the report.
func (c *C) Measure(name string, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.measures == nil {
		c.measures = map[string]any{}
	}
	c.measures[name] = value
}

// Logf writes a harness remark into the wire log.
func (c *C) Logf(format string, args ...any) { c.Log.Notef(format, args...) }

// Cleanup registers f to run after the case, last registered first.
func (c *C) Cleanup(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleanups = append(c.cleanups, f)
}

// Within returns a context that ends after d or with the case.
func (c *C) Within(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Ctx, d)
}

// Heartbeat is pingInterval + pingTimeout of the case's subject.
func (c *C) Heartbeat() time.Duration { return c.Cfg.Heartbeat(c.Case.On) }

// URL is the base URL of the case's subject.
func (c *C) URL() string {
	if c.Case.On == App {
		return c.Cfg.Target
	}
	return c.Cfg.Testee
}
