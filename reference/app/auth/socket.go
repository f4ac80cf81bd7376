package auth

import (
	"log/slog"

	"socketlab/reference/socketio"
)

// SocketMiddleware verifies the token of every CONNECT (AUTH-1, AUTH-2,
// AUTH-7): the string member "token" of the auth payload, nothing else.
// On success it sets s.Data to the *Claims; otherwise the client receives
// CONNECT_ERROR {"message":"Authentication required"} or
// {"message":"Invalid token"} and the socket is not connected. Middlewares
// run again when a session is recovered, so a recovered socket is
// re-checked too.
func (v *Verifier) SocketMiddleware() socketio.Middleware {
	return func(s *socketio.Socket) error {
		h := s.Handshake()
		claims, err := v.verifyAuth(h.Auth)
		if err != nil {
			v.logRefusal("socket.io", h.Address, err)
			return socketio.NewConnectError(Message(err), nil)
		}
		s.Data = claims
		return nil
	}
}

// verifyAuth verifies the token of a CONNECT auth payload. No payload,
// no token member, null and "" count as missing; any other non-string is
// an invalid token.
func (v *Verifier) verifyAuth(payload map[string]any) (*Claims, error) {
	raw, ok := payload["token"]
	if !ok || raw == nil {
		return nil, ErrAuthRequired
	}
	token, ok := raw.(string)
	if !ok {
		return nil, invalid(errNotString)
	}
	return v.Verify(token)
}

// SocketClaims returns the claims SocketMiddleware stored in s.Data.
func SocketClaims(s *socketio.Socket) (*Claims, bool) {
	c, ok := s.Data.(*Claims)
	return c, ok && c != nil
}

func (v *Verifier) logRefusal(via, addr string, err error) {
	if v.log != nil {
		v.log.Info("auth: refused", slog.String("via", via), slog.String("remote", addr), slog.String("err", err.Error()))
	}
}
