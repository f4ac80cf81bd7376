package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// analysisSide is the side, in pixels, of the frames decoded for the flash
// analysis: every frame is scaled (area-averaged) to this square. The
// mean of a frame does not depend on its aspect ratio, so distorting it
// costs nothing.
const analysisSide = 64

// waitDelay bounds how long Wait waits for a killed tool's pipes.
const waitDelay = 2 * time.Second

// stderrTail is how much of a tool's standard error is kept for errors.
const stderrTail = 1024

// startError is a tool that could not be started (not installed, not
// executable).
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// command returns the command running tool (path, or name in PATH when
// path is ""), killed when the run's context is done. Arguments go to the
// tool as they are: no shell is involved.
func (r *run) command(path, name string, args ...string) (*exec.Cmd, error) {
	if path == "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return nil, &startError{err}
		}
		path = p
	}
	cmd := exec.CommandContext(r.ctx, path, args...)
	cmd.WaitDelay = waitDelay
	return cmd, nil
}

// output runs a tool to completion and returns up to limit bytes of its
// standard output (the rest is discarded; limit 0 discards it all), the
// end of its standard error, and its error.
func (r *run) output(path, name string, limit int, args ...string) ([]byte, string, error) {
	cmd, err := r.command(path, name, args...)
	if err != nil {
		return nil, "", err
	}
	stdout := &capBuffer{limit: limit}
	stderr := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return nil, "", &startError{err}
	}
	err = cmd.Wait()
	if err == nil && stdout.over {
		err = fmt.Errorf("%s wrote more than %d bytes", name, limit)
	}
	return stdout.buf.Bytes(), stderr.String(), err
}

// sensitivity decodes the video stream into small rgb24 frames, at most
// MaxAnalysisFPS per second, and assesses their luminance.
func (r *run) sensitivity(videoPath string, md Metadata) (Sensitivity, error) {
	rate := md.FPS
	if !(rate > 0) {
		rate = 25 // no frame rate known: sample at a common one
	}
	rate = min(rate, MaxAnalysisFPS)
	in, err := input(videoPath)
	if err != nil {
		return Sensitivity{}, wrapf(StageSensitivity, err, "cannot read the file")
	}
	cmd, err := r.command(r.p.FFmpeg, "ffmpeg",
		"-nostdin", "-hide_banner", "-v", "error",
		"-protocol_whitelist", "file", "-format_whitelist", r.formats(), "-i", in,
		"-map", fmt.Sprintf("0:%d", r.videoIndex),
		"-vf", fmt.Sprintf("fps=%s,scale=%d:%d:flags=area,format=rgb24",
			strconv.FormatFloat(rate, 'f', -1, 64), analysisSide, analysisSide),
		"-f", "rawvideo", "pipe:1")
	if err != nil {
		return Sensitivity{}, r.startFailed(err, "ffmpeg")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Sensitivity{}, wrapf(StageSensitivity, err, "cannot run ffmpeg")
	}
	stderr := &tailBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return Sensitivity{}, r.startFailed(&startError{err}, "ffmpeg")
	}
	var lum []float64
	frame := make([]byte, analysisSide*analysisSide*3)
	br := bufio.NewReaderSize(stdout, 64<<10)
	for {
		if _, err := io.ReadFull(br, frame); err != nil {
			break // end of the stream; a killed ffmpeg closes it too
		}
		lum = append(lum, FrameLuminance(frame))
	}
	err = cmd.Wait()
	if pe := r.toolError(err, "ffmpeg"); pe != nil {
		return Sensitivity{}, pe
	}
	if err != nil {
		return Sensitivity{}, failf(StageSensitivity, ErrCorrupt, stderr.String(), "corrupt file: the video does not decode")
	}
	if len(lum) == 0 {
		return Sensitivity{}, failf(StageSensitivity, ErrCorrupt, stderr.String(), "corrupt file: no frame of the video decodes")
	}
	return Assess(lum, rate), nil
}

// startFailed is the error of a tool that did not start.
func (r *run) startFailed(err error, name string) error {
	if pe := r.toolError(err, name); pe != nil {
		return pe
	}
	return wrapf(r.stage, err, "cannot run %s", name)
}

// capBuffer keeps the first limit bytes written to it and notes whether
// there were more. It never fails, so that the tool is never left blocked
// on a full pipe.
type capBuffer struct {
	buf   bytes.Buffer
	limit int
	over  bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	room := b.limit - b.buf.Len()
	if len(p) > room {
		b.over = b.over || b.limit > 0
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	b.buf.Write(p)
	return len(p), nil
}

// tailBuffer keeps the last stderrTail bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*stderrTail {
		t.b = append(t.b[:0], t.b[len(t.b)-stderrTail:]...)
	}
	return len(p), nil
}

// String is the kept text on one line, trimmed.
func (t *tailBuffer) String() string {
	b := t.b
	if len(b) > stderrTail {
		b = b[len(b)-stderrTail:]
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
}
