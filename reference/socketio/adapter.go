package socketio

import "sync"

// adapter is the in-memory room registry of one namespace, the Go
// counterpart of socket.io's default Adapter. It maps rooms to sockets and
// sockets to rooms, so that joining, leaving and fan-out are all O(members).
//
// Fan-out collects the target sockets under the read lock and sends after
// releasing it: sending may close a slow connection, and closing leaves
// rooms, which takes the write lock.
type adapter struct {
	mu    sync.RWMutex
	rooms map[string]map[*Socket]struct{}
	// sids maps every connected socket of the namespace to its rooms;
	// its key set is "all sockets".
	sids map[*Socket]map[string]struct{}
}

func newAdapter() *adapter {
	return &adapter{
		rooms: make(map[string]map[*Socket]struct{}),
		sids:  make(map[*Socket]map[string]struct{}),
	}
}

func (a *adapter) addAll(s *Socket, rooms ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	mine := a.sids[s]
	if mine == nil {
		mine = make(map[string]struct{}, len(rooms)+1)
		a.sids[s] = mine
	}
	for _, room := range rooms {
		if _, ok := mine[room]; ok {
			continue
		}
		mine[room] = struct{}{}
		members := a.rooms[room]
		if members == nil {
			members = make(map[*Socket]struct{})
			a.rooms[room] = members
		}
		members[s] = struct{}{}
	}
}

func (a *adapter) del(s *Socket, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if mine := a.sids[s]; mine != nil {
		delete(mine, room)
	}
	a.removeMember(room, s)
}

func (a *adapter) delAll(s *Socket) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for room := range a.sids[s] {
		a.removeMember(room, s)
	}
	delete(a.sids, s)
}

// removeMember drops s from room and forgets empty rooms, so that rooms
// named after disconnected sockets do not accumulate. Caller holds mu.
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

func (a *adapter) socketRooms(s *Socket) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.sids[s]))
	for room := range a.sids[s] {
		out = append(out, room)
	}
	return out
}

func (a *adapter) has(s *Socket, room string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	_, ok := a.sids[s][room]
	return ok
}

func (a *adapter) roomSize(room string) int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.rooms[room])
}

func (a *adapter) size() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.sids)
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

// collect appends the target sockets to dst and returns it.
func (a *adapter) collect(dst []*Socket, t target) []*Socket {
	a.mu.RLock()
	defer a.mu.RUnlock()

	excluded := func(s *Socket) bool {
		if s == t.exclude {
			return true
		}
		for _, room := range t.except {
			if _, ok := a.rooms[room][s]; ok {
				return true
			}
		}
		return false
	}

	switch len(t.rooms) {
	case 0:
		for s := range a.sids {
			if !excluded(s) {
				dst = append(dst, s)
			}
		}
	case 1:
		for s := range a.rooms[t.rooms[0]] {
			if !excluded(s) {
				dst = append(dst, s)
			}
		}
	default:
		seen := make(map[*Socket]struct{})
		for _, room := range t.rooms {
			for s := range a.rooms[room] {
				if _, dup := seen[s]; dup || excluded(s) {
					continue
				}
				seen[s] = struct{}{}
				dst = append(dst, s)
			}
		}
	}
	return dst
}
