package contract

import (
	"encoding/json"
	"slices"

	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/sioclient"
)

// The views the cases take of the world's recordings: keys of received
// events, per socket and per video, and what each socket should have had.

// eventKey is the comparable form of an app event: its name and its first
// argument (the offset of recovery, when present, is not part of it).
func eventKey(r sioclient.Received) string {
	if len(r.Args) == 0 {
		return r.Event
	}
	return setcheck.Key(r.Event, r.Args[0])
}

// lineKey is eventKey for an official client's observation.
func lineKey(l officialLine) string {
	if len(l.Args) == 0 {
		return l.Event
	}
	return setcheck.Key(l.Event, l.Args[0])
}

// lineMember returns a string member of an official event's first argument.
func lineMember(l officialLine, key string) string {
	var m map[string]any
	if len(l.Args) == 0 || json.Unmarshal(l.Args[0], &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

// tracked are the events the two-tenant check counts: everything about a
// video, announcements excluded (they cross organizations by design).
var tracked = []string{"video:progress", "video:processed", "video:failed", "notification:personal"}

// trackedKeys returns the keys of the tracked events among rs, in order.
func trackedKeys(rs []sioclient.Received) []string {
	var out []string
	for _, r := range rs {
		if slices.Contains(tracked, r.Event) {
			out = append(out, eventKey(r))
		}
	}
	return out
}

// officialKeys is trackedKeys for an official client.
func (w *world) officialKeys(client string) []string {
	var out []string
	for _, l := range w.official.snapshot() {
		if l.Client == client && l.Type == "event" && slices.Contains(tracked, l.Event) {
			out = append(out, lineKey(l))
		}
	}
	return out
}

// videoSeq returns the video events among rs about id, in order.
func videoSeq(rs []sioclient.Received, id string) []sioclient.Received {
	var out []sioclient.Received
	for _, r := range rs {
		if isVideoEvent(r) && videoIDOf(r) == id {
			out = append(out, r)
		}
	}
	return out
}

// sequence returns the keys of the video events among rs about id, in order.
func sequence(rs []sioclient.Received, id string) []string {
	var out []string
	for _, r := range videoSeq(rs, id) {
		out = append(out, eventKey(r))
	}
	return out
}

// eventsOf returns the events a live socket received; the recovered
// socket's begin with those it had before the cut.
func (w *world) eventsOf(s *worldSocket) []sioclient.Received {
	if s.role == roleRecovery && w.recov.before != nil {
		return append(w.recov.before.Events(), s.s.Events()...)
	}
	return s.s.Events()
}

// union returns keys in first-seen order without repeats.
func union(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, k := range l {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// keysAbout returns, over every live socket of tenant t, the union of
// the tracked keys about video id (notifications only from sockets of
// user, when user is not "").
func (w *world) keysAbout(t, id string, notifications bool, user string) []string {
	var lists [][]string
	for _, s := range w.live() {
		if s.tenant != t {
			continue
		}
		var l []string
		for _, r := range s.s.Events() {
			if videoIDOf(r) != id {
				continue
			}
			switch {
			case isVideoEvent(r):
				if !notifications {
					l = append(l, eventKey(r))
				}
			case r.Event == "notification:personal":
				if notifications && s.id.UserID == user {
					l = append(l, eventKey(r))
				}
			}
		}
		lists = append(lists, l)
	}
	return union(lists...)
}

// expectedFor is what a socket of tenant t held by user must have
// received, each key once: every video event of t's videos, and the
// notification of each video user uploaded.
func (w *world) expectedFor(t, user string) []string {
	var out []string
	for _, v := range w.videosOf(t) {
		out = append(out, w.keysAbout(t, v.id, false, "")...)
		if v.uploader.UserID == user {
			out = append(out, w.keysAbout(t, v.id, true, user)...)
		}
	}
	return out
}

// receivedBy returns a live socket's tracked keys; for the recovered
// socket, what it had before the cut and after it together.
func (w *world) receivedBy(s *worldSocket) []string { return trackedKeys(w.eventsOf(s)) }

// worldIDs returns the set of the world's video ids per tenant.
func (w *world) worldIDs() map[string]string {
	m := map[string]string{}
	for _, v := range w.videos {
		m[v.id] = v.tenant
	}
	return m
}
