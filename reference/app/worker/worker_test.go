package worker_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/apptest"
	"socketlab/reference/app/pipeline"
	"socketlab/reference/app/sqlite"
	"socketlab/reference/app/worker"
)

// --- fakes ---

type dirStorage struct{ dir string }

func (s dirStorage) VideoPath(id string) string     { return filepath.Join(s.dir, "uploads", id) }
func (s dirStorage) WorkDir(id string) string       { return filepath.Join(s.dir, "work", id) }
func (s dirStorage) ThumbnailPath(id string) string { return filepath.Join(s.dir, "thumbs", id+".jpg") }

type event struct {
	Kind   string     // progress, processed, failed
	Sent   app.Video  // what the event carried
	Stored *app.Video // what the store held when it was emitted
}

// recorder records every event with the stored state at that moment.
type recorder struct {
	videos app.VideoService
	mu     sync.Mutex
	events map[string][]event
	done   chan string // terminal events' ids
}

func newRecorder(videos app.VideoService) *recorder {
	return &recorder{videos: videos, events: map[string][]event{}, done: make(chan string, 100)}
}

func (r *recorder) add(kind string, v *app.Video) {
	stored, _ := r.videos.FindVideo(context.Background(), v.OrganizationID, v.ID)
	r.mu.Lock()
	r.events[v.ID] = append(r.events[v.ID], event{Kind: kind, Sent: *v, Stored: stored})
	r.mu.Unlock()
	if kind != "progress" {
		r.done <- v.ID
	}
}

func (r *recorder) VideoProgress(v *app.Video)  { r.add("progress", v) }
func (r *recorder) VideoProcessed(v *app.Video) { r.add("processed", v) }
func (r *recorder) VideoFailed(v *app.Video)    { r.add("failed", v) }
func (r *recorder) Announce(app.Announcement)   {}

func (r *recorder) of(id string) []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events[id]...)
}

func (r *recorder) wait(t *testing.T, ids ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	timeout := time.After(30 * time.Second)
	for len(want) > 0 {
		select {
		case id := <-r.done:
			delete(want, id)
		case <-timeout:
			t.Fatalf("no terminal event for %v", want)
		}
	}
}

// fakeProcessor announces the stages and returns Result or Err. Err at a
// stage stops after announcing it.
type fakeProcessor struct {
	FailAt  pipeline.Stage // "" = succeed
	Reason  string
	Delay   time.Duration  // per stage
	Block   pipeline.Stage // block after announcing this stage until ctx is done
	Blocked chan struct{}  // closed when blocking
	Gate    chan struct{}  // if set, a Block ends when it is closed too

	running, maxRunning atomic.Int32
	mu                  sync.Mutex
	runs                map[string]int
}

func (f *fakeProcessor) Run(ctx context.Context, videoPath, workDir string, progress func(pipeline.Stage, int)) (*pipeline.Result, error) {
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.maxRunning.Load()
		if n <= m || f.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	f.mu.Lock()
	if f.runs == nil {
		f.runs = map[string]int{}
	}
	f.runs[filepath.Base(videoPath)]++
	f.mu.Unlock()

	for _, s := range pipeline.Stages {
		if err := ctx.Err(); err != nil {
			return nil, &pipeline.ProcessingError{Stage: s, Reason: "cancelled", Err: err}
		}
		progress(s, s.Progress())
		if f.Delay > 0 {
			time.Sleep(f.Delay)
		}
		if s == f.Block {
			close(f.Blocked)
			select {
			case <-ctx.Done():
				return nil, &pipeline.ProcessingError{Stage: s, Reason: "cancelled", Err: ctx.Err()}
			case <-f.Gate:
			}
		}
		if s == f.FailAt {
			return nil, &pipeline.ProcessingError{Stage: s, Reason: f.Reason, Err: pipeline.ErrNotVideo}
		}
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	thumb := filepath.Join(workDir, pipeline.ThumbnailName)
	if err := os.WriteFile(thumb, []byte("\xff\xd8\xff jpeg"), 0o644); err != nil {
		return nil, err
	}
	return &pipeline.Result{
		Metadata:      pipeline.Metadata{Duration: 2, Width: 320, Height: 240, Codec: "h264", FPS: 25, BitRate: 1000, Size: 250, HasAudio: true},
		ThumbnailPath: thumb,
		Sensitivity:   pipeline.Sensitivity{Status: "safe", MaxFlashesPerSecond: 0, Method: "wcag-2.3.1-general-flash"},
	}, nil
}

func (f *fakeProcessor) runsOf(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[id]
}

// --- helpers ---

type env struct {
	dir     string
	db      *sqlite.DB
	videos  *sqlite.VideoService
	events  *recorder
	storage dirStorage
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "db.sqlite"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	videos := sqlite.NewVideoService(db)
	return &env{dir: dir, db: db, videos: videos, events: newRecorder(videos), storage: dirStorage{dir}}
}

func (e *env) pool(t *testing.T, proc worker.Processor, workers int) *worker.Pool {
	t.Helper()
	p := worker.New(worker.Config{
		Videos: e.videos, Events: e.events, Storage: e.storage, Processor: proc, Workers: workers,
	})
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func (e *env) create(t *testing.T, title string) *app.Video {
	t.Helper()
	v := &app.Video{Title: title, OrganizationID: "acme", UploadedBy: "alice"}
	require.NoError(t, e.videos.CreateVideo(context.Background(), v))
	require.NoError(t, os.MkdirAll(filepath.Dir(e.storage.VideoPath(v.ID)), 0o755))
	require.NoError(t, os.WriteFile(e.storage.VideoPath(v.ID), []byte("video"), 0o644))
	return v
}

func (e *env) stored(t *testing.T, id string) *app.Video {
	t.Helper()
	v, err := e.videos.FindVideo(context.Background(), "acme", id)
	require.NoError(t, err)
	return v
}

// checkConsistent: each event carried exactly the stored state.
func checkConsistent(t *testing.T, evs []event) {
	t.Helper()
	for i, ev := range evs {
		require.NotNil(t, ev.Stored, "event %d", i)
		sent, err := json.Marshal(ev.Sent)
		require.NoError(t, err)
		stored, err := json.Marshal(ev.Stored)
		require.NoError(t, err)
		assert.JSONEq(t, string(stored), string(sent), "event %d (%s)", i, ev.Kind)
	}
}

func kinds(evs []event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

type step struct {
	status   app.VideoStatus
	progress int
	stage    string
}

func steps(evs []event) []step {
	var out []step
	for _, ev := range evs {
		out = append(out, step{ev.Sent.Status, ev.Sent.Progress, ev.Sent.Stage})
	}
	return out
}

// --- tests ---

func TestProcessed(t *testing.T) {
	e := newEnv(t)
	p := e.pool(t, &fakeProcessor{}, 1)
	p.Start(context.Background())
	v := e.create(t, "a.mp4")
	require.NoError(t, p.Enqueue(context.Background(), v.ID))
	e.events.wait(t, v.ID)
	require.NoError(t, p.Close())

	evs := e.events.of(v.ID)
	assert.Equal(t, []step{
		{app.VideoProcessing, 10, "metadata"},
		{app.VideoProcessing, 40, "thumbnail"},
		{app.VideoProcessing, 70, "sensitivity"},
		{app.VideoCompleted, 100, ""},
	}, steps(evs))
	checkConsistent(t, evs)

	got := e.stored(t, v.ID)
	assert.Equal(t, "/api/videos/"+v.ID+"/thumbnail", got.Thumbnail)
	assert.JSONEq(t, `{"duration":2,"width":320,"height":240,"codec":"h264","fps":25,"bitRate":1000,"size":250,"hasAudio":true}`, string(got.Metadata))
	assert.JSONEq(t, `{"status":"safe","maxFlashesPerSecond":0,"method":"wcag-2.3.1-general-flash"}`, string(got.Sensitivity))
	assert.Empty(t, got.Error)
	assert.FileExists(t, e.storage.ThumbnailPath(v.ID))
}

func TestFailed(t *testing.T) {
	e := newEnv(t)
	p := e.pool(t, &fakeProcessor{FailAt: pipeline.StageMetadata, Reason: "not a video: no video stream"}, 1)
	p.Start(context.Background())
	v := e.create(t, "noise.mp4")
	require.NoError(t, p.Enqueue(context.Background(), v.ID))
	e.events.wait(t, v.ID)
	// A duplicate enqueue of a terminal video does nothing.
	require.NoError(t, p.Enqueue(context.Background(), v.ID))
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, p.Close())

	evs := e.events.of(v.ID)
	assert.Equal(t, []string{"progress", "failed"}, kinds(evs))
	checkConsistent(t, evs)
	got := e.stored(t, v.ID)
	assert.Equal(t, app.VideoFailed, got.Status)
	assert.Equal(t, 10, got.Progress)
	assert.Equal(t, "metadata", got.Stage)
	assert.Equal(t, "not a video: no video stream", got.Error)
	assert.Nil(t, got.Metadata)
}

func TestFailedLaterStage(t *testing.T) {
	e := newEnv(t)
	p := e.pool(t, &fakeProcessor{FailAt: pipeline.StageSensitivity, Reason: "sensitivity analysis failed"}, 1)
	p.Start(context.Background())
	v := e.create(t, "a.mp4")
	require.NoError(t, p.Enqueue(context.Background(), v.ID))
	e.events.wait(t, v.ID)
	require.NoError(t, p.Close())
	evs := e.events.of(v.ID)
	assert.Equal(t, []string{"progress", "progress", "progress", "failed"}, kinds(evs))
	checkConsistent(t, evs)
	assert.Equal(t, step{app.VideoFailed, 70, "sensitivity"}, steps(evs)[3])
}

// A video that turns terminal elsewhere mid-run gets nothing more.
func TestTerminalElsewhere(t *testing.T) {
	e := newEnv(t)
	proc := &fakeProcessor{Block: pipeline.StageMetadata, Blocked: make(chan struct{}), Gate: make(chan struct{})}
	p := e.pool(t, proc, 1)
	v := e.create(t, "a.mp4")
	require.NoError(t, p.Enqueue(context.Background(), v.ID))
	p.Start(context.Background())
	<-proc.Blocked
	require.NoError(t, e.videos.Fail(context.Background(), v.ID, "gone"))
	close(proc.Gate) // the processor goes on to the thumbnail stage
	require.Eventually(t, func() bool { return proc.running.Load() == 0 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, p.Close())
	assert.Equal(t, []string{"progress"}, kinds(e.events.of(v.ID)))
	assert.Equal(t, "gone", e.stored(t, v.ID).Error)
}

func TestDedupe(t *testing.T) {
	e := newEnv(t)
	proc := &fakeProcessor{Delay: 20 * time.Millisecond}
	p := e.pool(t, proc, 2)
	v := e.create(t, "a.mp4")
	for range 3 {
		require.NoError(t, p.Enqueue(context.Background(), v.ID))
	}
	p.Start(context.Background())
	e.events.wait(t, v.ID)
	require.NoError(t, p.Close())
	assert.Equal(t, 1, proc.runsOf(v.ID))
	assert.Equal(t, []string{"progress", "progress", "progress", "processed"}, kinds(e.events.of(v.ID)))
}

func TestBoundedConcurrency(t *testing.T) {
	e := newEnv(t)
	proc := &fakeProcessor{Delay: 30 * time.Millisecond}
	p := e.pool(t, proc, 2)
	p.Start(context.Background())
	var ids []string
	for range 6 {
		v := e.create(t, "a.mp4")
		ids = append(ids, v.ID)
		require.NoError(t, p.Enqueue(context.Background(), v.ID))
	}
	e.events.wait(t, ids...)
	require.NoError(t, p.Close())
	assert.Equal(t, int32(2), proc.maxRunning.Load())
	for _, id := range ids {
		evs := e.events.of(id)
		assert.Equal(t, []string{"progress", "progress", "progress", "processed"}, kinds(evs))
		checkConsistent(t, evs)
	}
}

func TestEnqueueFull(t *testing.T) {
	e := newEnv(t)
	p := worker.New(worker.Config{Videos: e.videos, Events: e.events, Storage: e.storage, Processor: &fakeProcessor{}, QueueSize: 2})
	ctx := context.Background()
	require.NoError(t, p.Enqueue(ctx, "v1"))
	require.NoError(t, p.Enqueue(ctx, "v2"))
	require.NoError(t, p.Enqueue(ctx, "v1"), "duplicate of a queued id")
	assert.ErrorIs(t, p.Enqueue(ctx, "v3"), worker.ErrQueueFull)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, p.Enqueue(cctx, "v4"), context.Canceled)

	require.NoError(t, p.Close())
	assert.ErrorIs(t, p.Enqueue(ctx, "v5"), worker.ErrClosed)
}

func TestRestart(t *testing.T) {
	e := newEnv(t)
	blocking := &fakeProcessor{Block: pipeline.StageThumbnail, Blocked: make(chan struct{})}
	p1 := e.pool(t, blocking, 1)
	p1.Start(context.Background())
	v := e.create(t, "a.mp4")
	waiting := e.create(t, "b.mp4") // queued behind, never started
	require.NoError(t, p1.Enqueue(context.Background(), v.ID))
	require.NoError(t, p1.Enqueue(context.Background(), waiting.ID))
	select {
	case <-blocking.Blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("processor never blocked")
	}
	done := make(chan struct{})
	go func() { _ = p1.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	got := e.stored(t, v.ID)
	assert.Equal(t, step{app.VideoProcessing, 40, "thumbnail"}, step{got.Status, got.Progress, got.Stage})
	assert.Equal(t, app.VideoProcessing, e.stored(t, waiting.ID).Status)
	assert.Equal(t, []string{"progress", "progress"}, kinds(e.events.of(v.ID)))

	// A new pool on the same database resumes both.
	p2 := e.pool(t, &fakeProcessor{}, 2)
	p2.Start(context.Background())
	require.NoError(t, p2.Resume(context.Background()))
	e.events.wait(t, v.ID, waiting.ID)
	require.NoError(t, p2.Close())

	evs := e.events.of(v.ID)
	assert.Equal(t, []step{
		{app.VideoProcessing, 10, "metadata"},
		{app.VideoProcessing, 40, "thumbnail"},
		{app.VideoProcessing, 70, "sensitivity"},
		{app.VideoCompleted, 100, ""},
	}, steps(evs), "no stage announced twice")
	checkConsistent(t, evs)
	assert.Equal(t, []string{"progress", "progress", "progress", "processed"}, kinds(e.events.of(waiting.ID)))
	assert.Equal(t, app.VideoCompleted, e.stored(t, v.ID).Status)
}

func TestEndToEnd(t *testing.T) {
	apptest.RequireFFmpeg(t)
	e := newEnv(t)
	p := e.pool(t, &pipeline.Processor{Timeout: time.Minute}, 2)
	p.Start(context.Background())
	v := e.create(t, "calm.mp4")
	data, err := os.ReadFile("../testdata/calm.mp4")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(e.storage.VideoPath(v.ID), data, 0o644))
	require.NoError(t, p.Enqueue(context.Background(), v.ID))
	e.events.wait(t, v.ID)
	require.NoError(t, p.Close())

	evs := e.events.of(v.ID)
	require.Equal(t, []string{"progress", "progress", "progress", "processed"}, kinds(evs))
	checkConsistent(t, evs)
	got := e.stored(t, v.ID)
	require.Equal(t, app.VideoCompleted, got.Status)
	var md struct {
		Width, Height int
		Size          int64
	}
	require.NoError(t, json.Unmarshal(got.Metadata, &md))
	assert.Equal(t, 160, md.Width)
	assert.Equal(t, 120, md.Height)
	assert.Equal(t, int64(len(data)), md.Size)
	assert.FileExists(t, e.storage.ThumbnailPath(v.ID))
	var sens pipeline.Sensitivity
	require.NoError(t, json.Unmarshal(got.Sensitivity, &sens))
	assert.Equal(t, "safe", sens.Status)
}
