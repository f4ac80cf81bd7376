package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"socketlab/reference/app"
)

// VideoService stores videos in a DB. It implements app.VideoService and is
// safe for concurrent use.
type VideoService struct {
	db *DB
}

var _ app.VideoService = (*VideoService)(nil)

// NewVideoService returns the video service of db.
func NewVideoService(db *DB) *VideoService { return &VideoService{db: db} }

const videoColumns = `id, title, organization_id, uploaded_by, status, progress, stage,
	metadata, thumbnail, sensitivity, error, created_at`

// CreateVideo implements app.VideoService.
func (s *VideoService) CreateVideo(ctx context.Context, v *app.Video) error {
	if v == nil {
		return fmt.Errorf("%w: nil video", app.ErrInvalid)
	}
	n := *v
	if n.ID == "" {
		n.ID = app.NewVideoID()
	} else if !app.ValidVideoID(n.ID) {
		return fmt.Errorf("%w: video id %q", app.ErrInvalid, n.ID)
	}
	switch {
	case n.Title == "":
		return fmt.Errorf("%w: empty title", app.ErrInvalid)
	case n.OrganizationID == "":
		return fmt.Errorf("%w: empty organization", app.ErrInvalid)
	case n.UploadedBy == "":
		return fmt.Errorf("%w: empty uploader", app.ErrInvalid)
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.db.Now()
	}
	n.CreatedAt = n.CreatedAt.UTC().Truncate(time.Millisecond)
	if y := n.CreatedAt.Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%w: createdAt %v", app.ErrInvalid, n.CreatedAt)
	}
	// The upload state (VID-2), whatever the caller put there.
	n.Status = app.VideoProcessing
	n.Progress = app.ProgressUploaded
	n.Stage, n.Thumbnail, n.Error = "", "", ""
	n.Metadata, n.Sensitivity = nil, nil

	res, err := s.db.db.ExecContext(ctx, `INSERT INTO videos
		(id, title, organization_id, uploaded_by, status, progress, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		n.ID, n.Title, n.OrganizationID, n.UploadedBy, string(n.Status), n.Progress, formatTime(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: create video: %w", err)
	}
	if rows, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: create video: %w", err)
	} else if rows == 0 {
		return fmt.Errorf("%w: video id %q already exists", app.ErrConflict, n.ID)
	}
	*v = n
	return nil
}

// FindVideo implements app.VideoService.
func (s *VideoService) FindVideo(ctx context.Context, orgID, id string) (*app.Video, error) {
	row := s.db.db.QueryRowContext(ctx, `SELECT `+videoColumns+` FROM videos
		WHERE id = ? AND organization_id = ?`, id, orgID)
	v, err := scanVideo(row)
	if errNoRows(err) {
		return nil, fmt.Errorf("%w: video %q", app.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: find video: %w", err)
	}
	return v, nil
}

// ListVideos implements app.VideoService.
func (s *VideoService) ListVideos(ctx context.Context, orgID string) ([]*app.Video, error) {
	return s.list(ctx, `SELECT `+videoColumns+` FROM videos
		WHERE organization_id = ?
		ORDER BY created_at DESC, seq DESC`, orgID)
}

// ListProcessing implements app.VideoService.
func (s *VideoService) ListProcessing(ctx context.Context) ([]*app.Video, error) {
	return s.list(ctx, `SELECT `+videoColumns+` FROM videos
		WHERE status = 'processing'
		ORDER BY created_at, seq`)
}

func (s *VideoService) list(ctx context.Context, query string, args ...any) ([]*app.Video, error) {
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list videos: %w", err)
	}
	defer rows.Close()
	videos := []*app.Video{}
	for rows.Next() {
		v, err := scanVideo(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list videos: %w", err)
		}
		videos = append(videos, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list videos: %w", err)
	}
	return videos, nil
}

// UpdateProgress implements app.VideoService.
func (s *VideoService) UpdateProgress(ctx context.Context, id string, stage string, progress int) error {
	if p, ok := app.StageProgress(stage); !ok || p != progress {
		return fmt.Errorf("%w: progress %d for stage %q", app.ErrInvalid, progress, stage)
	}
	return s.transition(ctx, id, `UPDATE videos SET progress = ?, stage = ?
		WHERE id = ? AND status = 'processing' AND progress < ?`,
		progress, stage, id, progress)
}

// Complete implements app.VideoService.
func (s *VideoService) Complete(ctx context.Context, id string, metadata, sensitivity json.RawMessage, thumbnail string) error {
	meta, err := jsonObject("metadata", metadata)
	if err != nil {
		return err
	}
	sens, err := jsonObject("sensitivity", sensitivity)
	if err != nil {
		return err
	}
	if thumbnail == "" {
		return fmt.Errorf("%w: empty thumbnail", app.ErrInvalid)
	}
	return s.transition(ctx, id, `UPDATE videos
		SET status = 'completed', progress = 100, stage = NULL,
		    metadata = ?, thumbnail = ?, sensitivity = ?, error = NULL
		WHERE id = ? AND status = 'processing'`,
		meta, thumbnail, sens, id)
}

// Fail implements app.VideoService.
func (s *VideoService) Fail(ctx context.Context, id, reason string) error {
	if reason == "" {
		return fmt.Errorf("%w: empty failure reason", app.ErrInvalid)
	}
	return s.transition(ctx, id, `UPDATE videos
		SET status = 'failed', error = ?, metadata = NULL, thumbnail = NULL, sensitivity = NULL
		WHERE id = ? AND status = 'processing'`,
		reason, id)
}

// transition runs a conditional UPDATE of one video. When it changes no
// row, the video either does not exist (ErrNotFound) or its state refused
// the change (ErrConflict). Videos are never deleted, so a row seen
// missing after the UPDATE was missing during it too.
func (s *VideoService) transition(ctx context.Context, id, query string, args ...any) error {
	res, err := s.db.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: update video %q: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: update video %q: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	var status string
	var progress int
	err = s.db.db.QueryRowContext(ctx, `SELECT status, progress FROM videos WHERE id = ?`, id).Scan(&status, &progress)
	if errNoRows(err) {
		return fmt.Errorf("%w: video %q", app.ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("sqlite: update video %q: %w", id, err)
	}
	return fmt.Errorf("%w: video %q is %s at progress %d", app.ErrConflict, id, status, progress)
}

// jsonObject checks that m is one JSON object and returns it compacted.
func jsonObject(what string, m json.RawMessage) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil || b.Len() == 0 || b.Bytes()[0] != '{' {
		return "", fmt.Errorf("%w: %s must be a JSON object", app.ErrInvalid, what)
	}
	return b.String(), nil
}

type scanner interface{ Scan(dest ...any) error }

func scanVideo(r scanner) (*app.Video, error) {
	var (
		v                                            app.Video
		status, createdAt                            string
		stage, metadata, thumbnail, sensitivity, msg sql.NullString
	)
	if err := r.Scan(&v.ID, &v.Title, &v.OrganizationID, &v.UploadedBy, &status, &v.Progress, &stage,
		&metadata, &thumbnail, &sensitivity, &msg, &createdAt); err != nil {
		return nil, err
	}
	t, err := parseTime(createdAt)
	if err != nil {
		return nil, err
	}
	v.Status = app.VideoStatus(status)
	v.Stage = stage.String
	v.Thumbnail = thumbnail.String
	v.Error = msg.String
	v.CreatedAt = t
	if metadata.Valid {
		v.Metadata = json.RawMessage(metadata.String)
	}
	if sensitivity.Valid {
		v.Sensitivity = json.RawMessage(sensitivity.String)
	}
	return &v, nil
}
