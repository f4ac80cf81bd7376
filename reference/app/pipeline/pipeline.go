package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"socketlab/reference/app"
)

// Metadata describes a video as ffprobe measures it (contract VID-5).
type Metadata struct {
	// Duration in seconds: the container's, else the video stream's.
	Duration float64 `json:"duration"`
	// Width and Height of the video stream, in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Codec is the video stream's ffprobe codec_name: "h264", "hevc", "vp9"…
	Codec string `json:"codec"`
	// FPS is the average frame rate (29.97 for "30000/1001").
	FPS float64 `json:"fps"`
	// BitRate over the whole file, bits per second.
	BitRate int64 `json:"bitRate"`
	// Size of the file in bytes.
	Size int64 `json:"size"`
	// HasAudio reports whether the file has an audio stream.
	HasAudio bool `json:"hasAudio"`
}

// Sensitivity is the photosensitive-flash verdict (contract VID-7).
type Sensitivity struct {
	// Status is StatusSafe or StatusFlagged.
	Status string `json:"status"`
	// MaxFlashesPerSecond is the most flashes in any 1-second window.
	MaxFlashesPerSecond int `json:"maxFlashesPerSecond"`
	// Method is always Method, "wcag-2.3.1-general-flash".
	Method string `json:"method"`
}

// Stage is a processing stage, named as in the `video:progress` event.
type Stage string

// The stages, in the order Run goes through them.
const (
	StageMetadata    Stage = app.StageMetadata
	StageThumbnail   Stage = app.StageThumbnail
	StageSensitivity Stage = app.StageSensitivity
)

// Stages lists the stages in order.
var Stages = []Stage{StageMetadata, StageThumbnail, StageSensitivity}

// Progress is the `progress` that announces the stage: 10, 40 or 70 (0 for
// an unknown stage), as app.StageProgress gives it.
func (s Stage) Progress() int {
	p, _ := app.StageProgress(string(s))
	return p
}

// Result is what Run produces.
type Result struct {
	Metadata Metadata
	// ThumbnailPath is the JPEG thumbnail, ThumbnailName in the work
	// directory.
	ThumbnailPath string
	Sensitivity   Sensitivity
}

// Defaults of Processor.
const (
	// DefaultTimeout bounds a whole Run when Processor.Timeout is zero.
	DefaultTimeout = 10 * time.Minute
	// ThumbnailName is the file name of the thumbnail in the work
	// directory.
	ThumbnailName = "thumbnail.jpg"
	// ThumbnailWidth is the width of the thumbnail in pixels.
	ThumbnailWidth = 320
	// ThumbnailAt is where the thumbnail frame is taken, as a fraction
	// of the duration.
	ThumbnailAt = 0.10
)

// DefaultFormats are the demuxers ffmpeg may use when Processor.Formats is
// nil: the usual video containers (MP4/MOV/3GP, Matroska/WebM, AVI, MPEG
// transport and program streams, FLV, Ogg, ASF/WMV, MXF, NUT, IVF) and
// MP3, WAV and FLAC, so that an audio file is reported as having no video
// stream. Playlists and other formats that refer to further files or
// URLs (HLS, concat, …), images and text formats are not among them.
var DefaultFormats = []string{
	"mov", "matroska", "avi", "mpegts", "mpeg", "flv", "ogg", "asf", "mxf", "nut", "ivf",
	"mp3", "wav", "flac",
}

// Processor runs the stages with ffprobe and ffmpeg. The zero value is
// ready to use; a Processor may run several videos at once.
type Processor struct {
	// FFmpeg and FFprobe are the paths of the tools; "" means "ffmpeg" and
	// "ffprobe" looked up in PATH.
	FFmpeg, FFprobe string
	// Timeout bounds a whole Run, all stages together; 0 means
	// DefaultTimeout. The tools are killed when it expires.
	Timeout time.Duration
	// Formats are the demuxers the tools may open the input with
	// (ffmpeg's -format_whitelist); nil means DefaultFormats. A file in
	// another format fails with ErrNotVideo.
	Formats []string
}

// Run processes the video file videoPath in three stages and writes its
// thumbnail into workDir (created if needed). Before each stage it calls
// progress (if not nil) with the stage and its percentage:
// (StageMetadata, 10), then (StageThumbnail, 40), then
// (StageSensitivity, 70), each at most once and in that order, on the
// calling goroutine; it should be quick, as the next stage waits for it.
// A failed Run has announced the stage that failed and the ones before
// it, and no later one (a Run whose ctx is done before it starts
// announces nothing).
//
// Errors are *ProcessingError, with the stage that failed: a corrupt or
// non-video input fails at StageMetadata with ErrCorrupt or ErrNotVideo as
// the cause. When ctx is done or the Timeout expires, the running tool is
// killed and Run returns promptly with context.Canceled or
// context.DeadlineExceeded as the cause. The thumbnail is left in
// workDir even when a later stage fails; removing the directory is the
// caller's business.
func (p *Processor) Run(ctx context.Context, videoPath, workDir string, progress func(stage Stage, percent int)) (*Result, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &run{p: p, ctx: ctx, parent: parent, timeout: timeout, stage: StageMetadata}

	var res Result
	stages := []struct {
		stage Stage
		do    func() error
	}{
		{StageMetadata, func() (err error) {
			res.Metadata, r.videoIndex, err = r.metadata(videoPath)
			return err
		}},
		{StageThumbnail, func() (err error) {
			res.ThumbnailPath, err = r.thumbnail(videoPath, workDir, res.Metadata)
			return err
		}},
		{StageSensitivity, func() (err error) {
			res.Sensitivity, err = r.sensitivity(videoPath, res.Metadata)
			return err
		}},
	}
	for _, s := range stages {
		if err := r.ctxErr(); err != nil {
			return nil, err // at the stage last announced
		}
		r.stage = s.stage
		if progress != nil {
			progress(s.stage, s.stage.Progress())
		}
		if err := s.do(); err != nil {
			if cerr := r.ctxErr(); cerr != nil {
				return nil, cerr
			}
			var pe *ProcessingError
			if !errors.As(err, &pe) {
				err = &ProcessingError{Stage: s.stage, Reason: err.Error(), Err: err}
			}
			return nil, err
		}
	}
	return &res, nil
}

// run is one Run in progress.
type run struct {
	p          *Processor
	ctx        context.Context
	parent     context.Context
	timeout    time.Duration
	stage      Stage
	videoIndex int
}

// ctxErr returns the *ProcessingError of a cancelled or timed-out run, or
// nil while it may go on.
func (r *run) ctxErr() error {
	err := r.ctx.Err()
	switch {
	case err == nil:
		return nil
	case r.parent.Err() != nil:
		err = r.parent.Err()
		if errors.Is(err, context.DeadlineExceeded) {
			return &ProcessingError{Stage: r.stage, Reason: "deadline exceeded", Err: err}
		}
		return &ProcessingError{Stage: r.stage, Reason: "canceled", Err: err}
	default:
		return &ProcessingError{Stage: r.stage, Reason: fmt.Sprintf("timed out after %v", r.timeout), Err: err}
	}
}

func (r *run) formats() string {
	f := r.p.Formats
	if f == nil {
		f = DefaultFormats
	}
	return strings.Join(f, ",")
}

// input returns the -i argument for path: an absolute path with the
// "file:" protocol, so that no file name is read as an option ("-x"), a
// protocol ("concat:…", "http://…") or a pattern.
func input(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return "file:" + abs, nil
}

// metadata runs ffprobe on the file and checks that the first frame of its
// video stream decodes.
func (r *run) metadata(videoPath string) (Metadata, int, error) {
	fi, err := os.Stat(videoPath)
	switch {
	case err != nil:
		return Metadata{}, 0, wrapf(StageMetadata, err, "cannot read the file")
	case !fi.Mode().IsRegular():
		return Metadata{}, 0, failf(StageMetadata, nil, "", "cannot read the file: not a regular file")
	case fi.Size() == 0:
		return Metadata{}, 0, failf(StageMetadata, ErrCorrupt, "", "corrupt file: it is empty")
	}
	in, err := input(videoPath)
	if err != nil {
		return Metadata{}, 0, wrapf(StageMetadata, err, "cannot read the file")
	}
	out, tail, err := r.output(r.p.FFprobe, "ffprobe", 1<<20,
		"-v", "error", "-protocol_whitelist", "file", "-format_whitelist", r.formats(),
		"-print_format", "json", "-show_format", "-show_streams", in)
	if err != nil {
		if pe := r.toolError(err, "ffprobe"); pe != nil {
			return Metadata{}, 0, pe
		}
		if strings.Contains(tail, "not on whitelist") {
			return Metadata{}, 0, failf(StageMetadata, ErrNotVideo, tail, "not a video: unsupported file format")
		}
		return Metadata{}, 0, failf(StageMetadata, ErrCorrupt, tail, "corrupt file: ffprobe could not read it")
	}
	pr, err := parseProbe(out)
	if err != nil {
		return Metadata{}, 0, err
	}
	pr.Size = fi.Size() // exactly the uploaded size
	if !pr.formatBitRate {
		pr.BitRate = 0
		pr.fillBitRate()
	}

	// ffprobe reads headers; make sure the video stream really decodes, so
	// that an undecodable file fails here rather than at a later stage.
	const side = 8
	frame, tail, err := r.output(r.p.FFmpeg, "ffmpeg", side*side,
		"-nostdin", "-hide_banner", "-v", "error",
		"-protocol_whitelist", "file", "-format_whitelist", r.formats(), "-i", in,
		"-map", fmt.Sprintf("0:%d", pr.videoIndex), "-frames:v", "1",
		"-vf", fmt.Sprintf("scale=%d:%d,format=gray", side, side), "-f", "rawvideo", "pipe:1")
	if pe := r.toolError(err, "ffmpeg"); pe != nil {
		return Metadata{}, 0, pe
	}
	if err != nil || len(frame) < side*side {
		return Metadata{}, 0, failf(StageMetadata, ErrCorrupt, tail, "corrupt file: its video stream does not decode")
	}
	return pr.Metadata, pr.videoIndex, nil
}

// thumbnail writes the JPEG thumbnail: the frame at ThumbnailAt of the
// duration (or the first frame, if there is none there), ThumbnailWidth
// pixels wide, the height keeping the aspect ratio, rounded to even.
func (r *run) thumbnail(videoPath, workDir string, md Metadata) (string, error) {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return "", wrapf(StageThumbnail, err, "cannot create the work directory")
	}
	dst, err := filepath.Abs(filepath.Join(workDir, ThumbnailName))
	if err != nil {
		return "", wrapf(StageThumbnail, err, "cannot create the work directory")
	}
	in, err := input(videoPath)
	if err != nil {
		return "", wrapf(StageThumbnail, err, "cannot read the file")
	}
	tmp := dst + ".tmp"
	defer os.Remove(tmp)
	var tail string
	for _, at := range []float64{md.Duration * ThumbnailAt, 0} {
		_ = os.Remove(tmp)
		_, tail, err = r.output(r.p.FFmpeg, "ffmpeg", 0,
			"-nostdin", "-hide_banner", "-v", "error",
			"-protocol_whitelist", "file", "-format_whitelist", r.formats(),
			"-ss", fmt.Sprintf("%.3f", at), "-i", in,
			"-map", fmt.Sprintf("0:%d", r.videoIndex), "-frames:v", "1",
			"-vf", fmt.Sprintf("scale=%d:-2", ThumbnailWidth), "-q:v", "4",
			"-c:v", "mjpeg", "-f", "mjpeg", "-y", "file:"+tmp)
		if pe := r.toolError(err, "ffmpeg"); pe != nil {
			return "", pe
		}
		if err == nil && isJPEG(tmp) {
			if err := os.Rename(tmp, dst); err != nil {
				return "", wrapf(StageThumbnail, err, "cannot write the thumbnail")
			}
			return dst, nil
		}
		if at == 0 {
			break
		}
	}
	return "", failf(StageThumbnail, ErrCorrupt, tail, "corrupt file: no frame could be decoded for the thumbnail")
}

// isJPEG reports whether the file starts like a JPEG (FF D8 FF).
func isJPEG(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [3]byte
	n, _ := f.Read(b[:])
	return n == 3 && b == [3]byte{0xFF, 0xD8, 0xFF}
}

// toolError returns the *ProcessingError of a run that was cancelled or
// timed out, or whose tool could not be started; nil otherwise (also for
// err == nil).
func (r *run) toolError(err error, name string) *ProcessingError {
	if err == nil {
		return nil
	}
	if cerr := r.ctxErr(); cerr != nil {
		return cerr.(*ProcessingError)
	}
	var se *startError
	if errors.As(err, &se) {
		return &ProcessingError{Stage: r.stage, Reason: name + " is not available", Err: se.err}
	}
	return nil
}
