// Package iploc is the classifier's default IP database: the country table
// embedded in github.com/phuslu/iploc, compiled into the binary, so nothing
// is downloaded. It knows countries only, not networks, and answers "not
// found" for private, loopback and unallocated addresses.
package iploc

import (
	"net/netip"

	"github.com/phuslu/iploc"

	"trawl.dev/classifier"
)

// DB looks countries up in the embedded table. The zero value is ready.
type DB struct{}

// Country implements classifier.IPDB.
func (DB) Country(ip netip.Addr) (string, bool) {
	if !ip.IsValid() {
		return "", false
	}
	cc := iploc.IPCountry(ip.Unmap())
	if len(cc) != 2 || cc == "ZZ" {
		return "", false
	}
	return cc, true
}

var _ classifier.IPDB = DB{}
