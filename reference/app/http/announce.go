package apphttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
)

// announce answers POST /api/announcements (ANN-1 to ANN-3): admins only
// (403), a JSON object whose message has 1 to 1000 code points (400), then
// Events.Announce and 202 with the announcement as emitted.
func (h *Handler) announce(w http.ResponseWriter, r *http.Request) {
	claims := claimsOf(r)
	if claims.Role != auth.RoleAdmin {
		writeError(w, http.StatusForbidden, MsgAdminRequired)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAnnounceBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, MsgBodyTooLarge)
			return
		}
		writeError(w, http.StatusBadRequest, MsgInvalidJSON)
		return
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		writeError(w, http.StatusBadRequest, MsgInvalidJSON)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, MsgInvalidJSON)
		return
	}
	raw, ok := obj["message"]
	var msg string
	if !ok || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &msg) != nil {
		writeError(w, http.StatusBadRequest, MsgMessageLength)
		return
	}
	if n := utf8.RuneCountInString(msg); n < 1 || n > MaxMessageRunes {
		writeError(w, http.StatusBadRequest, MsgMessageLength)
		return
	}
	a := app.Announcement{
		Message: msg,
		From:    claims.UserID,
		At:      h.now().UTC().Truncate(time.Millisecond),
	}
	h.cfg.Events.Announce(a)
	writeJSON(w, http.StatusAccepted, a)
}
