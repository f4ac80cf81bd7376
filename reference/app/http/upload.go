package apphttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"socketlab/reference/app"
)

// upload answers POST /api/videos (REST-3 to REST-9, SEC-6): the "video"
// part is copied as it arrives into a temporary file next to its final
// place, never held in memory, and refused with 413 as soon as it passes
// the limit; then the video is stored, enqueued and answered 201.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	claims := claimsOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, h.maxUpload+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, MsgNoVideoFile)
		return
	}
	id := app.NewVideoID()
	final := h.cfg.Storage.VideoPath(id)
	var (
		tmp      string // the stored video part, until renamed to final
		title    string
		filename string
	)
	defer func() {
		if tmp != "" {
			_ = os.Remove(tmp)
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.badBody(w, err)
			return
		}
		switch part.FormName() {
		case "video":
			if tmp != "" { // only the first video part counts
				break
			}
			filename = partFilename(part)
			path, n, err := h.storeVideoPart(final, part)
			if path != "" {
				tmp = path
			}
			switch {
			case errors.Is(err, errTooLarge):
				// REST-8: answer at once, and do not read the rest.
				w.Header().Set("Connection", "close")
				writeError(w, http.StatusRequestEntityTooLarge, MsgFileTooLarge)
				return
			case errors.Is(err, errStorage):
				h.internal(w, r, MsgStoreFailed, err)
				return
			case err != nil:
				h.badBody(w, err)
				return
			case n == 0:
				_ = os.Remove(tmp)
				tmp = ""
			}
		case "title":
			b, err := io.ReadAll(io.LimitReader(part, maxTitleBytes+1))
			if err != nil {
				h.badBody(w, err)
				return
			}
			if len(b) > maxTitleBytes {
				writeError(w, http.StatusBadRequest, MsgTitleTooLong)
				return
			}
			title = strings.ToValidUTF8(string(b), "\uFFFD")
		}
		// Close discards what is left of the part, streaming.
		if err := part.Close(); err != nil {
			h.badBody(w, err)
			return
		}
	}
	if tmp == "" {
		writeError(w, http.StatusBadRequest, MsgNoVideoFile)
		return
	}
	if title == "" {
		title = filename
	}
	if title == "" {
		title = "Untitled"
	}
	if err := os.Rename(tmp, final); err != nil {
		h.internal(w, r, MsgStoreFailed, err)
		return
	}
	tmp = ""
	v := &app.Video{
		ID:             id,
		Title:          title,
		OrganizationID: claims.OrganizationID,
		UploadedBy:     claims.UserID,
		CreatedAt:      h.now(),
	}
	if err := h.cfg.Videos.CreateVideo(r.Context(), v); err != nil {
		_ = os.Remove(final)
		h.internal(w, r, MsgInternal, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), enqueueTimeout)
	defer cancel()
	if err := h.cfg.Queue.Enqueue(ctx, v.ID); err != nil {
		// The video exists but would never be processed: end it as
		// failed, stored then announced (VID-3), rather than leave it
		// processing forever.
		h.log.Error("apphttp: enqueue", "video", v.ID, "err", err)
		if ferr := h.cfg.Videos.Fail(ctx, v.ID, MsgQueueFailed); ferr == nil {
			if fv, err := h.cfg.Videos.FindVideo(ctx, v.OrganizationID, v.ID); err == nil {
				h.cfg.Events.VideoFailed(fv)
			}
		}
		writeError(w, http.StatusServiceUnavailable, MsgQueueFailed)
		return
	}
	w.Header().Set("Location", "/api/videos/"+v.ID)
	writeJSON(w, http.StatusCreated, h.withStreamURL(v))
}

var (
	errTooLarge = errors.New("apphttp: video part too large")
	errStorage  = errors.New("apphttp: storage")
)

// storeVideoPart copies part into a new temporary file in final's folder,
// stopping as soon as more than maxUpload bytes arrived (errTooLarge). It
// returns the temporary file's path (to remove or rename) and the size.
func (h *Handler) storeVideoPart(final string, part io.Reader) (string, int64, error) {
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", 0, fmt.Errorf("%w: %w", errStorage, err)
	}
	f, err := os.CreateTemp(dir, ".upload-*.part")
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", errStorage, err)
	}
	n, err := io.Copy(onlyWriter{f}, io.LimitReader(part, h.maxUpload+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%w: %w", errStorage, cerr)
	}
	if err != nil {
		return f.Name(), n, err
	}
	if n > h.maxUpload {
		return f.Name(), n, errTooLarge
	}
	return f.Name(), n, nil
}

// onlyWriter hides *os.File's ReadFrom, so that io.Copy reads the part
// through one small buffer and a write error is told from a read error.
type onlyWriter struct{ f *os.File }

func (o onlyWriter) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	if err != nil {
		err = fmt.Errorf("%w: %w", errStorage, err)
	}
	return n, err
}

// badBody answers a body that could not be read: 413 past the body limit,
// else 400 (SEC-9: a truncated multipart is the client's fault).
func (h *Handler) badBody(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, MsgFileTooLarge)
		return
	}
	writeError(w, http.StatusBadRequest, MsgBadMultipart)
}

// partFilename returns the last path segment (after '/' or '\') of the
// part's filename, "" without one (SEC-6: it only ever becomes a title,
// never a path).
func partFilename(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	name := params["filename"]
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}
