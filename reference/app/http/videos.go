package apphttp

import (
	"net/http"

	"socketlab/reference/app"
)

// withStreamURL returns a copy of v whose StreamURL is freshly signed.
func (h *Handler) withStreamURL(v *app.Video) app.Video {
	out := *v
	out.StreamURL = h.StreamURL(v.ID)
	return out
}

// list answers GET /api/videos (REST-10).
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	videos, err := h.cfg.Videos.ListVideos(r.Context(), claimsOf(r).OrganizationID)
	if err != nil {
		h.internal(w, r, MsgInternal, err)
		return
	}
	out := make([]app.Video, 0, len(videos))
	for _, v := range videos {
		out = append(out, h.withStreamURL(v))
	}
	writeJSON(w, http.StatusOK, out)
}

// get answers GET /api/videos/{id} (REST-11).
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	v := h.findVideo(w, r)
	if v == nil {
		return
	}
	writeJSON(w, http.StatusOK, h.withStreamURL(v))
}
