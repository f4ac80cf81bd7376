package client

import (
	"encoding/json"
	"reflect"

	"socketlab/conformance/internal/suite"
)

// The level's cases, in the order of a session's life: connecting, the
// transports, events, the heartbeat, reconnection, disconnection,
// recovery.
func init() {
	connectCases()
	transportCases()
	eventCases()
	heartbeatCases()
	backoffCases()
	disconnectCases()
	recoveryCases()
}

// register adds a case of level "client" whose script runs once per
// client under test, each with a scripted server made from set.
func register(cs suite.Case, set setup, script func(r *run) error) {
	cs.Level, cs.On = suite.LevelClient, suite.Client
	if cs.Timeout == 0 {
		cs.Timeout = caseTimeout
	}
	cs.Run = func(c *suite.C) error { return eachClient(c, set, script) }
	suite.Register(cs)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// sameArgs reports whether two argument lists hold the same values.
func sameArgs(a, b []json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameJSON(a[i], b[i]) {
			return false
		}
	}
	return true
}

// rawArgs is args as raw JSON values.
func rawArgs(args ...any) []json.RawMessage {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		out[i], _ = json.Marshal(a)
	}
	return out
}

func joinRaw(args []json.RawMessage) string {
	b, _ := json.Marshal(args)
	return string(b)
}
