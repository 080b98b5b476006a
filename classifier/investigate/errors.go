package investigate

import (
	"errors"
	"net/http"
)

var errTokenNotFound = errors.New("investigate: no such token")

// Error codes of the API. They are stable: clients may switch on them.
const (
	CodeBadRequest       = "bad_request"            // 400: a parameter or body is malformed or out of range
	CodeBadCursor        = "bad_cursor"             // 400: the cursor was not issued for this listing
	CodeInvalidLabel     = "invalid_label"          // 400: a label that is not confirmed, false-positive, needs-review or cleared
	CodeMissingToken     = "missing_token"          // 401: no Authorization: Bearer header
	CodeInvalidToken     = "invalid_token"          // 401: a token that is not known (or was revoked)
	CodeForbidden        = "forbidden"              // 403: the token's role may not do this
	CodeNotFound         = "not_found"              // 404: no such site, family, token or endpoint
	CodeMethodNotAllowed = "method_not_allowed"     // 405
	CodeTooLarge         = "too_large"              // 413/414: body or query too long
	CodeUnsupportedType  = "unsupported_media_type" // 415: a body that is not JSON
	CodeNotReady         = "not_ready"              // 503: the read model is catching up, or NATS is down
	CodeInternal         = "internal"               // 500
)

// apiError is an error answered to a client: status, code, message.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: msg}
}
