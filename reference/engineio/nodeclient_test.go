package engineio

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/interop"
)

// nodeClientScript drives the official engine.io-client (the transport
// of socket.io-client 4.8) against our server: echo of text and binary
// messages over each transport, the polling→websocket upgrade, a burst
// of messages over polling, and a clean close.
const nodeClientScript = `
const { Socket } = require("engine.io-client");
const [url, mode] = process.argv.slice(2);
const opts = {
  polling: { transports: ["polling"] },
  websocket: { transports: ["websocket"] },
  upgrade: { transports: ["polling", "websocket"] },
}[mode];
const fail = (msg) => { console.error("FAIL " + mode + ": " + msg); process.exit(1); };
setTimeout(() => fail("timeout"), 10000).unref();
const socket = new Socket(url, opts);
const queue = [];
let waiting = null;
socket.on("message", (m) => { if (waiting) { const w = waiting; waiting = null; w(m); } else queue.push(m); });
const next = () => new Promise((res) => { if (queue.length) res(queue.shift()); else waiting = res; });
socket.on("error", (e) => fail("error " + e));
socket.on("close", (reason) => { if (!socket.__closing) fail("closed: " + reason); });
socket.on("open", async () => {
  try {
    socket.send("hello");
    if ((await next()) !== "hello") fail("text echo");
    socket.send(Uint8Array.from([1, 2, 3, 255]));
    const bin = await next();
    if (!Buffer.isBuffer(bin) || !bin.equals(Buffer.from([1, 2, 3, 255]))) fail("binary echo: " + bin);
    if (mode === "upgrade") {
      if (socket.transport.name !== "websocket") await new Promise((res) => socket.once("upgrade", res));
      socket.send("after upgrade");
      if ((await next()) !== "after upgrade") fail("echo after upgrade");
    }
    const n = 200;
    for (let i = 0; i < n; i++) socket.send("m" + i);
    for (let i = 0; i < n; i++) { const m = await next(); if (m !== "m" + i) fail("burst: got " + m + " want m" + i); }
    socket.__closing = true;
    socket.close();
    console.log("OK " + mode + " " + socket.transport.name);
  } catch (e) { fail(String(e)); }
});
`

// TestOfficialNodeClient runs the official engine.io-client (installed
// with socket.io-client by the interop fixture, version pinned by its
// package-lock.json). interop.Require skips without Node.js, and fails
// instead when CI=true.
func TestOfficialNodeClient(t *testing.T) {
	interop.Require(t)
	node, err := exec.LookPath("node")
	require.NoError(t, err)
	modules := filepath.Join(interop.NodeDir(), "node_modules")
	_, err = os.Stat(filepath.Join(modules, "engine.io-client"))
	require.NoError(t, err, "engine.io-client comes with socket.io-client in interop/node")
	script := filepath.Join(t.TempDir(), "client.cjs")
	require.NoError(t, os.WriteFile(script, []byte(nodeClientScript), 0o600))

	ts := newTestServer(t, Options{})
	for _, mode := range []string{"polling", "websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, ts.http.URL, mode)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			wantTransport := map[string]string{"polling": "polling", "websocket": "websocket", "upgrade": "websocket"}[mode]
			require.Equal(t, "OK "+mode+" "+wantTransport, strings.TrimSpace(string(out)))
			r := ts.nextSession(t)
			require.Equal(t, ReasonTransportClose, r.waitClose(t).reason)
		})
	}
}
