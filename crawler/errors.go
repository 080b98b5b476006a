package crawler

import (
	"errors"
	"fmt"
)

// Stable error codes of a FetchOutcome. They cross the wire: never rename one.
const (
	CodeRobots            = "robots"             // robots.txt disallows the URL; it was not fetched
	CodeRobotsUnavailable = "robots_unavailable" // robots.txt answered 5xx or could not be fetched
	CodeDNS               = "dns"                // the host name did not resolve
	CodeBlockedIP         = "blocked_ip"         // the host resolved only to refused addresses (private, loopback, ...)
	CodeRefused           = "refused"            // the connection was refused
	CodeTimeout           = "timeout"            // connect, first byte or total time ran out
	CodeTLS               = "tls"                // TLS handshake or certificate failure
	CodeTooManyRedirects  = "too_many_redirects" // more redirects than allowed
	CodeRedirectLoop      = "redirect_loop"      // the redirect chain came back to a URL it had visited
	CodeBadRedirect       = "bad_redirect"       // a redirect to a non-HTTP(S) or unparsable location
	CodeTooLarge          = "too_large"          // response headers over their cap
	CodeBadURL            = "bad_url"            // the URL cannot be fetched (scheme, host)
	CodeBadEncoding       = "bad_encoding"       // a body whose Content-Encoding (gzip, br, ...) would not decode
	CodeNetwork           = "network"            // any other transport failure (reset, EOF, ...)
)

// Sentinel errors.
var (
	// ErrInvalidTask is returned for a task that can never be crawled.
	ErrInvalidTask = errors.New("crawler: invalid task")
	// ErrBlockedAddress is returned when an address is refused by an AddrPolicy.
	ErrBlockedAddress = errors.New("crawler: address not allowed")
)

// FetchError is a failed fetch with its stable Code.
type FetchError struct {
	Code string
	Err  error
}

func (e *FetchError) Error() string { return fmt.Sprintf("%s: %v", e.Code, e.Err) }
func (e *FetchError) Unwrap() error { return e.Err }

// ErrorCode returns the stable code of err: the Code of a *FetchError in its
// chain, or CodeNetwork for any other non-nil error, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var fe *FetchError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return CodeNetwork
}
