package simweb

import "errors"

// ErrBadOptions is returned by Start when ServeOptions are invalid, such as a port out of range.
var ErrBadOptions = errors.New("simweb: bad options")
