package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type idleResults struct {
	Up          int      `json:"up"`
	RSSBeforeKB *int64   `json:"rss_before_kb,omitempty"`
	RSSAfterKB  *int64   `json:"rss_after_kb,omitempty"`
	KBPerConn   *float64 `json:"kb_per_conn,omitempty"`
}

// idleSettle is how long connections stay open before the second reading.
var idleSettle = 2 * time.Second

// runIdle opens cfg.clients connections, waits, and measures the server's
// resident memory growth when -pid is given.
func runIdle(ctx context.Context, cfg config) (any, string, error) {
	var res idleResults
	if cfg.pid > 0 {
		kb, err := vmRSS(cfg.pid)
		if err != nil {
			return nil, "", err
		}
		res.RSSBeforeKB = &kb
	}
	conns, err := dialAll(ctx, cfg.target, cfg.clients, cfg.timeout, true)
	if err != nil {
		return nil, "", err
	}
	defer closeAll(conns)
	select {
	case <-time.After(idleSettle):
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	for _, c := range conns {
		if c.alive() {
			res.Up++
		}
	}
	human := fmt.Sprintf("%d connections up", res.Up)
	if cfg.pid > 0 {
		kb, err := vmRSS(cfg.pid)
		if err != nil {
			return nil, "", err
		}
		res.RSSAfterKB = &kb
		per := float64(kb-*res.RSSBeforeKB) / float64(cfg.clients)
		res.KBPerConn = &per
		human += fmt.Sprintf(", VmRSS %d -> %d KB = %.1f KB per connection", *res.RSSBeforeKB, kb, per)
	}
	if res.Up < cfg.clients {
		return res, human, fmt.Errorf("only %d of %d connections still up", res.Up, cfg.clients)
	}
	return res, human, nil
}

// vmRSS reads VmRSS (KB) from /proc/PID/status.
func vmRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
