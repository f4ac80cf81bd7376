package app

import (
	"context"
	"encoding/json"
	"time"
)

// Events is how the rest of the app tells connected clients what happened
// (docs/contract.md §5–§8). The realtime adapter (Socket.IO) implements it;
// the worker calls it after each stored state change, so that the event a
// client receives always matches what GET /api/videos/{id} returns (VID-*).
// Implementations must not block on the network.
type Events interface {
	// VideoProgress announces a stage of v (video:progress to the
	// organization room ∪ the video room).
	VideoProgress(v *Video)
	// VideoProcessed announces v completed (video:processed, plus
	// notification:personal to the uploader's sockets).
	VideoProcessed(v *Video)
	// VideoFailed announces v failed (video:failed, plus
	// notification:personal to the uploader's sockets).
	VideoFailed(v *Video)
	// Announce sends server:announcement to every connected socket of
	// every organization.
	Announce(a Announcement)
}

// Announcement is an admin's message to everyone (contract §8).
type Announcement struct {
	Message string    `json:"message"`
	From    string    `json:"from"` // the admin's userId
	At      time.Time `json:"at"`   // RFC 3339, UTC, written with TimeLayout
}

// MarshalJSON writes At with TimeLayout (three fraction digits), so the
// 202 of POST /api/announcements and the server:announcement event carry
// the same string (ANN-3); time.Time's own encoding drops trailing zeros.
func (a Announcement) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Message string `json:"message"`
		From    string `json:"from"`
		At      string `json:"at"`
	}{a.Message, a.From, a.At.UTC().Format(TimeLayout)})
}

// Queue hands uploaded videos to the processing workers.
type Queue interface {
	// Enqueue schedules the video for processing. It must not block for
	// long: the upload request waits on it.
	Enqueue(ctx context.Context, videoID string) error
}

// Storage is where uploaded files and thumbnails live on disk, under the
// app's data folder.
type Storage interface {
	// VideoPath is the file of the uploaded video.
	VideoPath(videoID string) string
	// WorkDir is the folder where processing writes the thumbnail.
	WorkDir(videoID string) string
	// ThumbnailPath is the thumbnail's file once it exists.
	ThumbnailPath(videoID string) string
}
