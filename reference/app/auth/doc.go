// Package auth verifies the JSON Web Tokens of socketlab's reference video
// app (contract §3, AUTH-1 to AUTH-11) and puts their claims where the
// rest of the app reads them: Socket.Data for Socket.IO, the request
// context for REST.
//
//	v := auth.NewVerifier(secret)             // one per process, safe for concurrent use
//	io.Use(v.SocketMiddleware())              // CONNECT payload {"token":"…"}
//	api := v.HTTPMiddleware(mux)              // Authorization: Bearer …
//
//	claims := s.Data.(*auth.Claims)           // or auth.SocketClaims(s)
//	claims, _ := auth.ClaimsFrom(r.Context())
//
// A client only ever learns one of two messages: "Authentication required"
// (no token at all) or "Invalid token" (anything else wrong). Which check
// failed is kept for the server: Verify returns an error that matches
// ErrAuthRequired or ErrInvalidToken with errors.Is and whose text names
// the cause, for logs and tests; Message maps it to the client's string.
//
// # The rules, and why
//
// Tokens are JWS compact serializations signed with HMAC-SHA-256 under one
// secret shared by the issuer and the server. Verify accepts a token only
// when all of the following hold, checked in this order:
//
//   - Size: at most MaxTokenSize (8192) bytes, judged before any decoding.
//     The cap bounds the work an unauthenticated peer can make us do
//     (base64, JSON, HMAC) on every CONNECT and every request.
//
//   - Shape: exactly three dot-separated segments of unpadded base64url
//     (RFC 7515), decoded strictly: padding, the standard alphabet's '+'
//     and '/', and non-canonical trailing bits are refused, so a token has
//     a single spelling. Header and payload are JSON objects, with nothing
//     after the object.
//
//   - Algorithm: the header's alg is exactly "HS256" (case-sensitive).
//     Everything else is refused before the signature is looked at: "none"
//     in any casing (with or without a signature), HS384 and HS512 even
//     when made with the shared secret, RS256/ES256/PS256 (the RS256/HS256
//     "algorithm confusion" attack turns a public key into an HMAC secret),
//     "hs256". A token never chooses how it is verified.
//
//   - Key: the key is always the shared secret. A header naming or carrying
//     a key — kid, jku, jwk, x5u, x5c, x5t, x5t#S256 — is refused outright,
//     as is crit (RFC 7515 §4.1.11: extensions we do not understand). We
//     never fetch a URL from a token (jku/x5u: server-side request forgery,
//     attacker's key), never use an embedded key (jwk/x5c: the token signs
//     itself) and never look a key up by kid (path traversal and SQL
//     injection through kid, e.g. "../../../dev/null" and an empty key).
//     The contract allows accepting such headers on a token signed with the
//     shared secret; refusing them is simpler and cannot be wrong.
//
//   - Signature: HMAC-SHA-256 over "header.payload" under the secret,
//     compared in constant time (golang-jwt). An empty or wrong signature
//     is refused.
//
//   - Claims (AUTH-5): userId and organizationId are non-empty strings;
//     role is "admin" or "member"; exp, nbf and iat, when present, are JSON
//     numbers. A listed claim of another JSON type — "exp":"1795698000",
//     "userId":42, null — is refused: golang-jwt alone would accept a
//     quoted number as a date, so Claims.UnmarshalJSON checks each type
//     itself. Dates beyond ±2^53 seconds are refused as nonsense. Other
//     claims (iss, sub, aud, jti, anything) are ignored, whatever their
//     type.
//
//   - Time (AUTH-6): exp is required; with Leeway = 5 s of tolerance for
//     clock drift, a token is refused when now ≥ exp + 5 s or nbf > now +
//     5 s. iat is informative and never compared with the clock (the
//     contract says so; a future iat is a clock problem at the issuer, and
//     exp already bounds the token's life).
//
// # Where the token travels
//
// Over Socket.IO the token is the string member "token" of the CONNECT
// auth payload (socket.io-client's auth option), and nothing else: query
// parameters, headers and cookies of the Engine.IO requests are ignored,
// because URLs end up in access logs, proxy logs and browser history. No
// payload, no "token", null or "" mean "Authentication required"; any
// other non-string (false, 0, {}) means "Invalid token" (AUTH-2, AUTH-7).
//
// Over REST the token is the credentials of "Authorization: Bearer <token>"
// (scheme case-insensitive). No header, another scheme or empty
// credentials answer 401 {"error":"Authentication required"} with
// WWW-Authenticate: Bearer; a token that fails verification answers 401
// {"error":"Invalid token"} with WWW-Authenticate: Bearer
// error="invalid_token" (RFC 6750). Mount HTTPMiddleware only on the
// routes that need a token: CORS preflights and signed media requests are
// the router's business.
//
// # Expiry while connected
//
// A socket's identity is that of its token for the socket's whole life
// (AUTH-8). Claims.ExpiresIn tells how long the token stays acceptable,
// leeway included, so that the app can emit session:expired and
// disconnect the socket when it runs out (AUTH-11).
package auth
