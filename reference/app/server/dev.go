package server

import (
	"encoding/json"
	"net/http"
	"time"

	"socketlab/reference/app/auth"
)

// DemoUser is a user of dev mode's demo organizations.
type DemoUser struct {
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Role           string `json:"role"`
}

// DemoUsers are the users POST /api/dev/login accepts in dev mode:
// organization acme (alice admin, bob member) and globex (carol admin).
var DemoUsers = []DemoUser{
	{"alice", "acme", auth.RoleAdmin},
	{"bob", "acme", auth.RoleMember},
	{"carol", "globex", auth.RoleAdmin},
}

// DevTokenTTL is the lifetime of a dev-mode token.
const DevTokenTTL = 12 * time.Hour

// devLogin answers POST /api/dev/login {"userId":"alice"} with
// {"token":…,"user":{…}} in dev mode; 404 when dev mode is off, 400 for an
// unknown user or a malformed body.
func (s *Server) devLogin(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.DevMode {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	var body struct {
		UserID string `json:"userId"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Body must be {\"userId\":\"…\"}")
		return
	}
	for _, u := range DemoUsers {
		if u.UserID != body.UserID {
			continue
		}
		tok, err := auth.Sign(s.cfg.Secret, auth.NewClaims(u.UserID, u.OrganizationID, u.Role, DevTokenTTL))
		if err != nil {
			s.log.Error("server: dev login", "err", err)
			writeError(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"token": tok, "user": u})
		return
	}
	writeError(w, http.StatusBadRequest, "Unknown user")
}
