package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// video is the part of the video JSON (contract VID-1) the cases judge.
type video struct {
	ID        string    `json:"_id"`
	Status    string    `json:"status"`
	Progress  int       `json:"progress"`
	Metadata  *metadata `json:"metadata"`
	StreamURL string    `json:"streamUrl"`
}

// upload posts calm through api as token's owner and returns the created
// video; anything but 201 with a video JSON is a violation of REST-3.
func upload(c *suite.C, api *rest.Client, token string) (video, *rest.Response, error) {
	resp, err := api.Upload(c.Ctx, token, rest.Upload{File: filepath.Join(c.Cfg.Fixtures, calm), FileName: calm, ContentType: "video/mp4"})
	if err != nil {
		return video{}, nil, err
	}
	var v video
	if resp.Status != http.StatusCreated || resp.JSON(&v) != nil || v.ID == "" {
		return video{}, resp, suite.Violationf("POST /api/videos answered 201 with the video JSON (contract REST-3)", "%s", resp.Summary())
	}
	return v, resp, nil
}

// completed checks that v is the final state of the upload of calm
// (contract VID-2: status completed, progress 100, metadata of VID-5); when
// it is not, the Violation of expected says what differs.
func completed(c *suite.C, v video, expected string) error {
	want, err := expectedMetadata(c.Cfg.Fixtures, calm)
	if err != nil {
		return err
	}
	why := ""
	switch {
	case v.Status != "completed":
		why = fmt.Sprintf("status %q", v.Status)
	case v.Progress != 100:
		why = fmt.Sprintf("progress %d", v.Progress)
	case v.Metadata == nil:
		why = "metadata null"
	default:
		if m := v.Metadata.mismatch(want); m != "" {
			why = "metadata: " + m
		}
	}
	if why != "" {
		return suite.Violationf(expected, "%s", why)
	}
	return nil
}

// getVideo reads GET /api/videos/{id}.
func getVideo(ctx context.Context, api *rest.Client, token, id string) (video, error) {
	resp, err := api.Get(ctx, "/api/videos/"+id, token)
	if err != nil {
		return video{}, err
	}
	var v video
	if resp.Status != http.StatusOK || resp.JSON(&v) != nil {
		return video{}, suite.Violationf("GET /api/videos/"+id+" answered 200 with the video JSON (contract REST-11)", "%s", resp.Summary())
	}
	return v, nil
}

// subscribe emits video:subscribe with an ack and returns the snapshot of
// the granted ack (contract ROOM-3).
func subscribe(ctx context.Context, s *sioclient.Socket, id string) (video, error) {
	args, err := s.EmitWithAck(ctx, "video:subscribe", id)
	if err != nil {
		return video{}, err
	}
	var ack struct {
		OK    bool  `json:"ok"`
		Video video `json:"video"`
	}
	if len(args) == 0 || json.Unmarshal(args[0], &ack) != nil || !ack.OK || ack.Video.ID != id {
		return video{}, suite.Violationf(`the ack {"ok":true,"video":{…}} for the organization's own video (contract ROOM-3)`, "%s", rawArgs(args))
	}
	return ack.Video, nil
}

func rawArgs(args []json.RawMessage) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// videoEvents are the events of contract §6.
var videoEvents = []string{"video:progress", "video:processed", "video:failed"}

// stepOf names a processing event of one video: "10", "40", "70" for
// progress, "processed" or "failed" for the terminal events; "" when r is
// no §6 event about id.
func stepOf(r sioclient.Received, id string) string {
	if vid, st := videoStep(r); vid == id {
		return st
	}
	return ""
}

// videoStep returns the video a §6 event is about and its step ("", "" for
// any other packet).
func videoStep(r sioclient.Received) (id, step string) {
	if !r.IsEvent() || len(r.Args) == 0 {
		return "", ""
	}
	return eventStep(r.Event, r.Args[0])
}

// eventStep decodes the event name and first argument of a §6 event: the
// video it is about and its step ("", "" for any other event).
func eventStep(event string, arg json.RawMessage) (id, step string) {
	if !slices.Contains(videoEvents, event) {
		return "", ""
	}
	var body struct {
		VideoID  string          `json:"videoId"`
		Progress json.RawMessage `json:"progress"`
	}
	if json.Unmarshal(arg, &body) != nil || body.VideoID == "" {
		return "", ""
	}
	if event == "video:progress" {
		return body.VideoID, string(body.Progress)
	}
	return body.VideoID, strings.TrimPrefix(event, "video:")
}

// steps returns, in arrival order over the sockets given oldest first, the
// processing steps received about id.
func steps(id string, sockets ...*sioclient.Socket) []string {
	var out []string
	for _, s := range sockets {
		for _, r := range s.Packets() {
			if st := stepOf(r, id); st != "" {
				out = append(out, st)
			}
		}
	}
	return out
}

// fullRun is what a completed video's events are (contract PROG-1, PROG-2,
// PROG-3): the three stages in order, then one video:processed.
var fullRun = []string{"10", "40", "70", "processed"}

// terminal selects the terminal event of video id.
func terminal(id string) sioclient.Predicate {
	return func(r sioclient.Received) bool {
		st := stepOf(r, id)
		return st == "processed" || st == "failed"
	}
}

// processed checks the first video:processed payload about id in s's
// record: the completed video with the fixture's results (contract PROG-4).
func processed(c *suite.C, s *sioclient.Socket, id string) error {
	for _, r := range s.Events() {
		if stepOf(r, id) == "processed" {
			var body struct {
				VideoID  string    `json:"videoId"`
				Status   string    `json:"status"`
				Metadata *metadata `json:"metadata"`
			}
			if json.Unmarshal(r.Args[0], &body) != nil {
				break
			}
			// The event carries no progress; VID-2 says 100 once processed.
			ev := video{ID: body.VideoID, Status: body.Status, Progress: 100, Metadata: body.Metadata}
			return completed(c, ev, "video:processed with the fixture's results (contract PROG-4)")
		}
	}
	return suite.Violationf("a decodable video:processed payload", "none")
}

// badFrames returns the frames of s's record that the strict codec refused.
func badFrames(s *sioclient.Socket) []string {
	var out []string
	for _, r := range s.Packets() {
		if r.Err != nil {
			out = append(out, r.Err.Error())
		}
	}
	return out
}
