package swarm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/testcontainers/testcontainers-go"

	"socketlab/conformance/internal/target"
	"socketlab/conformance/internal/wirelog"
)

// ImageRepo is the repository of the agent's image; the tag is a hash of
// the binary, so an unchanged agent is built into an image only once.
const ImageRepo = "socketlab-swarmagent"

// agentPackage is the agent's main package, relative to the module root.
const agentPackage = "./conformance/cmd/swarmagent"

// dockerfile: nothing but the static binary. No base image, so nothing is
// pulled.
const dockerfile = "FROM scratch\nCOPY swarmagent /swarmagent\nENTRYPOINT [\"/swarmagent\"]\n"

var built struct {
	mu  sync.Mutex
	tag string
}

// Image builds the agent (go build, CGO_ENABLED=0, from the module root)
// and its image once per run, and returns the image reference.
func Image(ctx context.Context, p *testcontainers.DockerProvider, log *wirelog.Log) (string, error) {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.tag != "" {
		return built.tag, nil
	}
	root, err := target.ModuleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "socketlab-swarmagent-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin, err := target.BuildGo(ctx, root, agentPackage, dir)
	if err != nil {
		return "", err
	}
	sum, err := fileHash(bin)
	if err != nil {
		return "", err
	}
	tag := sum[:16]
	ref := ImageRepo + ":" + tag
	if _, err := p.Client().ImageInspect(ctx, ref); err == nil {
		log.Notef("swarm: image %s already built", ref)
		built.tag = ref
		return ref, nil
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", err
	}
	var buildLog strings.Builder
	req := &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		Context: dir, Dockerfile: "Dockerfile", Repo: ImageRepo, Tag: tag, KeepImage: true,
		BuildLogWriter: &buildLog,
	}}
	if ref, err = p.BuildImage(ctx, req); err != nil {
		return "", fmt.Errorf("building %s: %w\n%s", ref, err, buildLog.String())
	}
	log.Notef("swarm: built image %s FROM scratch", ref)
	built.tag = ref
	return ref, nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
