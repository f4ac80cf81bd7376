package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
	"socketlab/reference/socketio"
)

// Event names of the contract (§1).
const (
	EventSubscribe    = "video:subscribe"
	EventUnsubscribe  = "video:unsubscribe"
	EventProgress     = "video:progress"
	EventProcessed    = "video:processed"
	EventFailed       = "video:failed"
	EventPersonal     = "notification:personal"
	EventAnnouncement = "server:announcement"
	EventExpired      = "session:expired"
)

// Fixed answers.
const (
	errVideoNotFound = "Video not found"
	errNotString     = "videoId must be a string"
	errUnknownEvent  = "Unknown event"
	msgTokenExpired  = "Token expired"
)

// DefaultLookupTimeout bounds one VideoService.FindVideo of video:subscribe.
const DefaultLookupTimeout = 5 * time.Second

// Options configures a Hub. The zero value is usable.
type Options struct {
	// StreamURL, when set, returns the signed streamUrl (contract
	// STREAM-2) of a video; the hub sets Video.StreamURL with it before
	// sending the video:subscribe snapshot, so that the ack carries the
	// same video JSON as the REST API (VID-1). nil: no streamUrl.
	StreamURL func(v *app.Video) string

	// Now is the clock used to time session:expired (default time.Now).
	Now func() time.Time

	// LookupTimeout bounds the FindVideo of one video:subscribe (default
	// DefaultLookupTimeout).
	LookupTimeout time.Duration

	// Logger receives emit and storage errors (default slog.Default()).
	Logger *slog.Logger
}

// Hub is the Socket.IO adapter: it owns the main namespace's connection
// handling and implements app.Events. It is safe for concurrent use.
type Hub struct {
	io       *socketio.Server
	videos   app.VideoService
	verifier *auth.Verifier
	opts     Options
	log      *slog.Logger
}

var _ app.Events = (*Hub)(nil)

// New installs the app on io's main namespace: the auth middleware
// (verifier.SocketMiddleware), then, for every connected socket, its
// rooms, its event handlers and its expiry timer. Install it once per
// server, before serving.
func New(io *socketio.Server, videos app.VideoService, verifier *auth.Verifier, opts Options) *Hub {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LookupTimeout <= 0 {
		opts.LookupTimeout = DefaultLookupTimeout
	}
	h := &Hub{io: io, videos: videos, verifier: verifier, opts: opts, log: opts.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	io.Use(verifier.SocketMiddleware())
	io.OnConnection(h.onConnection)
	return h
}

// RecoveryOwner returns the userId of the socket's token, for
// socketio.RecoveryOptions.Owner: with it a recovered session always
// belongs to the same user (contract RECOV-4). Build the server with it
// whenever recovery is on. A socket without claims gives "".
func RecoveryOwner(s *socketio.Socket) string {
	if c, ok := auth.SocketClaims(s); ok {
		return c.UserID
	}
	return ""
}

// OrgRoom, UserRoom and VideoRoom name the app's rooms (see the package
// documentation).
func OrgRoom(orgID string) string     { return orgID }
func UserRoom(userID string) string   { return "user:" + userID }
func VideoRoom(videoID string) string { return "video:" + videoID }

func (h *Hub) onConnection(s *socketio.Socket) {
	claims, ok := auth.SocketClaims(s)
	if !ok { // cannot happen: the middleware refuses such sockets
		s.Disconnect(true)
		return
	}
	if !s.Recovered() { // a recovered socket kept its rooms (RECOV-1)
		s.Join(OrgRoom(claims.OrganizationID), UserRoom(claims.UserID))
	}
	s.On(EventSubscribe, func(e *socketio.Event) { h.subscribe(claims, e) })
	s.On(EventUnsubscribe, func(e *socketio.Event) { h.unsubscribe(claims, e) })
	s.OnAny(func(e *socketio.Event) {
		if e.Name != EventSubscribe && e.Name != EventUnsubscribe && e.HasAck() {
			_ = e.Ack(refusal{OK: false, Error: errUnknownEvent})
		}
	})
	h.armExpiry(s, claims)
}

// armExpiry emits session:expired then disconnects s when its token stops
// being acceptable (AUTH-11).
func (h *Hub) armExpiry(s *socketio.Socket, claims *auth.Claims) {
	expire := func() {
		if !s.Connected() {
			return
		}
		_ = s.Emit(EventExpired, expiredPayload{Message: msgTokenExpired})
		s.Disconnect(true)
	}
	d := claims.ExpiresIn(h.opts.Now())
	if d <= 0 {
		expire()
		return
	}
	t := time.AfterFunc(d, expire)
	s.OnDisconnect(func(string) { t.Stop() })
	if !s.Connected() { // gone before OnDisconnect was registered
		t.Stop()
	}
}

// ack answers e when the client asked for it.
func ack(e *socketio.Event, v any) {
	if e.HasAck() {
		_ = e.Ack(v)
	}
}

type refusal struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

type granted struct {
	OK    bool       `json:"ok"`
	Video *app.Video `json:"video"`
}

type okAck struct {
	OK bool `json:"ok"`
}

// subscribe handles video:subscribe (ROOM-3, ROOM-4): join video:<id>
// only for a video of the socket's organization; every refusal is the
// same.
func (h *Hub) subscribe(claims *auth.Claims, e *socketio.Event) {
	notFound := refusal{OK: false, Error: errVideoNotFound}
	var id string
	if len(e.Args) > 0 {
		id, _ = e.Args[0].(string)
	}
	if !app.ValidVideoID(id) {
		ack(e, notFound)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.LookupTimeout)
	defer cancel()
	v, err := h.videos.FindVideo(ctx, claims.OrganizationID, id)
	if err != nil || v == nil || v.OrganizationID != claims.OrganizationID {
		if err != nil && !errors.Is(err, app.ErrNotFound) {
			h.log.Error("realtime: video:subscribe lookup", slog.String("videoId", id), slog.String("err", err.Error()))
		}
		ack(e, notFound)
		return
	}
	e.Socket().Join(VideoRoom(id))
	if h.opts.StreamURL != nil {
		v.StreamURL = h.opts.StreamURL(v)
	}
	ack(e, granted{OK: true, Video: v})
}

// unsubscribe handles video:unsubscribe (ROOM-5, EVT-4).
func (h *Hub) unsubscribe(claims *auth.Claims, e *socketio.Event) {
	var id string
	ok := len(e.Args) > 0
	if ok {
		id, ok = e.Args[0].(string)
	}
	if !ok {
		ack(e, refusal{OK: false, Error: errNotString})
		return
	}
	// Only ever a video room: never the organization or user room, even
	// if an organization id happened to look like one.
	if room := VideoRoom(id); room != OrgRoom(claims.OrganizationID) {
		e.Socket().Leave(room)
	}
	ack(e, okAck{OK: true})
}

// Payloads of the server events, members in the contract's order.

type progressPayload struct {
	VideoID  string `json:"videoId"`
	Progress int    `json:"progress"`
	Stage    string `json:"stage"`
}

type processedPayload struct {
	VideoID     string          `json:"videoId"`
	Status      app.VideoStatus `json:"status"`
	Metadata    json.RawMessage `json:"metadata"`
	Thumbnail   string          `json:"thumbnail"`
	Sensitivity json.RawMessage `json:"sensitivity"`
}

type failedPayload struct {
	VideoID string `json:"videoId"`
	Error   string `json:"error"`
}

type personalPayload struct {
	Kind    string `json:"kind"`
	VideoID string `json:"videoId"`
	Message string `json:"message"`
}

type announcementPayload struct {
	Message string `json:"message"`
	From    string `json:"from"`
	At      string `json:"at"`
}

type expiredPayload struct {
	Message string `json:"message"`
}

// Notification kinds (NOTIF-1).
const (
	KindReady  = "video:ready"
	KindFailed = "video:failed"
)

func (h *Hub) videoRooms(v *app.Video) *socketio.BroadcastOperator {
	return h.io.To(OrgRoom(v.OrganizationID)).To(VideoRoom(v.ID))
}

func (h *Hub) logEmit(event string, err error) {
	if err != nil {
		h.log.Error("realtime: emit", slog.String("event", event), slog.String("err", err.Error()))
	}
}

// VideoProgress emits video:progress to the organization room ∪ the video
// room (PROG-1, PROG-6).
func (h *Hub) VideoProgress(v *app.Video) {
	h.logEmit(EventProgress, h.videoRooms(v).Emit(EventProgress, progressPayload{
		VideoID: v.ID, Progress: v.Progress, Stage: v.Stage,
	}))
}

// VideoProcessed emits video:processed to the organization room ∪ the
// video room (PROG-4), then notification:personal to the uploader's
// sockets (NOTIF-1, NOTIF-2).
func (h *Hub) VideoProcessed(v *app.Video) {
	h.logEmit(EventProcessed, h.videoRooms(v).Emit(EventProcessed, processedPayload{
		VideoID:     v.ID,
		Status:      app.VideoCompleted,
		Metadata:    rawOrNull(v.Metadata),
		Thumbnail:   v.Thumbnail,
		Sensitivity: rawOrNull(v.Sensitivity),
	}))
	h.personal(v, KindReady, fmt.Sprintf("Your video %q is ready", v.Title))
}

// VideoFailed emits video:failed to the organization room ∪ the video
// room (PROG-5), then notification:personal to the uploader's sockets.
func (h *Hub) VideoFailed(v *app.Video) {
	h.logEmit(EventFailed, h.videoRooms(v).Emit(EventFailed, failedPayload{VideoID: v.ID, Error: v.Error}))
	h.personal(v, KindFailed, fmt.Sprintf("Your video %q could not be processed", v.Title))
}

func (h *Hub) personal(v *app.Video, kind, message string) {
	h.logEmit(EventPersonal, h.io.To(UserRoom(v.UploadedBy)).Emit(EventPersonal, personalPayload{
		Kind: kind, VideoID: v.ID, Message: message,
	}))
}

// Announce emits server:announcement to every socket of the main
// namespace, every organization included (ANN-4), with at in RFC 3339 UTC
// to the millisecond.
func (h *Hub) Announce(a app.Announcement) {
	h.logEmit(EventAnnouncement, h.io.Emit(EventAnnouncement, announcementPayload{
		Message: a.Message, From: a.From, At: a.At.UTC().Format(app.TimeLayout),
	}))
}

// rawOrNull keeps an empty message from breaking the encoding.
func rawOrNull(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("null")
	}
	return m
}
