package apphttp

import (
	"path/filepath"

	"socketlab/reference/app"
)

// DirStorage is an app.Storage rooted at a data folder: each video has
// its own folder <root>/videos/<id>, holding the upload ("video") and the
// thumbnail ("thumbnail.jpg"). Ids are only ever ones that pass
// app.ValidVideoID, so a path never leaves the root; the client's filename
// is never used (SEC-6).
type DirStorage string

var _ app.Storage = DirStorage("")

// VideoPath implements app.Storage.
func (d DirStorage) VideoPath(id string) string { return filepath.Join(d.WorkDir(id), "video") }

// WorkDir implements app.Storage.
func (d DirStorage) WorkDir(id string) string { return filepath.Join(string(d), "videos", id) }

// ThumbnailPath implements app.Storage.
func (d DirStorage) ThumbnailPath(id string) string {
	return filepath.Join(d.WorkDir(id), "thumbnail.jpg")
}
