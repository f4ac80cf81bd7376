package app

import "errors"

// Sentinel errors returned by the services of this package. Adapters wrap
// them with detail (fmt.Errorf("%w: …", ErrConflict)), so callers test
// with errors.Is, never by comparing messages. The HTTP and Socket.IO
// layers map them to the contract's fixed answers: ErrNotFound to
// 404 {"error":"Video not found"} (or the ack {"ok":false,…}), whatever the
// reason it was returned for.
var (
	// ErrNotFound: no such record — or one the caller may not see, such as
	// another organization's video. The two cases are deliberately the
	// same error, so no layer above can leak which one it was.
	ErrNotFound = errors.New("app: not found")

	// ErrConflict: the record exists but its state refuses the change: a
	// progress not strictly greater than the stored one, an update to a
	// video that is already completed or failed, an id already taken.
	ErrConflict = errors.New("app: conflict")

	// ErrInvalid: the arguments can never be accepted, whatever the
	// stored state (an empty organization, a progress outside the
	// contract's table, metadata that is not a JSON object, …).
	ErrInvalid = errors.New("app: invalid argument")
)
