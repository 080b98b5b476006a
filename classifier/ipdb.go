package classifier

import (
	"fmt"
	"net/netip"
)

// IPDB tells which country an IP address is in: its ISO 3166-1 alpha-2 code
// in upper case. ok is false when the database does not know the address
// (private, loopback or unallocated addresses, among others).
type IPDB interface {
	Country(ip netip.Addr) (iso string, ok bool)
}

// ASNDB tells which autonomous system (network) announces an IP address.
type ASNDB interface {
	ASN(ip netip.Addr) (ASN, bool)
}

// ASN is an autonomous system: its number and the organisation behind it.
type ASN struct {
	Number       uint32
	Organization string
}

// String returns "AS<number> <organisation>".
func (a ASN) String() string {
	if a.Organization == "" {
		return fmt.Sprintf("AS%d", a.Number)
	}
	return fmt.Sprintf("AS%d %s", a.Number, a.Organization)
}

// Countries is an IPDB backed by a map of prefixes, for tests and for small
// operator overrides. The longest matching prefix wins.
type Countries map[netip.Prefix]string

// Country implements IPDB.
func (c Countries) Country(ip netip.Addr) (string, bool) {
	ip = ip.Unmap()
	best, iso := -1, ""
	for p, cc := range c {
		if p.Contains(ip) && p.Bits() > best {
			best, iso = p.Bits(), cc
		}
	}
	return iso, best >= 0 && iso != ""
}
