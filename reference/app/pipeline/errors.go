package pipeline

import (
	"errors"
	"fmt"
)

// Causes of a [ProcessingError], for errors.Is. A cancelled or timed-out
// run has context.Canceled or context.DeadlineExceeded as its cause, and a
// missing tool exec.ErrNotFound.
var (
	// ErrNotVideo: the input was read but is not a video this package
	// processes: no video stream, a still image, an audio file, a
	// container outside Processor.Formats, a codec ffmpeg cannot decode.
	ErrNotVideo = errors.New("not a video")
	// ErrCorrupt: the input could not be read or decoded: truncated,
	// damaged, random bytes, or a text file.
	ErrCorrupt = errors.New("corrupt file")
)

// ProcessingError is the error of [Processor.Run]: the stage that failed
// and why. Reason is a short human-readable sentence, fit for the
// `video:failed` event ("not a video: no video stream", "corrupt file:
// ffprobe could not read it"); Err is the cause, with ffmpeg's own
// message when there is one.
type ProcessingError struct {
	Stage  Stage
	Reason string
	Err    error
}

func (e *ProcessingError) Error() string {
	return fmt.Sprintf("pipeline: %s stage: %s", e.Stage, e.Reason)
}

// Unwrap returns the cause, so that errors.Is(err, ErrCorrupt),
// errors.Is(err, context.Canceled) and the like work.
func (e *ProcessingError) Unwrap() error { return e.Err }

// failf returns a *ProcessingError whose cause wraps kind (one of the
// sentinel errors, or nil) and ffmpeg's message detail (may be empty).
func failf(stage Stage, kind error, detail string, format string, args ...any) *ProcessingError {
	reason := fmt.Sprintf(format, args...)
	var cause error
	switch {
	case kind != nil && detail != "":
		cause = fmt.Errorf("%w: %s", kind, detail)
	case kind != nil:
		cause = kind
	case detail != "":
		cause = errors.New(detail)
	default:
		cause = errors.New(reason)
	}
	return &ProcessingError{Stage: stage, Reason: reason, Err: cause}
}

// wrapf returns a *ProcessingError whose cause is err itself (an
// *os.PathError, say).
func wrapf(stage Stage, err error, format string, args ...any) *ProcessingError {
	return &ProcessingError{Stage: stage, Reason: fmt.Sprintf(format, args...), Err: err}
}
