package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/sqlite"
)

var (
	metadataJSON    = json.RawMessage(`{"duration":2,"width":320,"height":240,"codec":"h264","fps":25,"bitRate":412880,"size":103220,"hasAudio":true}`)
	sensitivityJSON = json.RawMessage(`{"status":"safe","maxFlashesPerSecond":0,"method":"wcag-2.3.1-general-flash"}`)
)

func newService(t *testing.T) (*sqlite.VideoService, *sqlite.DB) {
	db, _ := openDB(t)
	return sqlite.NewVideoService(db), db
}

func newVideo(org, title string) *app.Video {
	return &app.Video{Title: title, OrganizationID: org, UploadedBy: "u-" + org}
}

func create(t *testing.T, s *sqlite.VideoService, v *app.Video) *app.Video {
	t.Helper()
	require.NoError(t, s.CreateVideo(context.Background(), v))
	return v
}

func thumbOf(id string) string { return "/api/videos/" + id + "/thumbnail" }

func TestCreateVideo_UploadState(t *testing.T) {
	ctx := context.Background()
	s, db := newService(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	db.Now = func() time.Time { return now }

	// Whatever the caller sets beyond the upload fields is reset.
	v := &app.Video{Title: "standup.mp4", OrganizationID: "acme", UploadedBy: "u-alice",
		Status: app.VideoCompleted, Progress: 70, Stage: "thumbnail", Error: "x",
		Metadata: metadataJSON, Thumbnail: "/t", Sensitivity: sensitivityJSON}
	require.NoError(t, s.CreateVideo(ctx, v))

	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{24}$`), v.ID)
	assert.Equal(t, app.VideoProcessing, v.Status)
	assert.Equal(t, 0, v.Progress)
	assert.Empty(t, v.Stage)
	assert.Nil(t, v.Metadata)
	assert.Empty(t, v.Thumbnail)
	assert.Nil(t, v.Sensitivity)
	assert.Empty(t, v.Error)
	assert.Equal(t, time.Date(2026, 11, 26, 11, 0, 0, 123000000, time.UTC), v.CreatedAt, "UTC, milliseconds")

	got, err := s.FindVideo(ctx, "acme", v.ID)
	require.NoError(t, err)
	assert.Equal(t, v, got)
}

func TestCreateVideo_Invalid(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	for _, v := range []*app.Video{
		nil,
		{OrganizationID: "acme", UploadedBy: "u"},
		{Title: "t", UploadedBy: "u"},
		{Title: "t", OrganizationID: "acme"},
		{ID: "../../etc", Title: "t", OrganizationID: "acme", UploadedBy: "u"},
		{ID: string(make([]byte, 65)), Title: "t", OrganizationID: "acme", UploadedBy: "u"},
	} {
		assert.ErrorIs(t, s.CreateVideo(ctx, v), app.ErrInvalid, "%+v", v)
	}
	list, err := s.ListVideos(ctx, "acme")
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestCreateVideo_DuplicateID(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	v := create(t, s, &app.Video{ID: "66a1f0c2e4b0a1d2c3e4f501", Title: "a", OrganizationID: "acme", UploadedBy: "u"})
	dup := &app.Video{ID: v.ID, Title: "b", OrganizationID: "globex", UploadedBy: "u"}
	assert.ErrorIs(t, s.CreateVideo(ctx, dup), app.ErrConflict)
	got, err := s.FindVideo(ctx, "acme", v.ID)
	require.NoError(t, err)
	assert.Equal(t, "a", got.Title)
}

func TestFindVideo_OrgIsolation(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	a := create(t, s, newVideo("acme", "a.mp4"))
	g := create(t, s, newVideo("globex", "g.mp4"))

	_, err := s.FindVideo(ctx, "acme", g.ID)
	assert.ErrorIs(t, err, app.ErrNotFound, "another organization's video")
	_, err = s.FindVideo(ctx, "globex", a.ID)
	assert.ErrorIs(t, err, app.ErrNotFound)
	for _, id := range []string{"66a1f0c2e4b0a1d2c3e4f9ff", "", "../../etc", "' OR 1=1 --"} {
		_, err = s.FindVideo(ctx, "acme", id)
		assert.ErrorIs(t, err, app.ErrNotFound, "%q", id)
	}
	_, err = s.FindVideo(ctx, "", a.ID)
	assert.ErrorIs(t, err, app.ErrNotFound, "no organization")

	list, err := s.ListVideos(ctx, "globex")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, g.ID, list[0].ID)

	list, err = s.ListVideos(ctx, "initech")
	require.NoError(t, err)
	assert.NotNil(t, list, "an empty list encodes as [], not null")
	assert.Empty(t, list)
}

func TestListVideos_NewestFirst(t *testing.T) {
	ctx := context.Background()
	s, db := newService(t)
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := base
	db.Now = func() time.Time { return clock }

	var ids []string
	add := func(at time.Time) {
		clock = at
		ids = append(ids, create(t, s, newVideo("acme", fmt.Sprint(len(ids)))).ID)
	}
	add(base.Add(2 * time.Millisecond))                      // 0
	add(base)                                                // 1: older, created later
	add(base.Add(2 * time.Millisecond))                      // 2: same instant as 0, created later
	add(base.Add(time.Second))                               // 3
	add(base.Add(2*time.Millisecond + 300*time.Microsecond)) // 4: same millisecond as 0 and 2
	create(t, s, &app.Video{Title: "explicit", OrganizationID: "acme", UploadedBy: "u",
		CreatedAt: base.Add(-time.Hour)}) // explicit createdAt wins over the clock

	list, err := s.ListVideos(ctx, "acme")
	require.NoError(t, err)
	var got []string
	for _, v := range list {
		got = append(got, v.Title)
	}
	assert.Equal(t, []string{"3", "4", "2", "0", "1", "explicit"}, got)

	// The same order every time.
	for range 5 {
		again, err := s.ListVideos(ctx, "acme")
		require.NoError(t, err)
		assert.Equal(t, list, again)
	}
}

func TestUpdateProgress_Monotonic(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	v := create(t, s, newVideo("acme", "v.mp4"))

	state := func() (int, string) {
		got, err := s.FindVideo(ctx, "acme", v.ID)
		require.NoError(t, err)
		assert.Equal(t, app.VideoProcessing, got.Status)
		return got.Progress, got.Stage
	}

	require.NoError(t, s.UpdateProgress(ctx, v.ID, app.StageMetadata, 10))
	p, st := state()
	assert.Equal(t, 10, p)
	assert.Equal(t, "metadata", st)

	assert.ErrorIs(t, s.UpdateProgress(ctx, v.ID, app.StageMetadata, 10), app.ErrConflict, "equal")
	require.NoError(t, s.UpdateProgress(ctx, v.ID, app.StageThumbnail, 40))
	require.NoError(t, s.UpdateProgress(ctx, v.ID, app.StageSensitivity, 70))
	assert.ErrorIs(t, s.UpdateProgress(ctx, v.ID, app.StageThumbnail, 40), app.ErrConflict, "40 after 70")
	assert.ErrorIs(t, s.UpdateProgress(ctx, v.ID, app.StageSensitivity, 70), app.ErrConflict, "equal")
	p, st = state()
	assert.Equal(t, 70, p)
	assert.Equal(t, "sensitivity", st)

	// Stages may be skipped (the contract only asks for strictly increasing).
	w := create(t, s, newVideo("acme", "w.mp4"))
	require.NoError(t, s.UpdateProgress(ctx, w.ID, app.StageThumbnail, 40))
	assert.ErrorIs(t, s.UpdateProgress(ctx, w.ID, app.StageMetadata, 10), app.ErrConflict)
}

func TestUpdateProgress_InvalidAndMissing(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	v := create(t, s, newVideo("acme", "v.mp4"))

	for _, c := range []struct {
		stage    string
		progress int
	}{{"metadata", 40}, {"thumbnail", 10}, {"done", 100}, {"", 0}, {"", 100}, {"sensitivity", 71}} {
		assert.ErrorIs(t, s.UpdateProgress(ctx, v.ID, c.stage, c.progress), app.ErrInvalid, "%+v", c)
	}
	assert.ErrorIs(t, s.UpdateProgress(ctx, "66a1f0c2e4b0a1d2c3e4f9ff", app.StageMetadata, 10), app.ErrNotFound)
	assert.ErrorIs(t, s.Complete(ctx, "nope", metadataJSON, sensitivityJSON, "/t"), app.ErrNotFound)
	assert.ErrorIs(t, s.Fail(ctx, "nope", "boom"), app.ErrNotFound)

	got, err := s.FindVideo(ctx, "acme", v.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Progress)
}

func TestComplete(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	v := create(t, s, newVideo("acme", "v.mp4"))
	for _, st := range []string{app.StageMetadata, app.StageThumbnail, app.StageSensitivity} {
		p, _ := app.StageProgress(st)
		require.NoError(t, s.UpdateProgress(ctx, v.ID, st, p))
	}

	// Invalid results are refused and change nothing.
	assert.ErrorIs(t, s.Complete(ctx, v.ID, nil, sensitivityJSON, thumbOf(v.ID)), app.ErrInvalid)
	assert.ErrorIs(t, s.Complete(ctx, v.ID, json.RawMessage(`[1]`), sensitivityJSON, thumbOf(v.ID)), app.ErrInvalid)
	assert.ErrorIs(t, s.Complete(ctx, v.ID, metadataJSON, json.RawMessage(`{"a":`), thumbOf(v.ID)), app.ErrInvalid)
	assert.ErrorIs(t, s.Complete(ctx, v.ID, metadataJSON, sensitivityJSON, ""), app.ErrInvalid)

	pretty := json.RawMessage("{\n  \"duration\": 2\n}")
	require.NoError(t, s.Complete(ctx, v.ID, pretty, sensitivityJSON, thumbOf(v.ID)))
	got, err := s.FindVideo(ctx, "acme", v.ID)
	require.NoError(t, err)
	assert.Equal(t, app.VideoCompleted, got.Status)
	assert.Equal(t, 100, got.Progress)
	assert.Empty(t, got.Stage)
	assert.JSONEq(t, `{"duration":2}`, string(got.Metadata))
	assert.Equal(t, `{"duration":2}`, string(got.Metadata), "stored compact")
	assert.JSONEq(t, string(sensitivityJSON), string(got.Sensitivity))
	assert.Equal(t, thumbOf(v.ID), got.Thumbnail)
	assert.Empty(t, got.Error)

	// Terminal: every further change is a conflict, and changes nothing.
	assert.ErrorIs(t, s.UpdateProgress(ctx, v.ID, app.StageSensitivity, 70), app.ErrConflict)
	assert.ErrorIs(t, s.Complete(ctx, v.ID, metadataJSON, sensitivityJSON, "/other"), app.ErrConflict)
	assert.ErrorIs(t, s.Fail(ctx, v.ID, "late"), app.ErrConflict)
	again, err := s.FindVideo(ctx, "acme", v.ID)
	require.NoError(t, err)
	assert.Equal(t, got, again)
}

func TestFail(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	v := create(t, s, newVideo("acme", "noise.mp4"))
	require.NoError(t, s.UpdateProgress(ctx, v.ID, app.StageMetadata, 10))

	assert.ErrorIs(t, s.Fail(ctx, v.ID, ""), app.ErrInvalid)
	require.NoError(t, s.Fail(ctx, v.ID, "No decodable video stream"))

	got, err := s.FindVideo(ctx, "acme", v.ID)
	require.NoError(t, err)
	assert.Equal(t, app.VideoFailed, got.Status)
	assert.Equal(t, 10, got.Progress, "unchanged")
	assert.Equal(t, "metadata", got.Stage, "unchanged")
	assert.Equal(t, "No decodable video stream", got.Error)
	assert.Nil(t, got.Metadata)
	assert.Empty(t, got.Thumbnail)
	assert.Nil(t, got.Sensitivity)

	assert.ErrorIs(t, s.UpdateProgress(ctx, v.ID, app.StageThumbnail, 40), app.ErrConflict)
	assert.ErrorIs(t, s.Complete(ctx, v.ID, metadataJSON, sensitivityJSON, thumbOf(v.ID)), app.ErrConflict)
	assert.ErrorIs(t, s.Fail(ctx, v.ID, "again"), app.ErrConflict)

	// A video may fail before its first stage too (e.g. on restart).
	w := create(t, s, newVideo("acme", "w.mp4"))
	require.NoError(t, s.Fail(ctx, w.ID, "Server restarted"))
	got, err = s.FindVideo(ctx, "acme", w.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Progress)
	assert.Empty(t, got.Stage)
}

func TestListProcessing_AfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "app.db")
	db, err := sqlite.Open(path)
	require.NoError(t, err)
	s := sqlite.NewVideoService(db)
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	mk := func(org, title string, at time.Duration) *app.Video {
		v := newVideo(org, title)
		v.CreatedAt = base.Add(at)
		return create(t, s, v)
	}
	fresh := mk("acme", "fresh", 3*time.Second)
	mid := mk("globex", "mid", 2*time.Second)
	done := mk("acme", "done", 0)
	failed := mk("acme", "failed", time.Second)
	old := mk("acme", "old", -time.Second)
	require.NoError(t, s.UpdateProgress(ctx, mid.ID, app.StageThumbnail, 40))
	require.NoError(t, s.UpdateProgress(ctx, old.ID, app.StageMetadata, 10))
	require.NoError(t, s.Complete(ctx, done.ID, metadataJSON, sensitivityJSON, thumbOf(done.ID)))
	require.NoError(t, s.Fail(ctx, failed.ID, "boom"))
	require.NoError(t, db.Close())

	db, err = sqlite.Open(path)
	require.NoError(t, err)
	defer db.Close()
	s = sqlite.NewVideoService(db)
	list, err := s.ListProcessing(ctx)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, []string{old.ID, mid.ID, fresh.ID}, []string{list[0].ID, list[1].ID, list[2].ID}, "oldest first, all organizations")
	assert.Equal(t, 10, list[0].Progress)
	assert.Equal(t, "metadata", list[0].Stage)
	assert.Equal(t, "globex", list[1].OrganizationID)
	assert.Equal(t, 40, list[1].Progress)

	// Recovery can pick up where processing stopped.
	require.NoError(t, s.UpdateProgress(ctx, mid.ID, app.StageSensitivity, 70))
	require.NoError(t, s.Fail(ctx, fresh.ID, "Server restarted"))
	list, err = s.ListProcessing(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, old.ID, list[0].ID)
	assert.Equal(t, mid.ID, list[1].ID)
}

// checkState fails unless v is one of the contract's states (VID-2, VID-4).
func checkState(v *app.Video) error {
	stageOK := func() bool {
		if v.Progress == 0 {
			return v.Stage == ""
		}
		p, ok := app.StageProgress(v.Stage)
		return ok && p == v.Progress
	}
	noResults := v.Metadata == nil && v.Thumbnail == "" && v.Sensitivity == nil
	var ok bool
	switch v.Status {
	case app.VideoProcessing:
		ok = stageOK() && noResults && v.Error == ""
	case app.VideoCompleted:
		ok = v.Progress == 100 && v.Stage == "" && v.Metadata != nil && v.Thumbnail != "" && v.Sensitivity != nil && v.Error == ""
	case app.VideoFailed:
		ok = stageOK() && noResults && v.Error != ""
	}
	if !ok {
		return fmt.Errorf("hidden state: %+v", *v)
	}
	return nil
}

// Many workers race on the same videos while readers poll: every update
// that succeeds is strictly greater than the last, exactly one terminal
// change wins, and no reader ever sees a hidden state or time going back.
func TestConcurrentUpdates(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	const (
		videos  = 6
		workers = 6 // per video and stage
	)
	var ids []string
	for i := range videos {
		ids = append(ids, create(t, s, newVideo("acme", fmt.Sprint(i))).ID)
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	readErrs := make(chan error, 16)
	for range 4 {
		readers.Go(func() {
			last := map[string]*app.Video{}
			for {
				select {
				case <-stop:
					return
				default:
				}
				list, err := s.ListVideos(ctx, "acme")
				if err == nil && len(list) != videos {
					err = fmt.Errorf("list has %d videos", len(list))
				}
				for _, v := range list {
					if err == nil {
						err = checkState(v)
					}
					if p := last[v.ID]; err == nil && p != nil {
						if v.Progress < p.Progress || (p.Status.Terminal() && v.Status != p.Status) {
							err = fmt.Errorf("went back: %+v after %+v", *v, *p)
						}
					}
					last[v.ID] = v
				}
				if err != nil {
					readErrs <- err
					return
				}
			}
		})
	}

	// Phase 1: every stage, many times over, in random order.
	var wins [videos][101]atomic.Int32
	var wg sync.WaitGroup
	unexpected := make(chan error, videos*workers*3)
	for vi, id := range ids {
		for w := range workers * 3 {
			stage := []string{app.StageMetadata, app.StageThumbnail, app.StageSensitivity}[w%3]
			p, _ := app.StageProgress(stage)
			wg.Go(func() {
				time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
				switch err := s.UpdateProgress(ctx, id, stage, p); {
				case err == nil:
					wins[vi][p].Add(1)
				case !errors.Is(err, app.ErrConflict):
					unexpected <- err
				}
			})
		}
	}
	wg.Wait()

	// Phase 2: completion, failure and late progress race.
	var terminal [videos]atomic.Int32
	for vi, id := range ids {
		for w := range workers * 3 {
			wg.Go(func() {
				var err error
				switch w % 3 {
				case 0:
					err = s.Complete(ctx, id, metadataJSON, sensitivityJSON, thumbOf(id))
				case 1:
					err = s.Fail(ctx, id, "boom")
				case 2:
					err = s.UpdateProgress(ctx, id, app.StageSensitivity, 70)
					if err == nil {
						err = errors.New("70 accepted twice")
					}
				}
				switch {
				case err == nil:
					terminal[vi].Add(1)
				case !errors.Is(err, app.ErrConflict):
					unexpected <- err
				}
			})
		}
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(unexpected)
	close(readErrs)
	for err := range unexpected {
		t.Error(err)
	}
	for err := range readErrs {
		t.Error(err)
	}

	for vi, id := range ids {
		assert.LessOrEqual(t, wins[vi][10].Load(), int32(1), "10 accepted at most once")
		assert.LessOrEqual(t, wins[vi][40].Load(), int32(1), "40 accepted at most once")
		assert.Equal(t, int32(1), wins[vi][70].Load(), "70 accepted exactly once")
		assert.Equal(t, int32(1), terminal[vi].Load(), "one terminal change")
		v, err := s.FindVideo(ctx, "acme", id)
		require.NoError(t, err)
		assert.NoError(t, checkState(v))
		assert.True(t, v.Status.Terminal())
	}
	processing, err := s.ListProcessing(ctx)
	require.NoError(t, err)
	assert.Empty(t, processing)
}

// What the store returns encodes as the contract's video JSON (VID-1, VID-2)
// and decodes back to the same Video.
func TestVideoJSON(t *testing.T) {
	ctx := context.Background()
	s, db := newService(t)
	db.Now = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	v := create(t, s, &app.Video{ID: "66a1f0c2e4b0a1d2c3e4f501", Title: "standup.mp4",
		OrganizationID: "acme", UploadedBy: "u-alice"})

	encode := func() (*app.Video, string) {
		got, err := s.FindVideo(ctx, "acme", v.ID)
		require.NoError(t, err)
		b, err := json.Marshal(got)
		require.NoError(t, err)
		var back app.Video
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, *got, back, "round trip")
		return got, string(b)
	}

	_, js := encode()
	assert.JSONEq(t, `{"_id":"66a1f0c2e4b0a1d2c3e4f501","title":"standup.mp4","organizationId":"acme","uploadedBy":"u-alice",
		"status":"processing","progress":0,"stage":null,"metadata":null,"thumbnail":null,"sensitivity":null,
		"error":null,"createdAt":"2026-11-26T12:00:00.000Z"}`, js)

	got, _ := encode()
	got.StreamURL = "/api/videos/66a1f0c2e4b0a1d2c3e4f501/stream?exp=1&sig=x"
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"streamUrl":"/api/videos/66a1f0c2e4b0a1d2c3e4f501/stream?exp=1\u0026sig=x"`)

	require.NoError(t, s.UpdateProgress(ctx, v.ID, app.StageMetadata, 10))
	_, js = encode()
	assert.Contains(t, js, `"progress":10,"stage":"metadata","metadata":null`)

	require.NoError(t, s.UpdateProgress(ctx, v.ID, app.StageSensitivity, 70))
	require.NoError(t, s.Complete(ctx, v.ID, metadataJSON, sensitivityJSON, thumbOf(v.ID)))
	_, js = encode()
	assert.JSONEq(t, `{"_id":"66a1f0c2e4b0a1d2c3e4f501","title":"standup.mp4","organizationId":"acme","uploadedBy":"u-alice",
		"status":"completed","progress":100,"stage":null,
		"metadata":`+string(metadataJSON)+`,"thumbnail":"/api/videos/66a1f0c2e4b0a1d2c3e4f501/thumbnail",
		"sensitivity":`+string(sensitivityJSON)+`,"error":null,"createdAt":"2026-11-26T12:00:00.000Z"}`, js)

	w := create(t, s, newVideo("acme", "noise.mp4"))
	require.NoError(t, s.UpdateProgress(ctx, w.ID, app.StageMetadata, 10))
	require.NoError(t, s.Fail(ctx, w.ID, "No decodable video stream"))
	got, err = s.FindVideo(ctx, "acme", w.ID)
	require.NoError(t, err)
	b, err = json.Marshal(got)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status":"failed","progress":10,"stage":"metadata","metadata":null,"thumbnail":null,"sensitivity":null,"error":"No decodable video stream"`)
}
