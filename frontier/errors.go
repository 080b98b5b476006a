package frontier

import "errors"

// Errors returned by Canonicalize and Resolve. Each says why a URL cannot
// enter the frontier; callers count them instead of crawling the URL.
var (
	// ErrScheme is returned for a URL whose scheme is not http or https
	// (file:, javascript:, mailto:, data:, ftp:, ...).
	ErrScheme = errors.New("frontier: scheme is not http or https")
	// ErrTooLong is returned for a URL longer than MaxURLLength bytes.
	ErrTooLong = errors.New("frontier: url too long")
	// ErrNoHost is returned for a URL without a host.
	ErrNoHost = errors.New("frontier: url has no host")
	// ErrHost is returned for a host that is neither a valid domain name
	// nor an IP address (a space, a '#', a control byte, a bad IDN label).
	ErrHost = errors.New("frontier: invalid host")
	// ErrPort is returned for a port that is not a number from 1 to 65535.
	ErrPort = errors.New("frontier: invalid port")
	// ErrEmpty is returned for an empty or blank URL.
	ErrEmpty = errors.New("frontier: empty url")
)

// Errors returned by Policy.CheckURL: the URL looks like a crawler trap.
var (
	// ErrPathTooDeep is returned for a path of more than MaxPathSegments segments.
	ErrPathTooDeep = errors.New("frontier: path too deep")
	// ErrRepeatedSegment is returned for a path that repeats one segment more
	// than MaxRepeatedSegments times (/a/b/a/b/a/b/...).
	ErrRepeatedSegment = errors.New("frontier: path repeats a segment")
	// ErrTooManyParams is returned for a query of more than MaxQueryParams parameters.
	ErrTooManyParams = errors.New("frontier: too many query parameters")
)
