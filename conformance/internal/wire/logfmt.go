package wire

import (
	"fmt"
	"unicode/utf8"
)

// printable renders bytes for the wire log: text as is, anything that is
// not valid UTF-8 (binary payloads, hostile input) as a size and hex.
func printable(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return hexView(b)
}

// hexView is the wire-log form of binary data.
func hexView(b []byte) []byte {
	const show = 256
	if len(b) > show {
		return fmt.Appendf(nil, "<%d bytes> %x…", len(b), b[:show])
	}
	return fmt.Appendf(nil, "<%d bytes> %x", len(b), b)
}
