package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"socketlab/reference/socketio/client"
)

// config is the testee's environment (the harness's client contract).
type config struct {
	ServerURL string
	ReportURL string
	Token     string
	// Zero values leave the client's defaults.
	ReconnectionAttempts int
	ReconnectionDelay    time.Duration
	ReconnectionDelayMax time.Duration
	RandomizationFactor  *float64
	Transports           []string
	MaxDuration          time.Duration
}

// configFromEnv reads the SOCKETLAB_* variables.
func configFromEnv(getenv func(string) string) (config, error) {
	c := config{ServerURL: getenv("SOCKETLAB_SERVER_URL"), ReportURL: getenv("SOCKETLAB_REPORT_URL"),
		Token: getenv("SOCKETLAB_TOKEN"), MaxDuration: 60 * time.Second}
	if c.ServerURL == "" || c.ReportURL == "" {
		return c, errors.New("SOCKETLAB_SERVER_URL and SOCKETLAB_REPORT_URL are required")
	}
	num := func(name string) (float64, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, false, fmt.Errorf("%s=%q is not a number", name, v)
		}
		return f, true, nil
	}
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, v := range []struct {
		name string
		set  func(float64)
	}{
		{"SOCKETLAB_RECONNECTION_ATTEMPTS", func(f float64) { c.ReconnectionAttempts = int(f) }},
		{"SOCKETLAB_RECONNECTION_DELAY", func(f float64) { c.ReconnectionDelay = ms(f) }},
		{"SOCKETLAB_RECONNECTION_DELAY_MAX", func(f float64) { c.ReconnectionDelayMax = ms(f) }},
		{"SOCKETLAB_RANDOMIZATION_FACTOR", func(f float64) { c.RandomizationFactor = &f }},
		{"SOCKETLAB_MAX_SECONDS", func(f float64) { c.MaxDuration = time.Duration(f * float64(time.Second)) }},
	} {
		f, ok, err := num(v.name)
		if err != nil {
			return c, err
		}
		if ok {
			v.set(f)
		}
	}
	if t := getenv("SOCKETLAB_TRANSPORTS"); t != "" {
		for _, name := range strings.Split(t, ",") {
			c.Transports = append(c.Transports, strings.TrimSpace(name))
		}
	}
	return c, nil
}

// run connects, reports, answers "echo", and returns the exit code once
// the server sends "exit", the time is up, or a signal comes.
func run(cfg config) int {
	rep := newReporter(cfg.ReportURL)
	rep.send(record{"kind": "start", "client": "socketlab/reference/socketio/client (Go)"})
	s := client.Connect(cfg.ServerURL, client.Options{
		Auth:                 map[string]any{"token": cfg.Token},
		Transports:           cfg.Transports,
		ReconnectionAttempts: cfg.ReconnectionAttempts,
		ReconnectionDelay:    cfg.ReconnectionDelay,
		ReconnectionDelayMax: cfg.ReconnectionDelayMax,
		RandomizationFactor:  cfg.RandomizationFactor,
	})
	m := s.Manager()
	transport := func() string {
		if e := m.Engine(); e != nil {
			return e.Transport()
		}
		return ""
	}
	s.OnConnect(func() {
		rep.send(record{"kind": "connect", "id": s.ID(), "recovered": s.Recovered(), "transport": transport()})
	})
	s.OnConnectError(func(err *client.ConnectError) {
		rep.send(record{"kind": "connect_error", "message": err.Message, "data": err.Data, "active": s.Active()})
	})
	s.OnDisconnect(func(reason string) {
		rep.send(record{"kind": "disconnect", "reason": reason, "active": s.Active()})
	})
	m.OnReconnectAttempt(func(n int) { rep.send(record{"kind": "reconnect_attempt", "attempt": n}) })
	m.OnReconnect(func(n int) { rep.send(record{"kind": "reconnect", "attempt": n}) })
	m.OnReconnectError(func(err error) { rep.send(record{"kind": "reconnect_error", "message": err.Error()}) })
	m.OnReconnectFailed(func() { rep.send(record{"kind": "reconnect_failed"}) })
	s.OnAny(func(e *client.Event) {
		args := e.Args
		if args == nil {
			args = []any{}
		}
		rep.send(record{"kind": "event", "event": e.Name, "args": args})
	})
	s.On("echo", func(e *client.Event) {
		_ = s.Emit("echo-back", e.Args...)
		if e.HasAck() {
			_ = e.Ack(e.Args...)
		}
	})

	done := make(chan string, 1)
	s.On("exit", func(*client.Event) {
		select {
		case done <- "exit event":
		default: // a second "exit": the first one is being handled
		}
	})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	var why string
	select {
	case why = <-done:
	case <-sigs:
		why = "signal"
	case <-time.After(cfg.MaxDuration):
		why = "max seconds"
	}
	rep.send(record{"kind": "exit", "reason": why})
	s.Disconnect()
	rep.close(5 * time.Second)
	return 0
}
