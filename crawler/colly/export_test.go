package colly

import "syscall"

// Dials returns the number of connects f has attempted, so tests can show
// that a refused address is never dialed.
func Dials(f *Fetcher) int64 { return f.dialer.dials.Load() }

// SetDialHook makes f call hook with every address it is about to dial.
// Set it before the first fetch.
func SetDialHook(f *Fetcher, hook func(addr string)) { f.dialer.hook = hook }

// ControlFor returns f's connect-time guard, for a net.Dialer's Control.
func ControlFor(f *Fetcher) func(network, address string, c syscall.RawConn) error {
	return f.dialer.control
}
