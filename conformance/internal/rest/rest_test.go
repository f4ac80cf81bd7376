package rest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"socketlab/conformance/internal/wirelog"
)

// TestUploadIsAValidForm parses what Upload sends with the standard
// library: a title part, then the file part streamed from the fixture, and
// an exact Content-Length.
func TestUploadIsAValidForm(t *testing.T) {
	file := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(file, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got struct {
		auth, title, name, ctype, data string
		length                         int64
		chunked                        bool
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.auth, got.length, got.chunked = r.Header.Get("Authorization"), r.ContentLength, len(r.TransferEncoding) > 0
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			switch p.FormName() {
			case "title":
				got.title = string(b)
			case "video":
				got.name, got.ctype, got.data = p.FileName(), p.Header.Get("Content-Type"), string(b)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"_id":"x"}`)
	}))
	defer srv.Close()
	log := wirelog.New()
	c := New(srv.URL, log)
	title := "My clip"
	resp, err := c.Upload(context.Background(), "tok", Upload{File: file, FileName: "clip.mp4", ContentType: "video/mp4", Title: &title})
	if err != nil || resp.Status != 201 || !resp.IsJSON() {
		t.Fatalf("%v %v", resp, err)
	}
	if got.auth != "Bearer tok" || got.title != title || got.name != "clip.mp4" || got.ctype != "video/mp4" || got.data != "0123456789" || got.chunked || got.length <= 10 {
		t.Fatalf("server saw %+v", got)
	}
	if len(log.Entries()) != 2 || !strings.HasPrefix(log.Entries()[0].Data, "POST /api/videos") {
		t.Fatalf("wire log %+v", log.Entries())
	}
}

func TestErrorBody(t *testing.T) {
	for body, ok := range map[string]bool{`{"error":"Video not found"}`: true, `{"error":""}`: false, `{"error":1}`: false, `[]`: false, `nope`: false} {
		if _, got := (&Response{Body: []byte(body)}).ErrorBody(); got != ok {
			t.Errorf("ErrorBody(%s) = %v", body, got)
		}
	}
}
