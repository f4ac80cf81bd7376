package mutator

import (
	"bytes"
	"regexp"
	"strconv"
	"sync"
)

// The rules below each break one requirement. They work on the packets'
// text, as a buggy server would write them.

var pingIntervalField = regexp.MustCompile(`"pingInterval":(\d+)`)

// WrongPingInterval announces a pingInterval ten times longer than the
// one the server really uses: its pings then come far more often than it
// said they would.
func WrongPingInterval(_ *Proxy, _ int, dir Dir, packet []byte) [][]byte {
	if dir == ToClient && bytes.HasPrefix(packet, []byte("0{")) {
		packet = pingIntervalField.ReplaceAllFunc(packet, func(m []byte) []byte {
			n, _ := strconv.Atoi(string(pingIntervalField.FindSubmatch(m)[1]))
			return []byte(`"pingInterval":` + strconv.Itoa(n*10))
		})
	}
	return [][]byte{packet}
}

// NoNoop drops the noop packets a server sends to end a pending poll
// during the upgrade.
func NoNoop(_ *Proxy, _ int, dir Dir, packet []byte) [][]byte {
	if dir == ToClient && string(packet) == "6" {
		return nil
	}
	return [][]byte{packet}
}

var connectErrorBody = regexp.MustCompile(`^44(/[^,]*,)?\{.*\}$`)

// NoConnectErrorMessage empties the payload of every CONNECT_ERROR.
func NoConnectErrorMessage(_ *Proxy, _ int, dir Dir, packet []byte) [][]byte {
	if dir == ToClient && connectErrorBody.Match(packet) {
		if i := bytes.IndexByte(packet, '{'); i > 0 {
			return [][]byte{append(packet[:i:i], "{}"...)}
		}
	}
	return [][]byte{packet}
}

// LeakVideoEvents copies every video event a WebSocket client receives to
// every other WebSocket client: an organization room that leaks.
func LeakVideoEvents(p *Proxy, conn int, dir Dir, packet []byte) [][]byte {
	if dir == ToClient && bytes.HasPrefix(packet, []byte(`42["video:`)) {
		p.InjectToClients(conn, packet)
	}
	return [][]byte{packet}
}

// ProgressOutOfOrder holds back each connection's first progress event and
// releases it right after the next one: stages arrive swapped.
func ProgressOutOfOrder() Rule {
	var mu sync.Mutex
	held := map[int][]byte{}
	return func(_ *Proxy, conn int, dir Dir, packet []byte) [][]byte {
		if dir != ToClient || !bytes.HasPrefix(packet, []byte(`42["video:progress"`)) {
			return [][]byte{packet}
		}
		mu.Lock()
		defer mu.Unlock()
		first, ok := held[conn]
		switch {
		case !ok:
			held[conn] = packet
			return nil
		case first != nil:
			held[conn] = nil
			return [][]byte{packet, first}
		}
		return [][]byte{packet}
	}
}
