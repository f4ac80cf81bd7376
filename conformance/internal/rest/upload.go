package rest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
)

// Upload is one multipart/form-data body for POST /api/videos.
type Upload struct {
	// Field names the file part ("video" when empty).
	Field    string
	FileName string
	// ContentType of the file part ("application/octet-stream" when empty).
	ContentType string
	// File is a fixture path streamed as the file's content; Data is used
	// when File is empty.
	File string
	Data []byte
	// Title, when non-nil, adds a text part "title" before the file.
	Title *string
	// NoFile sends the text parts only.
	NoFile bool
}

// Upload posts u to /api/videos with token. The body is streamed from the
// fixture file with an exact Content-Length, as a browser sends a form.
func (c *Client) Upload(ctx context.Context, token string, u Upload) (*Response, error) {
	body, size, ctype, closeFn, err := u.Body()
	if err != nil {
		return nil, err
	}
	defer closeFn()
	h := http.Header{"Content-Type": {ctype}}
	desc := fmt.Sprintf("<multipart: field %q, filename %q, type %q, %d bytes of file", u.field(), u.FileName, u.ContentType, u.fileSize())
	if u.Title != nil {
		desc += fmt.Sprintf(", title %q", *u.Title)
	}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: "/api/videos", Token: token, Header: h,
		Body: &sized{Reader: body, n: size}, BodyLog: []byte(desc + ">")})
}

// sized lets Do set Content-Length for a streamed body.
type sized struct {
	io.Reader
	n int64
}

func (u Upload) field() string {
	if u.Field == "" {
		return "video"
	}
	return u.Field
}

func (u Upload) fileSize() int64 {
	if u.File != "" {
		if st, err := os.Stat(u.File); err == nil {
			return st.Size()
		}
	}
	return int64(len(u.Data))
}

// Body returns the multipart body as a stream, its exact length, its
// Content-Type and a function closing the fixture file.
func (u Upload) Body() (io.Reader, int64, string, func(), error) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if u.Title != nil {
		if err := mw.WriteField("title", *u.Title); err != nil {
			return nil, 0, "", nil, err
		}
	}
	var content io.Reader = bytes.NewReader(nil)
	size := int64(0)
	closeFn := func() {}
	if !u.NoFile {
		ph := textproto.MIMEHeader{}
		ph.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quote(u.field()), quote(u.FileName)))
		ct := u.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		ph.Set("Content-Type", ct)
		if _, err := mw.CreatePart(ph); err != nil {
			return nil, 0, "", nil, err
		}
		if u.File != "" {
			f, err := os.Open(u.File)
			if err != nil {
				return nil, 0, "", nil, err
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, 0, "", nil, err
			}
			content, size, closeFn = f, st.Size(), func() { f.Close() }
		} else {
			content, size = bytes.NewReader(u.Data), int64(len(u.Data))
		}
	}
	var tail bytes.Buffer
	// The closing delimiter, as multipart.Writer.Close writes it.
	if !u.NoFile {
		tail.WriteString("\r\n")
	}
	tail.WriteString("--" + mw.Boundary() + "--\r\n")
	total := int64(head.Len()) + size + int64(tail.Len())
	if u.NoFile && u.Title == nil {
		// An empty form: only the closing delimiter.
		return &tail, int64(tail.Len()), mw.FormDataContentType(), closeFn, nil
	}
	if u.NoFile {
		// multipart.Writer leaves the last text part open; close it.
		tail.Reset()
		tail.WriteString("\r\n--" + mw.Boundary() + "--\r\n")
		total = int64(head.Len()) + int64(tail.Len())
	}
	return io.MultiReader(&head, content, &tail), total, mw.FormDataContentType(), closeFn, nil
}

// quote escapes a quoted-string value as mime/multipart does (RFC 7578).
func quote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
