package classifier

import "errors"

var (
	// ErrNotFound is returned when a site has no aggregate or verdict yet.
	ErrNotFound = errors.New("classifier: site not found")

	// ErrInvalidPage is returned for a page that cannot be classified: no
	// URL, no host or no site.
	ErrInvalidPage = errors.New("classifier: invalid page")

	// ErrBadQuery is returned for a site listing query with bad parameters.
	ErrBadQuery = errors.New("classifier: bad query")

	// ErrInvalidLabel is returned for a label that cannot be stored: no
	// ID, no site, or an unknown kind.
	ErrInvalidLabel = errors.New("classifier: invalid label")
)
