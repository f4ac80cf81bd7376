package swarm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// reporter sends an agent's records to the collector in batches: one POST
// of JSON lines per flushInterval (or per maxBatch records), so that M
// clients' events cost a few requests a second, not one each.
type reporter struct {
	agent    int
	callback string // "-": write to out
	out      io.Writer
	http     *http.Client
	ch       chan Record
	quit     chan struct{} // closed when run returns: add stops blocking
	orphan   time.Duration
}

const (
	flushInterval = 100 * time.Millisecond
	maxBatch      = 2000
)

// errOrphaned ends an agent whose harness is gone.
var errOrphaned = errors.New("the collector has been unreachable too long: the harness is gone")

func newReporter(cfg AgentConfig, out io.Writer) *reporter {
	return &reporter{agent: cfg.Agent, callback: cfg.Callback, out: out, orphan: cfg.OrphanAfter,
		http: &http.Client{Timeout: 10 * time.Second}, ch: make(chan Record, 1<<16), quit: make(chan struct{})}
}

// add queues a record of client; payload is marshalled (nil: none). It
// blocks when the queue is full, which slows the client's reader, never
// loses a record.
func (r *reporter) add(client int, typ string, at time.Time, payload any) {
	rec := Record{Agent: r.agent, Client: client, Type: typ, At: at}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			b, _ = json.Marshal(map[string]string{"marshalError": err.Error()})
		}
		rec.Payload = b
	}
	select {
	case r.ch <- rec:
	case <-r.quit:
	}
}

// run sends batches until ctx ends, then flushes what is queued (bounded
// by a short grace). It returns errOrphaned when the collector stayed
// unreachable for the orphan timeout.
func (r *reporter) run(ctx context.Context) error {
	defer close(r.quit)
	var batch []Record
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	failingSince := time.Time{}
	flush := func(ctx context.Context) error {
		if len(batch) == 0 {
			return nil
		}
		if err := r.send(ctx, batch); err != nil {
			var refused *refusedError
			if errors.As(err, &refused) {
				batch = batch[:0] // the collector will never take it
				return nil
			}
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) > r.orphan {
				return errOrphaned
			}
			return nil // kept for the next tick
		}
		failingSince = time.Time{}
		batch = batch[:0]
		return nil
	}
	for {
		select {
		case rec := <-r.ch:
			batch = append(batch, rec)
			if len(batch) >= maxBatch {
				if err := flush(ctx); err != nil {
					return err
				}
			}
		case <-tick.C:
			if err := flush(ctx); err != nil {
				return err
			}
		case <-ctx.Done():
			grace, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			for {
				select {
				case rec := <-r.ch:
					batch = append(batch, rec)
					continue
				default:
				}
				break
			}
			_ = r.send(grace, batch)
			return nil
		}
	}
}

func (r *reporter) send(ctx context.Context, batch []Record) error {
	body := EncodeLines(batch)
	if r.callback == "-" {
		_, err := r.out.Write(body)
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.callback, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	switch {
	case resp.StatusCode/100 == 4:
		return &refusedError{status: resp.Status, msg: string(msg)}
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("collector answered %s: %s", resp.Status, msg)
	}
	return nil
}

// refusedError is a 4xx from the collector: sending the batch again would
// not help.
type refusedError struct{ status, msg string }

func (e *refusedError) Error() string {
	return "collector refused the batch: " + e.status + " " + e.msg
}
