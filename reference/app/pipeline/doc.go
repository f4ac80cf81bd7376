// Package pipeline is the video processing of socketlab's reference video
// app: a pure library, with no Socket.IO and no database, that the app
// server calls once per uploaded file and whose results it stores and
// emits (contract §6 and VID-5 to VID-7, docs/contract.md).
//
// [Processor.Run] takes a file through three stages, in this order, and
// announces each one before doing it, as the `video:progress` events do:
//
//	metadata     10   ffprobe: duration, size, codec, frame rate… (Metadata);
//	                  the first frame must decode
//	thumbnail    40   ffmpeg: a 320-pixel-wide JPEG of the frame at 10 % of
//	                  the duration
//	sensitivity  70   ffmpeg: photosensitive-flash analysis (Sensitivity)
//
//	p := &pipeline.Processor{Timeout: 2 * time.Minute}
//	res, err := p.Run(ctx, "/data/uploads/v1.mp4", "/data/work/v1",
//		func(stage pipeline.Stage, percent int) { /* store, then emit video:progress */ })
//	var pe *pipeline.ProcessingError
//	if errors.As(err, &pe) { /* store, then emit video:failed with pe.Reason */ }
//
// A corrupt or non-video file fails at the metadata stage with a
// *ProcessingError whose Reason says why ("corrupt file: ffprobe could not
// read it", "not a video: no video stream") and whose cause is ErrCorrupt
// or ErrNotVideo. Run kills the running tool and returns promptly when
// its context is done or the Processor's Timeout expires. The pool of
// workers, the storage and the events are the app server's business.
//
// # Handling untrusted files
//
// Every file is an upload, so the tools are run without a shell, with
// arguments only, and the input is always given as "file:" and an absolute
// path: a file name can be neither an option, nor a protocol
// ("concat:…", "http://…"), nor a pattern. The tools may read local files
// only (-protocol_whitelist file) and open the input only with the
// demuxers of Processor.Formats (-format_whitelist; DefaultFormats by
// default), which excludes playlists such as HLS, whose content can make
// ffmpeg read other files or URLs, as well as images and text formats
// (ffmpeg would happily read a JSON file as "tedcaptions" subtitles).
//
// # Flash analysis
//
// The sensitivity stage follows WCAG 2.x success criterion 2.3.1, "Three
// Flashes or Below Threshold", general flash threshold, as contract VID-7
// states it:
//
//  1. ffmpeg decodes every frame of the video stream, evenly decimated to
//     at most MaxAnalysisFPS (60) frames per second (its fps filter at
//     min(average frame rate, 60); 25 when the rate is unknown), scales it
//     to 64×64 pixels by area averaging and writes it as rgb24 to a pipe.
//     Each frame's relative luminance is the mean over its pixels of
//     Y = 0.2126 R + 0.7152 G + 0.0722 B of the linearized sRGB
//     components ([FrameLuminance]), from 0 (black) to 1 (white).
//  2. A transition is a change of Y of at least 0.1 (10 % of the maximum
//     relative luminance) between two successive opposite extremes of the
//     luminance sequence, the darker of which is below 0.80. The extremes
//     are the turning points of a zigzag with a threshold of 0.1: wiggles
//     smaller than 0.1 are not extremes ([Transitions]).
//  3. A flash is a pair of opposing transitions. maxFlashesPerSecond is
//     the largest ⌊transitions ÷ 2⌋ over all 1-second windows (a
//     transition is placed at the frame where it completes, and a window
//     of frames [s, s + fps) is slid over every start frame;
//     [MaxFlashesPerSecond]). The status is "flagged" when that exceeds
//     3, else "safe" ([Assess]).
//
// A steady picture gives 0; full-frame black/white alternation on every
// frame at 10 frames per second (10 transitions per second) gives 5 and
// "flagged"; the same alternation once a second gives 1 and "safe".
//
// Simplifications, compared with WCAG and tools such as PEAT or the
// Harding test:
//
//   - The luminance is averaged over the whole frame, not over every area
//     of 0.006 steradian (WCAG's "341 × 256 pixels at 1024 × 768", a
//     quarter of the central visual field): a flash on a small part of the
//     picture is diluted by the steady rest, so a small flashing region
//     can pass. (The contract also allows the worst of regions covering at
//     least 25 % of the frame; this package does not divide the frame.)
//   - The red flash threshold (saturated red transitions) is not tested.
//   - Frames are scaled down in sRGB before being linearized, which
//     slightly misestimates the mean of fine high-contrast detail; the
//     sRGB curve is IEC 61966-2-1's (threshold 0.04045; WCAG 2.x writes
//     0.03928, which makes no difference at 8 bits).
//   - Timing comes from the sampling rate, not from each frame's
//     timestamp: a variable-frame-rate video is resampled to a constant
//     rate by ffmpeg first.
//   - Colours are converted to RGB by ffmpeg with the stream's tagged
//     matrix (BT.601 when untagged); no display or viewing-distance model
//     is applied.
package pipeline
