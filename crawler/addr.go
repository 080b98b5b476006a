package crawler

import (
	"fmt"
	"net/netip"
)

// AddrPolicy decides which remote addresses the crawler may connect to. It is
// checked after name resolution, so a public name that resolves to a private
// address is refused too. The zero value allows public unicast addresses only.
type AddrPolicy struct {
	AllowLoopback bool           // 127.0.0.0/8 and ::1 (tests and the demo)
	AllowPrivate  bool           // RFC 1918, fc00::/7, 100.64.0.0/10, link-local
	Allow         []netip.Prefix // these networks too, whatever they are (not metadata addresses)
}

var (
	// Cloud metadata endpoints: refused whatever the policy says.
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
		netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
	}
	privateExtra = []netip.Prefix{
		netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
		netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	}
	reserved = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("240.0.0.0/4"),  // includes 255.255.255.255
		netip.MustParsePrefix("64:ff9b::/96"), // NAT64: could reach anything
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("100::/64"),
	}
)

// Check returns nil if a may be connected to, or an error wrapping
// ErrBlockedAddress that says why not.
func (p AddrPolicy) Check(a netip.Addr) error {
	a = a.Unmap()
	why := p.refuse(a)
	if why == "" {
		return nil
	}
	return fmt.Errorf("%w: %s is %s", ErrBlockedAddress, a, why)
}

func (p AddrPolicy) refuse(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast() || a.IsInterfaceLocalMulticast() || a.IsLinkLocalMulticast():
		return "multicast"
	}
	for _, m := range metadataAddrs {
		if a == m {
			return "a cloud metadata address"
		}
	}
	for _, n := range p.Allow {
		if n.Contains(a) {
			return ""
		}
	}
	for _, r := range reserved {
		if r.Contains(a) {
			return "reserved"
		}
	}
	if a.IsLoopback() {
		if p.AllowLoopback {
			return ""
		}
		return "loopback"
	}
	private := a.IsPrivate() || a.IsLinkLocalUnicast()
	for _, r := range privateExtra {
		private = private || r.Contains(a)
	}
	if private && !p.AllowPrivate {
		return "private or link-local"
	}
	return ""
}
