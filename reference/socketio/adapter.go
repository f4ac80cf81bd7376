package socketio

import (
	"slices"
	"sync"
)

// adapter is the in-memory room registry of one namespace, the Go
// counterpart of socket.io's default Adapter.
//
// Memory matters here: an idle server holds one entry per socket per
// room. So every socket's own room (named after its id) is implicit —
// found through ids, never stored as a one-member set — and a socket's
// rooms are a short slice in the Socket rather than a map: sockets are in
// a handful of rooms, where a linear scan beats hashing.
//
// Fan-out collects the target sockets under the read lock and sends after
// releasing it: sending may close a slow connection, and closing leaves
// rooms, which takes the write lock.
type adapter struct {
	mu    sync.RWMutex
	ids   map[string]*Socket              // every connected socket, by id (its own room)
	rooms map[string]map[*Socket]struct{} // named rooms; guarded with Socket.rooms by mu
}

func newAdapter() *adapter {
	return &adapter{
		ids:   make(map[string]*Socket),
		rooms: make(map[string]map[*Socket]struct{}),
	}
}

// addSocket registers s (and so its id room).
func (a *adapter) addSocket(s *Socket) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids[s.id] = s
}

func (a *adapter) addAll(s *Socket, rooms ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ids[s.id] != s {
		return // not (or no longer) connected
	}
	for _, room := range rooms {
		if inRoomLocked(s, room) {
			continue
		}
		s.rooms = append(s.rooms, room)
		members := a.rooms[room]
		if members == nil {
			members = make(map[*Socket]struct{}, 1)
			a.rooms[room] = members
		}
		members[s] = struct{}{}
	}
}

func (a *adapter) del(s *Socket, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if i := slices.Index(s.rooms, room); i >= 0 {
		s.rooms = slices.Delete(s.rooms, i, i+1)
		a.removeMember(room, s)
	}
}

func (a *adapter) delAll(s *Socket) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, room := range s.rooms {
		a.removeMember(room, s)
	}
	s.rooms = nil
	if a.ids[s.id] == s {
		delete(a.ids, s.id)
	}
}

// removeMember drops s from room and forgets empty rooms. Caller holds mu.
func (a *adapter) removeMember(room string, s *Socket) {
	members := a.rooms[room]
	if members == nil {
		return
	}
	delete(members, s)
	if len(members) == 0 {
		delete(a.rooms, room)
	}
}

// socketRooms lists s's rooms, its id room first.
func (a *adapter) socketRooms(s *Socket) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.ids[s.id] != s {
		return nil
	}
	return append([]string{s.id}, s.rooms...)
}

func (a *adapter) has(s *Socket, room string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.ids[s.id] == s && inRoomLocked(s, room)
}

func (a *adapter) roomSize(room string) int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	n := len(a.rooms[room])
	if _, ok := a.ids[room]; ok {
		n++
	}
	return n
}

// target selects sockets for a broadcast, the way socket.io's
// BroadcastOperator does: the union of rooms (every socket when none),
// minus every socket in an except room, minus the excluded socket (the
// sender of a socket.Broadcast). Each socket appears once even when it is
// in several of the rooms.
type target struct {
	rooms   []string
	except  []string
	exclude *Socket
}

// inRoomLocked reports whether s is in room. Caller holds mu.
func inRoomLocked(s *Socket, room string) bool {
	return room == s.id || slices.Contains(s.rooms, room)
}

// collect appends the target sockets to dst and returns it.
func (a *adapter) collect(dst []*Socket, t target) []*Socket {
	a.mu.RLock()
	defer a.mu.RUnlock()

	excluded := func(s *Socket) bool {
		if s == t.exclude {
			return true
		}
		for _, room := range t.except {
			if inRoomLocked(s, room) {
				return true
			}
		}
		return false
	}
	add := func(s *Socket) {
		if !excluded(s) {
			dst = append(dst, s)
		}
	}

	switch len(t.rooms) {
	case 0:
		for _, s := range a.ids {
			add(s)
		}
	case 1:
		for s := range a.rooms[t.rooms[0]] {
			add(s)
		}
		if s := a.ids[t.rooms[0]]; s != nil {
			add(s)
		}
	default:
		seen := make(map[*Socket]struct{})
		visit := func(s *Socket) {
			if _, dup := seen[s]; !dup {
				seen[s] = struct{}{}
				add(s)
			}
		}
		for _, room := range t.rooms {
			for s := range a.rooms[room] {
				visit(s)
			}
			if s := a.ids[room]; s != nil {
				visit(s)
			}
		}
	}
	return dst
}
