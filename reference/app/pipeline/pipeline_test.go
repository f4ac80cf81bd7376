package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app/apptest"
)

// requireMetadata compares md with what fixtures.json says of the fixture,
// with the contract's tolerances (VID-5).
func requireMetadata(t *testing.T, want, md Metadata) {
	t.Helper()
	assert.InDelta(t, want.Duration, md.Duration, 0.1, "duration")
	assert.Equal(t, want.Width, md.Width, "width")
	assert.Equal(t, want.Height, md.Height, "height")
	assert.Equal(t, want.Codec, md.Codec, "codec")
	assert.InDelta(t, want.FPS, md.FPS, 0.01, "fps")
	assert.Equal(t, want.Size, md.Size, "size")
	assert.Equal(t, want.HasAudio, md.HasAudio, "hasAudio")
	assert.Positive(t, md.BitRate, "bitRate")
}

// requireThumbnail checks the thumbnail of a Run in workDir: a JPEG, 320
// pixels wide, with the video's aspect ratio (height rounded to even).
func requireThumbnail(t *testing.T, path, workDir string, md Metadata) {
	t.Helper()
	absDir, err := filepath.Abs(workDir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(absDir, ThumbnailName), path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}), "JPEG magic bytes, got % x", data[:min(len(data), 3)])
	img, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	wantH := 2 * ((ThumbnailWidth*md.Height/md.Width + 1) / 2)
	assert.Equal(t, ThumbnailWidth, img.Bounds().Dx(), "thumbnail width")
	assert.Equal(t, wantH, img.Bounds().Dy(), "thumbnail height")
	entries, err := os.ReadDir(workDir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the thumbnail is left in the work directory")
}

func TestRunCalm(t *testing.T) {
	apptest.RequireFFmpeg(t)
	t.Parallel()
	var log progressLog
	work := t.TempDir()
	res, err := (&Processor{}).Run(context.Background(), fixture("calm.mp4"), work, log.record)
	require.NoError(t, err)
	require.Equal(t, allStages, log.get(), "progress: metadata 10, thumbnail 40, sensitivity 70, in order")

	want := fixtureFacts(t, "calm.mp4")
	requireMetadata(t, want, res.Metadata)
	assert.True(t, res.Metadata.HasAudio)
	requireThumbnail(t, res.ThumbnailPath, work, res.Metadata)
	assert.Equal(t, Sensitivity{Status: StatusSafe, MaxFlashesPerSecond: 0, Method: Method}, res.Sensitivity)
}

func TestRunFlashing(t *testing.T) {
	apptest.RequireFFmpeg(t)
	t.Parallel()
	var log progressLog
	work := t.TempDir()
	res, err := (&Processor{}).Run(context.Background(), fixture("flashing.mp4"), work, log.record)
	require.NoError(t, err)
	require.Equal(t, allStages, log.get())

	requireMetadata(t, fixtureFacts(t, "flashing.mp4"), res.Metadata)
	assert.False(t, res.Metadata.HasAudio)
	requireThumbnail(t, res.ThumbnailPath, work, res.Metadata)
	assert.Equal(t, StatusFlagged, res.Sensitivity.Status)
	assert.Greater(t, res.Sensitivity.MaxFlashesPerSecond, MaxSafeFlashes)
	// 10 black/white changes per second: 5 flashes (contract VID-7: 4 to 6).
	assert.Equal(t, 5, res.Sensitivity.MaxFlashesPerSecond)
	assert.Equal(t, Method, res.Sensitivity.Method)
}

// TestResultJSON: the members have the contract's names (VID-5, VID-7).
func TestResultJSON(t *testing.T) {
	md, err := json.Marshal(Metadata{Duration: 2, Width: 320, Height: 240, Codec: "h264", FPS: 25, BitRate: 412880, Size: 103220, HasAudio: true})
	require.NoError(t, err)
	assert.JSONEq(t, `{"duration":2,"width":320,"height":240,"codec":"h264","fps":25,"bitRate":412880,"size":103220,"hasAudio":true}`, string(md))
	s, err := json.Marshal(Assess(nil, 25))
	require.NoError(t, err)
	assert.JSONEq(t, `{"status":"safe","maxFlashesPerSecond":0,"method":"wcag-2.3.1-general-flash"}`, string(s))
	for _, st := range Stages {
		assert.Positive(t, st.Progress())
	}
	assert.Zero(t, Stage("other").Progress())
}

// TestRunRejects: a corrupt or non-video file fails at the metadata stage,
// which is the only stage announced, with a clear reason and cause.
func TestRunRejects(t *testing.T) {
	apptest.RequireFFmpeg(t)
	empty := filepath.Join(t.TempDir(), "empty.mp4")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	tests := []struct {
		file   string
		cause  error
		reason string
	}{
		{fixture("corrupt.mp4"), ErrCorrupt, "corrupt file: ffprobe could not read it"},
		{fixture("noise.mp4"), ErrCorrupt, "corrupt file: ffprobe could not read it"},
		{fixture("notvideo.txt"), ErrCorrupt, "corrupt file: ffprobe could not read it"},
		{empty, ErrCorrupt, "corrupt file: it is empty"},
		{fixture("audio.m4a"), ErrNotVideo, "not a video: no video stream"},
		{fixture("still.png"), ErrNotVideo, "not a video: unsupported file format"},
		{fixture("fixtures.json"), ErrNotVideo, "not a video: unsupported file format"},
		{fixture("missing.mp4"), fs.ErrNotExist, "cannot read the file"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			t.Parallel()
			var log progressLog
			work := filepath.Join(t.TempDir(), "work")
			res, err := (&Processor{}).Run(context.Background(), tt.file, work, log.record)
			require.Nil(t, res)
			var pe *ProcessingError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, StageMetadata, pe.Stage)
			assert.Equal(t, tt.reason, pe.Reason)
			assert.ErrorIs(t, err, tt.cause)
			assert.Equal(t, "pipeline: metadata stage: "+tt.reason, err.Error())
			assert.Equal(t, []progressCall{{StageMetadata, 10}}, log.get(), "only the metadata stage is announced")
			assert.NoDirExists(t, work, "nothing is written for a rejected file")
		})
	}
}

// TestRunFormats: a container outside Processor.Formats is not opened.
func TestRunFormats(t *testing.T) {
	apptest.RequireFFmpeg(t)
	t.Parallel()
	_, err := (&Processor{Formats: []string{"matroska"}}).Run(context.Background(), fixture("calm.mp4"), t.TempDir(), nil)
	var pe *ProcessingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, StageMetadata, pe.Stage)
	assert.ErrorIs(t, err, ErrNotVideo)
	assert.Contains(t, pe.Err.Error(), "whitelist")
}

// TestRunMissingTool: without the tool, the stage fails and says so.
func TestRunMissingTool(t *testing.T) {
	t.Parallel()
	var log progressLog
	p := &Processor{FFprobe: filepath.Join(t.TempDir(), "no-ffprobe"), FFmpeg: filepath.Join(t.TempDir(), "no-ffmpeg")}
	_, err := p.Run(context.Background(), fixture("calm.mp4"), t.TempDir(), log.record)
	var pe *ProcessingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, StageMetadata, pe.Stage)
	assert.Equal(t, "ffprobe is not available", pe.Reason)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, []progressCall{{StageMetadata, 10}}, log.get())
}

// TestRunCanceledBefore: a Run whose context is already done starts no
// stage and announces none.
func TestRunCanceledBefore(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var log progressLog
	_, err := (&Processor{}).Run(ctx, fixture("calm.mp4"), t.TempDir(), log.record)
	var pe *ProcessingError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "canceled", pe.Reason)
	assert.Empty(t, log.get())
}

// TestRunConcurrent: one Processor runs several videos at once (run with
// -race).
func TestRunConcurrent(t *testing.T) {
	apptest.RequireFFmpeg(t)
	t.Parallel()
	p := &Processor{}
	files := []string{"calm.mp4", "flashing.mp4", "calm.mp4", "corrupt.mp4"}
	errs := make([]error, len(files))
	results := make([]*Result, len(files))
	done := make(chan int)
	for i, f := range files {
		work := t.TempDir()
		go func() {
			results[i], errs[i] = p.Run(context.Background(), fixture(f), work, nil)
			done <- i
		}()
	}
	for range files {
		<-done
	}
	for i, f := range files {
		if f == "corrupt.mp4" {
			assert.ErrorIs(t, errs[i], ErrCorrupt)
			continue
		}
		require.NoError(t, errs[i], f)
		requireMetadata(t, fixtureFacts(t, f), results[i].Metadata)
	}
	assert.Equal(t, StatusSafe, results[0].Sensitivity.Status)
	assert.Equal(t, StatusFlagged, results[1].Sensitivity.Status)
	assert.Equal(t, results[0].Sensitivity, results[2].Sensitivity)
	assert.NotEqual(t, results[0].ThumbnailPath, results[2].ThumbnailPath)
}

func TestProcessingErrorUnwrap(t *testing.T) {
	err := error(failf(StageThumbnail, ErrCorrupt, "ffmpeg said no", "corrupt file: x"))
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.NotErrorIs(t, err, ErrNotVideo)
	assert.Equal(t, "pipeline: thumbnail stage: corrupt file: x", err.Error())
	assert.Contains(t, errors.Unwrap(err).Error(), "ffmpeg said no")
	assert.Equal(t, "plain", failf(StageMetadata, nil, "", "plain").Err.Error())
}

// TestRunOddFileNames: file names reach the tools as names, never as
// options, protocols or patterns.
func TestRunOddFileNames(t *testing.T) {
	apptest.RequireFFmpeg(t)
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "-y concat:a|b %d")
	require.NoError(t, os.Mkdir(dir, 0o755))
	data, err := os.ReadFile(fixture("calm.mp4"))
	require.NoError(t, err)
	video := filepath.Join(dir, "-i http:x %03d 'é'.mp4")
	require.NoError(t, os.WriteFile(video, data, 0o600))
	work := filepath.Join(dir, "-work %d")
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, video) // a relative path, starting with ".." here
	require.NoError(t, err)
	res, err := (&Processor{}).Run(context.Background(), rel, work, nil)
	require.NoError(t, err)
	requireMetadata(t, fixtureFacts(t, "calm.mp4"), res.Metadata)
	requireThumbnail(t, res.ThumbnailPath, work, res.Metadata)
}
