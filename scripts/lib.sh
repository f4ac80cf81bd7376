# Shared set-up steps for scripts/run and scripts/test. Each step installs
# only what is missing, says what it does, and works as root (CI) or
# through sudo.

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_updated=""
apt_install() {
	if [ -z "$apt_updated" ]; then
		say "apt-get update"
		$SUDO apt-get update -qq
		apt_updated=1
	fi
	say "installing Debian packages: $*"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

# ensure_go puts a Go toolchain >= 1.21 on PATH; go.mod asks for 1.26 and
# the go command fetches that toolchain itself (GOTOOLCHAIN=auto).
ensure_go() {
	if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	fi
	if ! command -v go >/dev/null 2>&1; then
		echo "Go is not installed: install Go 1.26 (https://go.dev/doc/install) and run this again." >&2
		exit 1
	fi
	export PATH="$(go env GOPATH)/bin:$PATH"
}

# ensure_node installs Node.js and npm (the official socket.io packages
# run on them in the interop tests).
ensure_node() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		apt_install nodejs npm
	fi
}

# ensure_ffmpeg installs ffmpeg and ffprobe (the reference app's video
# pipeline runs them; its tests fail without them when CI=true).
ensure_ffmpeg() {
	if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
		apt_install ffmpeg
	fi
}

# ensure_chromium installs Chromium (the browser tests of the web UI drive
# it through chromedp; they fail without it when CI=true).
ensure_chromium() {
	if [ ! -x /usr/bin/chromium ]; then
		apt_install chromium
	fi
}

# npm_ci installs a fixture folder's locked packages when they are
# missing or older than its package-lock.json.
npm_ci() {
	local dir="$1"
	if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.installed"; then
		say "npm ci in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.installed"
	fi
}

# ensure_docker installs the Docker engine and starts it when it is not
# running (no systemd in CI containers): the swarm conformance level runs
# its client workers in containers. Images are built FROM scratch, so no
# registry is needed; the bridge is off because containers use the host
# network.
ensure_docker() {
	if ! command -v dockerd >/dev/null 2>&1; then
		apt_install docker.io
	fi
	if ! docker info >/dev/null 2>&1; then
		say "starting dockerd"
		$SUDO sh -c 'nohup dockerd --bridge=none --iptables=false --ip-masq=false >/tmp/dockerd.log 2>&1 &'
		for _ in $(seq 1 60); do
			docker info >/dev/null 2>&1 && break
			sleep 1
		done
		docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/dockerd.log" >&2; exit 1; }
	fi
	# testcontainers-go: no reaper container (it would need a pulled image)
	# and reach containers on the loopback address.
	export TESTCONTAINERS_RYUK_DISABLED=true
	export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
}
