package socketio

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/reference/engineio"
)

// RecoveryOptions turn on connection state recovery (socket.io 4.6+):
// a client whose connection broke reconnects as the same socket (same id,
// same rooms) and receives the events it missed meanwhile, exactly once
// and in order.
//
// How it works on the wire: the CONNECT reply carries a private session
// id, 40{"sid":"…","pid":"…"}; every event the server emits to a
// recoverable socket without an acknowledgement carries an offset as its
// last argument; a reconnecting client sends 40{"pid":"…","offset":"…"}
// (merged into its auth payload), and the server replays the missed events
// before the CONNECT reply, which repeats the same sid and pid.
//
// Differences from socket.io's defaults, on purpose:
//   - middlewares run again on recovery (socket.io's skipMiddlewares is
//     true by default), so a revoked or expired token is never restored;
//   - a session is restored only when Owner returns the same value for the
//     new socket as for the old one, so a pid presented with another
//     user's credentials yields a fresh session;
//   - a pid without an offset (the client received no event since it
//     connected) restores from the moment the socket connected, instead of
//     giving a fresh session;
//   - a reconnect that arrives before the server noticed the old
//     connection's death takes the old socket over (same owner only)
//     instead of waiting for the ping timeout;
//   - retained packets are bounded by MaxPackets as well as by age, so
//     memory stays bounded under any emission rate; an offset older than
//     what is retained yields a fresh session (Recovered is false).
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a session and the packets it
	// may miss are kept (default 2 minutes, as socket.io).
	MaxDisconnectionDuration time.Duration
	// MaxPackets bounds the packets kept per namespace (default 100,000).
	MaxPackets int
	// Owner names who a socket belongs to, typically the user id a
	// middleware put in Socket.Data. nil: every socket has the same owner.
	Owner func(*Socket) string
}

// Defaults for RecoveryOptions.
const (
	DefaultMaxDisconnectionDuration = 2 * time.Minute
	DefaultRecoveryMaxPackets       = 100_000
)

func (o RecoveryOptions) withDefaults() RecoveryOptions {
	if o.MaxDisconnectionDuration <= 0 {
		o.MaxDisconnectionDuration = DefaultMaxDisconnectionDuration
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = DefaultRecoveryMaxPackets
	}
	return o
}

// recoverableReasons are the disconnect reasons after which socket.io
// keeps a session for recovery: the client did not choose to leave.
var recoverableReasons = map[string]bool{
	ReasonTransportError:     true,
	ReasonTransportClose:     true,
	ReasonForcedClose:        true,
	ReasonPingTimeout:        true,
	ReasonServerShuttingDown: true,
	ReasonForcedServerClose:  true,
}

// recoveryStore keeps, for one namespace, the recent event packets and the
// sessions of recently disconnected sockets.
//
// emitMu serializes offset allocation with sending: if two broadcasts could
// reach a socket in the opposite order of their offsets, a client would
// report the later offset and get the earlier packet twice. Holding it
// while a socket is restored closes the gap between computing its missed
// packets and joining its rooms.
type recoveryStore struct {
	opts RecoveryOptions

	emitMu sync.Mutex

	mu       sync.Mutex
	epoch    string // random per store: offsets of another server instance never match
	firstSeq uint64 // seq of packets[0]
	nextSeq  uint64
	packets  []storedPacket
	sessions map[string]*persistedSession // by pid
	live     map[string]*Socket           // connected recoverable sockets by pid
}

type storedPacket struct {
	at      time.Time
	rooms   []string
	except  []string
	exclude string // id of the sender excluded by Socket.To / Broadcast
	msgs    []*engineio.Message
}

type persistedSession struct {
	sid        string
	pid        string
	owner      string
	rooms      []string
	connectSeq uint64 // first seq the socket could have missed
	expiry     *time.Timer
}

func newRecoveryStore(opts RecoveryOptions) *recoveryStore {
	return &recoveryStore{
		opts:     opts.withDefaults(),
		epoch:    randomToken(6),
		nextSeq:  1,
		firstSeq: 1,
		sessions: make(map[string]*persistedSession),
		live:     make(map[string]*Socket),
	}
}

// offset formats a sequence number as the opaque string clients echo.
func (st *recoveryStore) offset(seq uint64) string {
	return st.epoch + "-" + strconv.FormatUint(seq, 36)
}

// parseOffset returns the seq an offset names, if it is one of ours.
func (st *recoveryStore) parseOffset(offset string) (uint64, bool) {
	rest, ok := strings.CutPrefix(offset, st.epoch+"-")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(rest, 36, 64)
	return seq, err == nil
}

// allocate reserves the next seq and returns its offset. Caller holds
// emitMu; the packet must be stored with store before emitMu is released.
func (st *recoveryStore) allocate() (uint64, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	seq := st.nextSeq
	st.nextSeq++
	return seq, st.offset(seq)
}

// store retains the packet of seq (allocated just before, under emitMu)
// and forgets what is too old or beyond MaxPackets.
func (st *recoveryStore) store(seq uint64, p storedPacket) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.packets) == 0 {
		st.firstSeq = seq
	}
	st.packets = append(st.packets, p)
	drop := 0
	if over := len(st.packets) - st.opts.MaxPackets; over > 0 {
		drop = over
	}
	horizon := p.at.Add(-st.opts.MaxDisconnectionDuration)
	for drop < len(st.packets) && st.packets[drop].at.Before(horizon) {
		drop++
	}
	if drop > 0 {
		clear(st.packets[:drop])
		st.packets = st.packets[drop:]
		st.firstSeq += uint64(drop)
		// Re-slicing from the front leaks the dropped prefix's capacity
		// until the next growth; copy once the slack is large.
		if cap(st.packets) > 2*len(st.packets)+1024 {
			st.packets = append([]storedPacket(nil), st.packets...)
		}
	}
}

// currentSeq is the seq the next packet will get.
func (st *recoveryStore) currentSeq() uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.nextSeq
}

func (st *recoveryStore) owner(s *Socket) string {
	if st.opts.Owner == nil {
		return ""
	}
	return st.opts.Owner(s)
}

// persist keeps a disconnected socket's session for recovery.
func (st *recoveryStore) persist(s *Socket, rooms []string) {
	ps := &persistedSession{
		sid:        s.id,
		pid:        s.pid,
		owner:      st.owner(s),
		rooms:      rooms,
		connectSeq: s.connectSeq,
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.live[s.pid] == s {
		delete(st.live, s.pid)
	}
	if old := st.sessions[s.pid]; old != nil {
		old.expiry.Stop()
	}
	st.sessions[s.pid] = ps
	ps.expiry = time.AfterFunc(st.opts.MaxDisconnectionDuration, func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.sessions[ps.pid] == ps {
			delete(st.sessions, ps.pid)
		}
	})
}

// forget drops a socket that left for good (a voluntary disconnect).
func (st *recoveryStore) forget(s *Socket) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.live[s.pid] == s {
		delete(st.live, s.pid)
	}
}

// liveSocket returns the still-connected socket holding pid, if its owner
// matches: the client came back before the server saw its old connection
// die.
func (st *recoveryStore) liveSocket(pid, owner string) *Socket {
	st.mu.Lock()
	old := st.live[pid]
	st.mu.Unlock()
	if old == nil || st.owner(old) != owner {
		return nil
	}
	return old
}

// restore looks up a session for a reconnecting socket. It returns the
// session and the messages it missed, in order, or nil for a fresh start.
// Caller holds emitMu. The session is consumed: a pid restores once.
func (st *recoveryStore) restore(pid, offset string, hasOffset bool, owner string) (*persistedSession, []*engineio.Message) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ps := st.sessions[pid]
	if ps == nil || ps.owner != owner {
		return nil, nil
	}
	from := ps.connectSeq // first seq to replay
	if hasOffset {
		seq, ok := st.parseOffset(offset)
		if !ok || seq >= st.nextSeq {
			return nil, nil
		}
		from = seq + 1
	}
	// Everything from `from` on must still be retained. Under emitMu,
	// packets hold exactly the seqs [firstSeq, nextSeq).
	if from < st.firstSeq {
		return nil, nil
	}
	delete(st.sessions, pid)
	ps.expiry.Stop()

	rooms := make(map[string]struct{}, len(ps.rooms))
	for _, r := range ps.rooms {
		rooms[r] = struct{}{}
	}
	var missed []*engineio.Message
	start := int(from - st.firstSeq)
	for _, p := range st.packets[max(start, 0):] {
		if p.matches(ps.sid, rooms) {
			missed = append(missed, p.msgs...)
		}
	}
	return ps, missed
}

// matches reports whether a session with sid and rooms was a target of p.
func (p *storedPacket) matches(sid string, rooms map[string]struct{}) bool {
	if p.exclude == sid {
		return false
	}
	for _, r := range p.except {
		if _, in := rooms[r]; in {
			return false
		}
	}
	if len(p.rooms) == 0 {
		return true
	}
	for _, r := range p.rooms {
		if _, in := rooms[r]; in {
			return true
		}
	}
	return false
}
