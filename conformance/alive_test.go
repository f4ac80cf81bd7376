package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"socketlab/conformance/internal/codec"
)

// handshake opens an Engine.IO session over polling at base and returns
// the open packet: the liveness check after hostile cases, and how the run
// learns each subject's heartbeat.
func handshake(ctx context.Context, base string) (codec.Open, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/socket.io/?EIO=4&transport=polling", nil)
	if err != nil {
		return codec.Open{}, err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return codec.Open{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return codec.Open{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return codec.Open{}, fmt.Errorf("handshake: HTTP %d %q", resp.StatusCode, body)
	}
	packets, err := codec.DecodePayload(body)
	if err != nil {
		return codec.Open{}, err
	}
	if packets[0].Type != codec.EIOOpen {
		return codec.Open{}, fmt.Errorf("handshake: first packet is %s, not open", packets[0].Type)
	}
	return codec.DecodeOpen(packets[0].Data)
}
