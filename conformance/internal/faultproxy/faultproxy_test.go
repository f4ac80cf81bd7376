package faultproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// echoServer echoes every byte back and counts reads, so a test can see
// how the proxy segmented the stream.
func echoServer(t *testing.T) (addr string, reads chan int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	reads = make(chan int, 1<<16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						reads <- n
						_, _ = c.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), reads
}

func start(t *testing.T) (*Proxy, chan int) {
	addr, reads := echoServer(t)
	p, err := Start(addr)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p, reads
}

func dial(t *testing.T, p *Proxy) net.Conn {
	c, err := net.Dial("tcp", p.Addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func roundTrip(t *testing.T, c net.Conn, msg string) string {
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	_, err := c.Write([]byte(msg))
	require.NoError(t, err)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	return string(got)
}

func TestPassThrough(t *testing.T) {
	p, _ := start(t)
	require.Equal(t, "hello", roundTrip(t, dial(t, p), "hello"))
	require.Equal(t, 1, p.Accepted())
}

func TestLatencyAppliesEachWay(t *testing.T) {
	p, _ := start(t)
	p.Set(Toxics{Latency: 100 * time.Millisecond})
	c := dial(t, p)
	began := time.Now()
	require.Equal(t, "x", roundTrip(t, c, "x"))
	require.GreaterOrEqual(t, time.Since(began), 200*time.Millisecond, "100 ms to the server and 100 ms back")
}

func TestSlicerDeliversOneByteSegments(t *testing.T) {
	p, reads := start(t)
	p.Set(Toxics{SliceBytes: 1, SliceDelay: time.Millisecond})
	msg := "0123456789abcdef"
	require.Equal(t, msg, roundTrip(t, dial(t, p), msg))
	for range len(msg) {
		select {
		case n := <-reads:
			require.Equal(t, 1, n, "the upstream must see one byte per read")
		case <-time.After(time.Second):
			t.Fatal("missing read")
		}
	}
}

func TestBlackHoleDropsDataButKeepsTheConnection(t *testing.T) {
	p, _ := start(t)
	c := dial(t, p)
	require.Equal(t, "a", roundTrip(t, c, "a"))
	p.Set(Toxics{BlackHole: true})
	_, err := c.Write([]byte("lost"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, err = c.Read(make([]byte, 8))
	require.True(t, errors.Is(err, os.ErrDeadlineExceeded), "nothing comes back while black-holed: %v", err)
	p.Set(Toxics{})
	require.Equal(t, "b", roundTrip(t, c, "b"), "healed: data flows again on the same connection")
}

func TestResetPeersSendsRST(t *testing.T) {
	p, _ := start(t)
	c := dial(t, p)
	require.Equal(t, "a", roundTrip(t, c, "a"))
	require.Equal(t, 1, p.ResetPeers())
	require.NoError(t, c.SetReadDeadline(time.Now().Add(2*time.Second)))
	_, err := bufio.NewReader(c).ReadByte()
	require.True(t, errors.Is(err, syscall.ECONNRESET), "want a reset, got %v", err)
}

func TestLimitBytesCutsTheConnection(t *testing.T) {
	p, _ := start(t)
	p.Set(Toxics{LimitBytes: 4})
	c := dial(t, p)
	require.NoError(t, c.SetDeadline(time.Now().Add(2*time.Second)))
	_, _ = c.Write([]byte("0123456789"))
	got, _ := io.ReadAll(c)
	require.LessOrEqual(t, len(got), 4, "at most the limit comes through")
}

func TestBandwidthPaces(t *testing.T) {
	p, _ := start(t)
	p.Set(Toxics{BandwidthKBps: 64})
	c := dial(t, p)
	msg := make([]byte, 16<<10)
	began := time.Now()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	go func() { _, _ = c.Write(msg) }()
	_, err := io.ReadFull(c, make([]byte, len(msg)))
	require.NoError(t, err)
	// 16 KiB at 64 KiB/s is 250 ms each way; a 32 KiB chunk is sent at once
	// and then paused, so only the upstream direction's pause is certain.
	require.GreaterOrEqual(t, time.Since(began), 200*time.Millisecond)
}
