// Package app holds the domain of socketlab's reference video app: its
// types and the interfaces of the services that act on them. It depends on
// nothing but the standard library; adapters live in sub-packages named by
// technology (sqlite, …), in the style of github.com/benbjohnson/wtf.
package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// VideoStatus is the processing state of a video (docs/contract.md VID-1).
type VideoStatus string

// The three video statuses. A video is created VideoProcessing and ends in
// exactly one of the two terminal statuses, after which it never changes.
const (
	VideoProcessing VideoStatus = "processing"
	VideoCompleted  VideoStatus = "completed"
	VideoFailed     VideoStatus = "failed"
)

// Terminal reports whether s is completed or failed.
func (s VideoStatus) Terminal() bool { return s == VideoCompleted || s == VideoFailed }

// Processing stages, in their fixed order (contract PROG-1). Each
// video:progress event announces the start of one, with the progress that
// StageProgress gives.
const (
	StageMetadata    = "metadata"
	StageThumbnail   = "thumbnail"
	StageSensitivity = "sensitivity"
)

// Progress values outside the stages: a fresh upload and a completed video.
const (
	ProgressUploaded  = 0
	ProgressCompleted = 100
)

// StageProgress returns the progress that announces stage (10, 40, 70), and
// false for anything that is not one of the three stages.
func StageProgress(stage string) (int, bool) {
	switch stage {
	case StageMetadata:
		return 10, true
	case StageThumbnail:
		return 40, true
	case StageSensitivity:
		return 70, true
	}
	return 0, false
}

// TimeLayout is how createdAt is written: RFC 3339 in UTC with exactly
// three fractional digits, like JavaScript's Date.prototype.toISOString
// and the seed app's Mongo dates ("2026-11-26T12:00:00.000Z"). Stores keep
// CreatedAt to the millisecond so that what they return and what the JSON
// says are the same instant.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Video is one uploaded video and its processing state. Its JSON encoding
// (MarshalJSON; the tags name the members) is the contract's video JSON
// (VID-1): empty Stage, Thumbnail and Error and nil Metadata and
// Sensitivity encode as null, CreatedAt as TimeLayout in UTC.
//
// Metadata and Sensitivity stay raw JSON objects here, so that storage does
// not depend on the pipeline that computes them.
type Video struct {
	ID             string      `json:"_id"`
	Title          string      `json:"title"`
	OrganizationID string      `json:"organizationId"`
	UploadedBy     string      `json:"uploadedBy"`
	Status         VideoStatus `json:"status"`
	// Progress is 0 on upload, then 10, 40, 70 as the stages start, 100
	// once completed. A failed video keeps the progress it had.
	Progress int `json:"progress"`
	// Stage is the stage in progress ("" before the first and once
	// completed; a failed video keeps the stage it failed in).
	Stage       string          `json:"stage"`
	Metadata    json.RawMessage `json:"metadata"`
	Thumbnail   string          `json:"thumbnail"` // URL path, "/api/videos/<id>/thumbnail"
	Sensitivity json.RawMessage `json:"sensitivity"`
	Error       string          `json:"error"` // non-empty exactly when Status is VideoFailed
	CreatedAt   time.Time       `json:"createdAt"`

	// StreamURL is not stored: the HTTP layer signs one per response
	// (contract STREAM-2) just before encoding.
	StreamURL string `json:"streamUrl,omitempty"`
}

// videoJSON is the wire form of a Video, members in the contract's order.
type videoJSON struct {
	ID             string          `json:"_id"`
	Title          string          `json:"title"`
	OrganizationID string          `json:"organizationId"`
	UploadedBy     string          `json:"uploadedBy"`
	Status         VideoStatus     `json:"status"`
	Progress       int             `json:"progress"`
	Stage          *string         `json:"stage"`
	Metadata       json.RawMessage `json:"metadata"`
	Thumbnail      *string         `json:"thumbnail"`
	Sensitivity    json.RawMessage `json:"sensitivity"`
	Error          *string         `json:"error"`
	CreatedAt      string          `json:"createdAt"`
	StreamURL      string          `json:"streamUrl,omitempty"`
}

// MarshalJSON encodes v as the contract's video JSON.
func (v Video) MarshalJSON() ([]byte, error) {
	return json.Marshal(videoJSON{
		ID:             v.ID,
		Title:          v.Title,
		OrganizationID: v.OrganizationID,
		UploadedBy:     v.UploadedBy,
		Status:         v.Status,
		Progress:       v.Progress,
		Stage:          nullString(v.Stage),
		Metadata:       nullRaw(v.Metadata),
		Thumbnail:      nullString(v.Thumbnail),
		Sensitivity:    nullRaw(v.Sensitivity),
		Error:          nullString(v.Error),
		CreatedAt:      v.CreatedAt.UTC().Format(TimeLayout),
		StreamURL:      v.StreamURL,
	})
}

// UnmarshalJSON decodes the video JSON, null members becoming zero values
// (nil Metadata and Sensitivity, empty strings), so that decoding what
// MarshalJSON wrote gives back an equal Video.
func (v *Video) UnmarshalJSON(data []byte) error {
	var j videoJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	var createdAt time.Time
	if j.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, j.CreatedAt)
		if err != nil {
			return fmt.Errorf("app: video createdAt: %w", err)
		}
		createdAt = t.UTC()
	}
	*v = Video{
		ID:             j.ID,
		Title:          j.Title,
		OrganizationID: j.OrganizationID,
		UploadedBy:     j.UploadedBy,
		Status:         j.Status,
		Progress:       j.Progress,
		Stage:          deref(j.Stage),
		Metadata:       nullRaw(j.Metadata),
		Thumbnail:      deref(j.Thumbnail),
		Sensitivity:    nullRaw(j.Sensitivity),
		Error:          deref(j.Error),
		CreatedAt:      createdAt,
		StreamURL:      j.StreamURL,
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullRaw maps an empty message and the literal null to nil, which
// encodes as null.
func nullRaw(m json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(m); len(t) == 0 || string(t) == "null" {
		return nil
	}
	return m
}

// NewVideoID returns a fresh random video id: 24 lowercase hex digits (96
// random bits), the shape of the seed app's Mongo ObjectIds.
func NewVideoID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// ValidVideoID reports whether id has the contract's shape,
// ^[A-Za-z0-9_-]{1,64}$. Any other string names no video.
func ValidVideoID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// VideoService stores videos and their processing state. Implementations
// are safe for concurrent use: the processing workers update while request
// handlers read.
//
// Every state it stores is one of the contract's (VID-2), and a state is
// readable as soon as the call that wrote it returns — so callers store
// first, then emit the event (VID-3).
type VideoService interface {
	// CreateVideo stores v in the upload state: status processing,
	// progress 0, no stage, metadata, thumbnail, sensitivity or error,
	// whatever v held in those fields. It assigns v.ID when empty
	// (NewVideoID) and v.CreatedAt when zero (now), keeps CreatedAt in UTC
	// to the millisecond, and writes all of this back into v. Title,
	// OrganizationID and UploadedBy are required (ErrInvalid); an ID
	// already taken gives ErrConflict.
	CreateVideo(ctx context.Context, v *Video) error

	// FindVideo returns the video id of organization orgID. Another
	// organization's video, an unknown id and a malformed one all give
	// ErrNotFound.
	FindVideo(ctx context.Context, orgID, id string) (*Video, error)

	// ListVideos returns every video of orgID, whatever its status, newest
	// CreatedAt first (equal times: latest created first). It returns an
	// empty, non-nil slice when there is none.
	ListVideos(ctx context.Context, orgID string) ([]*Video, error)

	// UpdateProgress records the start of stage with its progress. The
	// pair must be one of StageProgress's (ErrInvalid). It gives
	// ErrConflict unless the video is still processing with a progress
	// strictly lower than progress, ErrNotFound when there is no such
	// video.
	UpdateProgress(ctx context.Context, id string, stage string, progress int) error

	// Complete moves a processing video to completed: progress 100, no
	// stage, the given metadata and sensitivity (JSON objects) and
	// thumbnail (non-empty). ErrConflict once the video is terminal,
	// ErrNotFound when there is no such video.
	Complete(ctx context.Context, id string, metadata, sensitivity json.RawMessage, thumbnail string) error

	// Fail moves a processing video to failed with reason (non-empty) as
	// its error, keeping its progress and stage. ErrConflict once the
	// video is terminal, ErrNotFound when there is no such video.
	Fail(ctx context.Context, id, reason string) error

	// ListProcessing returns every video, of all organizations, still
	// processing, oldest first: the work to resume after a restart.
	ListProcessing(ctx context.Context) ([]*Video, error)
}
