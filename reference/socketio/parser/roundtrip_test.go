package parser

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
)

// packetGenerator builds random valid packets whose Data has the shape the
// decoder produces (json.Number, []any, map[string]any, []byte), so that
// Encode then Decode must give back an equal packet.
type packetGenerator struct {
	rng         *rand.Rand
	binary      bool // whether []byte values may be generated
	attachments int
}

var sampleStrings = []string{"", "a", "hello", "<b>&amp;</b>", "日本語", "🎉", "line\nbreak", `quote"back\slash`, "\u2028", "\x00", "error", "_placeholder"}

func (g *packetGenerator) packet() *Packet {
	g.attachments = 0
	p := &Packet{Type: PacketType(g.rng.IntN(5)), Namespace: "/", ID: NoAckID}
	if g.rng.IntN(2) == 0 {
		p.Namespace = "/" + []string{"admin", "ünï", "a/b", "chat-1", "{x}"}[g.rng.IntN(5)]
	}
	// Only EVENT and ACK carry attachments: elsewhere a []byte is
	// marshalled as base64 and comes back as a string.
	g.binary = p.Type == Event || p.Type == Ack
	switch p.Type {
	case Connect:
		if g.rng.IntN(2) == 0 {
			p.Data = g.object(2)
		}
	case ConnectError:
		if g.rng.IntN(2) == 0 {
			p.Data = g.str()
		} else {
			p.Data = g.object(2)
		}
	case Event:
		args := []any{g.str()}
		for isReservedEvent(args[0].(string)) {
			args[0] = g.str() + "x"
		}
		p.Data = append(args, g.array(3)...)
		if g.rng.IntN(2) == 0 {
			p.ID = g.rng.Int64()
		}
	case Ack:
		p.Data = g.array(3)
		p.ID = g.rng.Int64N(1000)
	}
	return p
}

func (g *packetGenerator) value(depth int) any {
	kinds := 9
	if depth <= 0 {
		kinds = 6 // scalars only
	}
	switch g.rng.IntN(kinds) {
	case 0:
		return nil
	case 1:
		return g.rng.IntN(2) == 0
	case 2:
		return json.Number(strconv.FormatInt(g.rng.Int64()-g.rng.Int64(), 10))
	case 3:
		return json.Number(strconv.FormatFloat(g.rng.NormFloat64()*1e6, 'g', -1, 64))
	case 4:
		return g.str()
	case 5:
		if !g.binary || g.attachments >= DefaultMaxAttachments {
			return g.str()
		}
		g.attachments++
		b := make([]byte, g.rng.IntN(16))
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
		}
		return b
	case 6, 7:
		return g.array(depth - 1)
	default:
		return g.object(depth - 1)
	}
}

func (g *packetGenerator) array(depth int) []any {
	out := []any{}
	for range g.rng.IntN(4) {
		out = append(out, g.value(depth))
	}
	return out
}

func (g *packetGenerator) object(depth int) map[string]any {
	out := map[string]any{}
	for range g.rng.IntN(4) {
		key := g.str()
		if key == "_placeholder" && g.binary {
			continue // Encode rightly refuses look-alike placeholders
		}
		out[key] = g.value(depth)
	}
	return out
}

func (g *packetGenerator) str() string {
	return sampleStrings[g.rng.IntN(len(sampleStrings))]
}

func TestRoundTripRandomPackets(t *testing.T) {
	g := &packetGenerator{rng: rand.New(rand.NewPCG(1, 2))}
	n := 5000
	if testing.Short() {
		n = 500
	}
	for range n {
		p := g.packet()
		text, atts, err := Encode(p)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", p, err)
		}
		got, err := decodeMessages(t, &Decoder{}, string(text), atts...)
		if err != nil {
			t.Fatalf("decoding %q (+%d attachments) of %#v: %v", text, len(atts), p, err)
		}
		requireEqualPacket(t, got, p)
	}
}
