package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// SIO is a Socket.IO v5 client on an Engine.IO session.
type SIO struct {
	E *Session
}

// NewSIO wraps an open session (whose Path should be SocketPath).
func NewSIO(e *Session) *SIO { return &SIO{E: e} }

// DialSIO opens an Engine.IO session over transport at opts.Path
// (SocketPath when empty) and returns a Socket.IO client on it, joined to
// no namespace yet.
func DialSIO(ctx context.Context, transport, base string, log *wirelog.Log, opts SessionOptions) (*SIO, error) {
	if opts.Path == "" {
		opts.Path = SocketPath
	}
	s, err := Open(ctx, transport, base, log, opts)
	if err != nil {
		return nil, err
	}
	return NewSIO(s), nil
}

// Packet is one Socket.IO packet received, with its attachments.
type Packet struct {
	codec.SIOPacket
	// Raw is the text part as received, without the Engine.IO "4".
	Raw string
	// Attachments are the binary messages that followed, in order.
	Attachments [][]byte
}

// Args decodes the payload of an EVENT/ACK, attachments in place.
func (p Packet) Args() ([]any, error) { return codec.DecodeArgs(p.Data, p.Attachments) }

// Event is the event name of an EVENT or BINARY_EVENT ("" if none).
func (p Packet) Event() string {
	if p.Type != codec.SIOEvent && p.Type != codec.SIOBinaryEvent {
		return ""
	}
	var args []json.RawMessage
	if json.Unmarshal(p.Data, &args) != nil || len(args) == 0 {
		return ""
	}
	var name string
	_ = json.Unmarshal(args[0], &name)
	return name
}

// ConnectError reports a CONNECT answered with CONNECT_ERROR.
type ConnectError struct {
	Namespace string
	Data      json.RawMessage
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("CONNECT to %s refused: %s", e.Namespace, e.Data)
}

// Message is the "message" field of a CONNECT_ERROR payload.
func (e *ConnectError) Message() string {
	var m struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(e.Data, &m)
	return m.Message
}

// SendRaw sends text as one Engine.IO message ("4" + text), then each
// attachment as a binary message — bytes the codec would not produce.
func (c *SIO) SendRaw(ctx context.Context, text string, attachments ...[]byte) error {
	packets := []codec.EIOPacket{codec.Text(codec.EIOMessage, text)}
	for _, a := range attachments {
		packets = append(packets, codec.Bin(a))
	}
	return c.E.Send(ctx, packets...)
}

// Send encodes and sends p with its attachments.
func (c *SIO) Send(ctx context.Context, p codec.SIOPacket, attachments ...[]byte) error {
	p.Attachments = len(attachments)
	return c.SendRaw(ctx, string(codec.EncodeSIO(p)), attachments...)
}

// Emit sends an EVENT (a BINARY_EVENT when args hold []byte) to ns; a
// non-nil ack asks for an acknowledgement with that id.
func (c *SIO) Emit(ctx context.Context, ns string, ack *uint64, args ...any) error {
	data, atts, err := codec.EncodeArgs(args...)
	if err != nil {
		return err
	}
	t := codec.SIOEvent
	if len(atts) > 0 {
		t = codec.SIOBinaryEvent
	}
	return c.Send(ctx, codec.SIOPacket{Type: t, Namespace: ns, ID: ack, Data: data}, atts...)
}

// Connect sends CONNECT to ns (auth is marshalled as the payload when not
// nil) and waits for the answer on ns: the CONNECT packet, or a
// *ConnectError for a CONNECT_ERROR. Packets of other namespaces that
// arrive meanwhile are discarded.
func (c *SIO) Connect(ctx context.Context, ns string, auth any) (Packet, error) {
	p := codec.SIOPacket{Type: codec.SIOConnect, Namespace: ns}
	if auth != nil {
		data, err := json.Marshal(auth)
		if err != nil {
			return Packet{}, err
		}
		p.Data = data
	}
	if err := c.Send(ctx, p); err != nil {
		return Packet{}, err
	}
	return c.AwaitConnect(ctx, ns)
}

// AwaitConnect waits for the answer to a CONNECT to ns already sent.
func (c *SIO) AwaitConnect(ctx context.Context, ns string) (Packet, error) {
	got, err := c.Wait(ctx, "the answer to CONNECT "+ns, func(p Packet) bool {
		return p.Namespace == ns && (p.Type == codec.SIOConnect || p.Type == codec.SIOConnectError)
	})
	if err != nil {
		return got, err
	}
	if got.Type == codec.SIOConnectError {
		return got, &ConnectError{Namespace: ns, Data: got.Data}
	}
	return got, nil
}

// Next returns the next Socket.IO packet with its attachments. A packet the
// codec rejects, or attachments missing their binary messages, is a
// *ProtocolError; Engine.IO packets other than messages are skipped.
func (c *SIO) Next(ctx context.Context) (Packet, error) {
	for {
		ep, err := c.E.Recv(ctx)
		if err != nil {
			return Packet{}, err
		}
		if ep.Binary {
			return Packet{}, &ProtocolError{What: "a binary message with no BINARY_EVENT/BINARY_ACK waiting for it"}
		}
		if ep.Type != codec.EIOMessage {
			continue
		}
		sp, err := codec.DecodeSIO(ep.Data)
		if err != nil {
			return Packet{}, &ProtocolError{What: "Socket.IO packet from the target", Err: err}
		}
		p := Packet{SIOPacket: sp, Raw: string(ep.Data)}
		for range sp.Attachments {
			ap, err := c.E.Recv(ctx)
			if err != nil {
				return p, err
			}
			if !ap.Binary {
				return p, &ProtocolError{What: fmt.Sprintf("a text packet %q where attachment %d of %d was due", ap.Data, len(p.Attachments), sp.Attachments)}
			}
			p.Attachments = append(p.Attachments, ap.Data)
		}
		return p, nil
	}
}

// Wait returns the first packet for which match is true, discarding the
// others; a *TimeoutError naming what when ctx ends first.
func (c *SIO) Wait(ctx context.Context, what string, match func(Packet) bool) (Packet, error) {
	started := time.Now()
	for {
		p, err := c.Next(ctx)
		if err != nil {
			var te *TimeoutError
			if errors.As(err, &te) {
				te.Waiting, te.After = what, time.Since(started)
			}
			return p, err
		}
		if match(p) {
			return p, nil
		}
		c.E.log.Notef("while waiting for %s: skipped %q", what, clip(p.Raw, 200))
	}
}

// WaitEvent waits for the event name on ns.
func (c *SIO) WaitEvent(ctx context.Context, ns, name string) (Packet, error) {
	return c.Wait(ctx, fmt.Sprintf("event %q on %s", name, ns), func(p Packet) bool {
		return p.Namespace == ns && p.Event() == name
	})
}

// WaitClosed discards packets until the connection ends and returns how.
func (c *SIO) WaitClosed(ctx context.Context) (*ClosedError, error) { return c.E.WaitClosed(ctx) }

// Close ends the connection on the harness's side.
func (c *SIO) Close() { c.E.Close() }
