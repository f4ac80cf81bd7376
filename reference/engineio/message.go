package engineio

import (
	"encoding/base64"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// Message is an outgoing "message" packet that may be sent to many
// sessions. It is encoded once: the polling text form and the
// *websocket.PreparedMessage are computed lazily at most once and shared.
// A Message is immutable and safe for concurrent use.
type Message struct {
	typ    PacketType
	binary bool
	// data is the payload (what Data returns).
	data []byte
	// text is the packet's text form, what a polling payload carries: for
	// a text packet it is the type digit followed by data, and data is
	// text[1:] (one allocation for both). For a binary message it is
	// "b"+base64, computed on first polling use.
	text     []byte
	textOnce sync.Once

	// sends counts the sessions the message was queued for. A message
	// queued once (the common unicast case) is written with
	// Conn.WriteMessage, which copies it into a pooled buffer at no cost;
	// from the second session on the frame is prepared once and shared,
	// because gorilla builds a prepared frame through a throwaway 4 KiB
	// buffer, which only pays for itself when the frame is reused.
	sends    atomic.Int32
	prepOnce sync.Once
	prep     *websocket.PreparedMessage
}

// NewTextMessage returns a text message carrying data.
func NewTextMessage(data string) *Message {
	text := make([]byte, 1+len(data))
	text[0] = byte(PacketMessage)
	copy(text[1:], data)
	return &Message{typ: PacketMessage, data: text[1:], text: text}
}

// NewTextMessageBytes is NewTextMessage for a byte slice, which it copies:
// it saves the conversion of an encoder's output to a string.
func NewTextMessageBytes(data []byte) *Message {
	text := make([]byte, 1+len(data))
	text[0] = byte(PacketMessage)
	copy(text[1:], data)
	return &Message{typ: PacketMessage, data: text[1:], text: text}
}

// NewBinaryMessage returns a binary message carrying data. data is not
// copied and must not be modified afterwards.
func NewBinaryMessage(data []byte) *Message {
	return &Message{typ: PacketMessage, binary: true, data: data}
}

// newControlMessage returns a non-message packet (open, ping, noop...).
// The shared ones are marked as sent twice so they are always prepared.
func newControlMessage(t PacketType, data string, shared bool) *Message {
	m := NewTextMessage(data)
	m.typ = t
	m.text[0] = byte(t)
	if shared {
		m.sends.Store(2)
	}
	return m
}

// Control packets shared by every session.
var (
	pingMessage      = newControlMessage(PacketPing, "", true)
	noopMessage      = newControlMessage(PacketNoop, "", true)
	closeMessage     = newControlMessage(PacketClose, "", true)
	probePongMessage = newControlMessage(PacketPong, "probe", true)
)

// Data returns the message payload (without the packet type). It must not
// be modified.
func (m *Message) Data() []byte { return m.data }

// IsBinary reports whether the message is binary.
func (m *Message) IsBinary() bool { return m.binary }

// Type returns the packet type; PacketMessage for every message made by
// NewTextMessage and NewBinaryMessage.
func (m *Message) Type() PacketType { return m.typ }

// pollingForm returns the text form used in polling payloads.
func (m *Message) pollingForm() []byte {
	if !m.binary {
		return m.text
	}
	m.textOnce.Do(func() {
		b := make([]byte, 0, 1+base64.StdEncoding.EncodedLen(len(m.data)))
		b = append(b, binaryPrefix)
		m.text = base64.StdEncoding.AppendEncode(b, m.data)
	})
	return m.text
}

// frame returns the WebSocket message type and payload of m.
func (m *Message) frame() (int, []byte) {
	if m.binary {
		return websocket.BinaryMessage, m.data
	}
	return websocket.TextMessage, m.text
}

// prepared returns the shared prepared frame, or nil if gorilla refused to
// build one (it cannot for valid data frames; the caller then falls back
// to a plain write).
func (m *Message) prepared() *websocket.PreparedMessage {
	m.prepOnce.Do(func() {
		mt, payload := m.frame()
		m.prep, _ = websocket.NewPreparedMessage(mt, payload)
	})
	return m.prep
}

// writeTo writes m as one WebSocket frame. The caller is the connection's
// only writer and has set the write deadline.
func (m *Message) writeTo(c *websocket.Conn) error {
	if m.sends.Load() > 1 {
		if pm := m.prepared(); pm != nil {
			return c.WritePreparedMessage(pm)
		}
	}
	mt, payload := m.frame()
	return c.WriteMessage(mt, payload)
}
