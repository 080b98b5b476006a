package readmodel

import "errors"

var (
	// ErrNotFound is returned for a site the index holds no verdict of.
	ErrNotFound = errors.New("readmodel: not found")
	// ErrBadQuery is wrapped by every error about a query or label that
	// cannot be accepted: a bad filter, sort, cursor or label value.
	ErrBadQuery = errors.New("readmodel: bad query")
	// ErrBadCursor is a cursor that was not issued for this sort.
	ErrBadCursor = errors.New("readmodel: bad cursor")
	// ErrClosed is returned by an index after Close.
	ErrClosed = errors.New("readmodel: index closed")
)
