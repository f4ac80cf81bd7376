// Package worker is the processing pool of socketlab's reference video
// app: it implements app.Queue, runs every enqueued video through the
// pipeline and, for each step, stores the new state first and then emits
// the matching event (docs/contract.md §6, §7 and VID-2/VID-3).
//
// Per video the events are video:progress (10, metadata), (40, thumbnail),
// (70, sensitivity), then exactly one of video:processed or video:failed,
// and nothing after it: every event is sent only after the store accepted
// the state change it announces, so a state change the store refuses
// (ErrConflict: the video is already terminal, or a duplicate job) is
// never announced.
//
// # Finding a video by id
//
// app.Queue.Enqueue carries only the video id, and app.VideoService has no
// lookup without the organization id. A job therefore finds its video by
// scanning VideoService.ListProcessing for the id. A video that is not
// processing any more (or does not exist) is skipped silently.
// The organization id found at the start of the job is then used with
// FindVideo to re-read the stored state before every event.
//
// # Restart
//
// Close cancels the running jobs (which kills ffmpeg) without storing
// anything for them, so an interrupted video stays processing in the store;
// [Pool.Resume] at the next startup enqueues every such video again. A
// resumed job skips, silently, the stages whose progress the store already
// has (their events were sent by the previous run), so progress keeps
// strictly increasing (PROG-2).
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"socketlab/reference/app"
	"socketlab/reference/app/pipeline"
)

// Errors of Enqueue and Resume.
var (
	// ErrQueueFull: the bounded queue has no room for the video.
	ErrQueueFull = errors.New("worker: queue full")
	// ErrClosed: the pool has been closed.
	ErrClosed = errors.New("worker: pool closed")
)

// Processor runs one video through the stages; *pipeline.Processor
// implements it.
type Processor interface {
	Run(ctx context.Context, videoPath, workDir string, progress func(stage pipeline.Stage, percent int)) (*pipeline.Result, error)
}

// Config configures a Pool. Videos, Events, Storage and Processor are
// required.
type Config struct {
	Videos    app.VideoService
	Events    app.Events
	Storage   app.Storage
	Processor Processor
	// Workers is how many videos are processed at once (default 2).
	Workers int
	// QueueSize bounds the videos waiting for a worker (default 1024).
	QueueSize int
	// ThumbnailURL is the `thumbnail` stored and sent for a completed
	// video (default "/api/videos/<id>/thumbnail", contract VID-6).
	ThumbnailURL func(videoID string) string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultWorkers   = 2
	DefaultQueueSize = 1024
)

// DefaultThumbnailURL is the contract's thumbnail URL of a video.
func DefaultThumbnailURL(videoID string) string { return "/api/videos/" + videoID + "/thumbnail" }

// Pool is a bounded queue of videos and the workers that process them. It
// implements app.Queue. Create it with New, then Start, then Resume.
type Pool struct {
	cfg  Config
	log  *slog.Logger
	jobs chan string

	mu      sync.Mutex
	pending map[string]bool // queued or running ids
	started bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup
}

var _ app.Queue = (*Pool)(nil)

// New returns a pool that is not started yet: Enqueue already queues.
func New(cfg Config) *Pool {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.ThumbnailURL == nil {
		cfg.ThumbnailURL = DefaultThumbnailURL
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Pool{
		cfg:     cfg,
		log:     log.With("component", "worker"),
		jobs:    make(chan string, cfg.QueueSize),
		pending: make(map[string]bool),
		done:    make(chan struct{}),
	}
}

// Start launches the workers. Their jobs run under a context derived from
// ctx; cancelling ctx stops them like Close does. Start after Close, or a
// second Start, does nothing.
func (p *Pool) Start(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		return
	}
	p.started = true
	ctx, p.cancel = context.WithCancel(ctx)
	for range p.cfg.Workers {
		p.wg.Add(1)
		go p.work(ctx)
	}
}

// Close stops the pool: it cancels the running jobs (their tools are
// killed), waits for the workers to return and drops the queued videos.
// Interrupted and dropped videos stay processing in the store, for Resume
// to pick up at the next start. Enqueue fails with ErrClosed afterwards.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return nil
	}
	p.closed = true
	close(p.done)
	if p.cancel != nil {
		p.cancel()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// Enqueue implements app.Queue. It never blocks: it returns ErrQueueFull
// when the queue is full, ErrClosed after Close and ctx's error when ctx is
// done. A video already queued or being processed is not queued twice.
func (p *Pool) Enqueue(ctx context.Context, videoID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.pending[videoID] {
		return nil
	}
	select {
	case p.jobs <- videoID:
		p.pending[videoID] = true
		return nil
	default:
		return fmt.Errorf("%w (%d videos waiting)", ErrQueueFull, cap(p.jobs))
	}
}

// Resume enqueues every video still processing in the store, oldest first:
// the work a previous run left. Call it after Start. Unlike Enqueue it
// waits for room in the queue, until ctx is done or the pool is closed.
func (p *Pool) Resume(ctx context.Context) error {
	videos, err := p.cfg.Videos.ListProcessing(ctx)
	if err != nil {
		return fmt.Errorf("worker: resume: %w", err)
	}
	for _, v := range videos {
		if err := p.enqueueWait(ctx, v.ID); err != nil {
			return fmt.Errorf("worker: resume %q: %w", v.ID, err)
		}
	}
	if len(videos) > 0 {
		p.log.Info("resumed processing", "videos", len(videos))
	}
	return nil
}

// enqueueWait queues id, waiting for room.
func (p *Pool) enqueueWait(ctx context.Context, id string) error {
	for {
		err := p.Enqueue(ctx, id)
		if !errors.Is(err, ErrQueueFull) {
			return err
		}
		// The queue does not signal room; Resume is rare enough to poll.
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-p.done:
			t.Stop()
			return ErrClosed
		case <-t.C:
		}
	}
}

func (p *Pool) work(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-p.jobs:
			if ctx.Err() != nil {
				return
			}
			p.process(ctx, id)
			p.mu.Lock()
			delete(p.pending, id)
			p.mu.Unlock()
		}
	}
}

// find returns the processing video id, or nil when it is not processing
// (terminal or unknown).
func (p *Pool) find(ctx context.Context, id string) (*app.Video, error) {
	videos, err := p.cfg.Videos.ListProcessing(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range videos {
		if v.ID == id {
			return v, nil
		}
	}
	return nil, nil
}

// process runs one video: store, then emit, at every step.
func (p *Pool) process(ctx context.Context, id string) {
	log := p.log.With("video", id)
	v, err := p.find(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("find video", "err", err)
		}
		return
	}
	if v == nil {
		log.Debug("video not processing, skipped")
		return
	}
	org, startProgress := v.OrganizationID, v.Progress

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var abort error // set by the progress callback when it stops the run
	progress := func(stage pipeline.Stage, percent int) {
		if abort != nil || percent <= startProgress {
			return // already stored and announced by an earlier run
		}
		err := p.cfg.Videos.UpdateProgress(runCtx, id, string(stage), percent)
		if err != nil {
			abort = err
			cancelRun()
			return
		}
		if nv := p.reread(runCtx, log, org, id); nv != nil {
			p.cfg.Events.VideoProgress(nv)
		}
	}

	res, err := p.cfg.Processor.Run(runCtx, p.cfg.Storage.VideoPath(id), p.cfg.Storage.WorkDir(id), progress)
	switch {
	case abort != nil:
		switch {
		case errors.Is(abort, app.ErrConflict), errors.Is(abort, app.ErrNotFound):
			log.Debug("video changed elsewhere, job dropped", "err", abort)
		case ctx.Err() != nil:
			// closing: leave it processing
		default:
			log.Error("store progress", "err", abort)
			p.fail(ctx, log, org, id, "processing failed: internal error")
		}
		return
	case err != nil && ctx.Err() != nil:
		log.Info("processing interrupted; the video stays processing", "err", err)
		return
	case err != nil:
		reason := "processing failed"
		var pe *pipeline.ProcessingError
		if errors.As(err, &pe) && pe.Reason != "" {
			reason = pe.Reason
		}
		log.Info("processing failed", "reason", reason, "err", err)
		p.fail(ctx, log, org, id, reason)
		return
	}

	if err := p.placeThumbnail(id, res.ThumbnailPath); err != nil {
		log.Error("thumbnail", "err", err)
		p.fail(ctx, log, org, id, "processing failed: could not store the thumbnail")
		return
	}
	meta, err := json.Marshal(res.Metadata)
	if err != nil {
		p.fail(ctx, log, org, id, "processing failed: internal error")
		return
	}
	sens, err := json.Marshal(res.Sensitivity)
	if err != nil {
		p.fail(ctx, log, org, id, "processing failed: internal error")
		return
	}
	if err := p.cfg.Videos.Complete(ctx, id, meta, sens, p.cfg.ThumbnailURL(id)); err != nil {
		p.storeError(ctx, log, "complete", err)
		return
	}
	if nv := p.reread(ctx, log, org, id); nv != nil {
		p.cfg.Events.VideoProcessed(nv)
	}
	log.Info("video processed")
}

// fail stores and announces the failure of id.
func (p *Pool) fail(ctx context.Context, log *slog.Logger, org, id, reason string) {
	if err := p.cfg.Videos.Fail(ctx, id, reason); err != nil {
		p.storeError(ctx, log, "fail", err)
		return
	}
	if nv := p.reread(ctx, log, org, id); nv != nil {
		p.cfg.Events.VideoFailed(nv)
	}
}

func (p *Pool) storeError(ctx context.Context, log *slog.Logger, op string, err error) {
	switch {
	case errors.Is(err, app.ErrConflict), errors.Is(err, app.ErrNotFound):
		log.Debug("video changed elsewhere, nothing announced", "op", op, "err", err)
	case ctx.Err() != nil:
		log.Info("interrupted; the video stays processing", "op", op)
	default:
		log.Error("store video", "op", op, "err", err)
	}
}

// reread returns the stored video, to announce exactly what is stored.
// Should the read fail, nothing can be announced (the state is stored, and
// clients reading it see it).
func (p *Pool) reread(ctx context.Context, log *slog.Logger, org, id string) *app.Video {
	v, err := p.cfg.Videos.FindVideo(context.WithoutCancel(ctx), org, id)
	if err != nil {
		log.Error("re-read video", "err", err)
		return nil
	}
	return v
}

// placeThumbnail moves the pipeline's thumbnail to Storage.ThumbnailPath
// when they differ.
func (p *Pool) placeThumbnail(id, from string) error {
	to := p.cfg.Storage.ThumbnailPath(id)
	if from == "" {
		return errors.New("no thumbnail")
	}
	if to == "" || filepath.Clean(from) == filepath.Clean(to) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	if err := os.Rename(from, to); err == nil {
		return nil
	}
	if err := copyFile(from, to); err != nil {
		return err
	}
	_ = os.Remove(from)
	return nil
}

func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := to + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err = io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err = out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, to)
}
