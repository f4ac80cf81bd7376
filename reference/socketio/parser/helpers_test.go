package parser

import (
	"errors"
	"reflect"
	"testing"
)

// decodeMessages feeds a text message and its attachments to a fresh
// decoder and returns the packet completed by the last message.
func decodeMessages(t testing.TB, d *Decoder, text string, attachments ...[]byte) (*Packet, error) {
	t.Helper()
	p, err := d.Add([]byte(text), false)
	if err != nil {
		return nil, err
	}
	for i, a := range attachments {
		if p != nil {
			t.Fatalf("packet completed before attachment %d of %d", i, len(attachments))
		}
		if p, err = d.Add(a, true); err != nil {
			return nil, err
		}
	}
	if p == nil {
		t.Fatalf("packet still incomplete after %d attachments", len(attachments))
	}
	return p, nil
}

// requireDecodeError checks that err is a *DecodeError with the reason,
// wrapping ErrInvalidPacket.
func requireDecodeError(t testing.TB, err error, reason string) *DecodeError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", reason)
	}
	if !errors.Is(err, ErrInvalidPacket) {
		t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
	}
	if de.Reason != reason {
		t.Fatalf("reason = %q, want %q (error: %v)", de.Reason, reason, err)
	}
	return de
}

func requireEqualPacket(t testing.TB, got, want *Packet) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("packet mismatch\n got: %#v\nwant: %#v", got, want)
	}
}

func requireNoError(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// attachmentsOf returns a copy of the attachments as strings, for
// readable comparisons.
func attachmentsOf(atts [][]byte) []string {
	if atts == nil {
		return nil
	}
	out := make([]string, len(atts))
	for i, a := range atts {
		out[i] = string(a)
	}
	return out
}

// checkRoundTrip encodes a decoded packet and decodes the result, which
// must be the same packet. It is the property of the fuzz and random tests.
func checkRoundTrip(t testing.TB, p *Packet) {
	t.Helper()
	text, atts, err := Encode(p)
	if err != nil {
		t.Fatalf("decoded packet %#v does not re-encode: %v", p, err)
	}
	d := &Decoder{MaxAttachments: len(atts)}
	got, err := decodeMessages(t, d, string(text), atts...)
	if err != nil {
		t.Fatalf("re-encoded packet %q (+%d attachments) does not decode: %v", text, len(atts), err)
	}
	requireEqualPacket(t, got, p)
}
