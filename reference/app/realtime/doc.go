// Package realtime is the Socket.IO adapter of socketlab's reference video
// app: it authenticates sockets, puts them in their rooms, answers the
// client events video:subscribe and video:unsubscribe, and implements
// app.Events so that the rest of the app can tell connected clients what
// happened (docs/contract.md §3–§8, §13).
//
//	io := socketio.NewServer(socketio.Options{
//		Recovery: &socketio.RecoveryOptions{Owner: realtime.RecoveryOwner}, // optional
//	})
//	hub := realtime.New(io, videos, verifier, realtime.Options{StreamURL: sign})
//	var events app.Events = hub                                 // for the worker
//	mux.Handle("/socket.io/", io)
//
// # Rooms
//
// Everything lives on the main namespace "/". A socket is in exactly these
// rooms, and no client event can put it anywhere else (ROOM-6):
//
//   - its own id room (Socket.IO's);
//   - "<organizationId>", the bare id from its token (ROOM-1): every
//     socket of an organization receives the processing events of all
//     the organization's videos without subscribing;
//   - "user:<userId>" (ROOM-2): every socket of one user (tabs, devices)
//     receives that user's notification:personal;
//   - "video:<videoId>" for each video:subscribe that was granted
//     (ROOM-3): only for a video that FindVideo finds in the socket's own
//     organization.
//
// Identity comes from the token alone, verified by auth's middleware at
// CONNECT, and never changes for the socket's life (AUTH-8).
//
// Processing events (video:progress, video:processed, video:failed) go to
// the union of the organization room and the video room,
// io.To(org).To("video:"+id), which delivers to each socket once even when
// it is in both (PROG-6). notification:personal goes to
// "user:<uploadedBy>" only (NOTIF-2); server:announcement to every socket
// of the namespace (ANN-4). Server events never ask for an ack (EVT-2).
//
// # No existence oracle
//
// video:subscribe answers {"ok":false,"error":"Video not found"} — the
// same bytes — for another organization's video, an id naming no video, a
// malformed id (not app.ValidVideoID), a missing or non-string argument,
// and a storage error (ROOM-4). The lookup is always scoped to the
// socket's organization (VideoService.FindVideo(ctx, org, id)), so a
// tenant cannot tell "exists but not yours" from "does not exist", and
// cannot probe other tenants' ids. Without an ack callback the same
// decision is taken silently.
//
// video:unsubscribe with a string leaves "video:<id>" and answers
// {"ok":true} whether or not the socket was subscribed, again revealing
// nothing (ROOM-5); a non-string argument answers
// {"ok":false,"error":"videoId must be a string"} (EVT-4). Other event
// names are ignored; when they ask for an ack they get
// {"ok":false,"error":"Unknown event"} (EVT-3). Client events named like
// server events are such unknown events: they reach nobody (EVT-5).
//
// # Session expiry
//
// Each socket gets a timer for claims.ExpiresIn(now), the moment its token
// stops being acceptable (exp + 5 s of leeway). When it fires the socket
// receives session:expired {"message":"Token expired"}, then is
// disconnected from "/" and its connection closed (AUTH-11). The timer is
// stopped when the socket disconnects first.
//
// # Connection state recovery
//
// Recovery is optional (§13). When it is on, build the server with
// socketio.RecoveryOptions{Owner: RecoveryOwner}, so that a session is
// restored only for the same userId (RECOV-4); the socketio server runs
// the auth middleware again on recovery (RECOV-3). A recovered socket
// keeps its rooms (RECOV-1): the hub does not join them again.
package realtime
