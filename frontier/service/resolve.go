package service

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"time"

	"trawl.dev/frontier"
)

// lookup is a host whose address a partition waits for.
type lookup struct {
	pt   *partition
	host string // host[:port]
}

// newResolver returns the resolver named by Options.Resolver: "system", or
// the "host:port" of a DNS server.
func newResolver(name string) *net.Resolver {
	if name == "system" {
		return net.DefaultResolver
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, name)
		},
	}
}

// resolveLoop looks up hosts until ctx ends and hands each address to the
// partition that asked ("" when the lookup failed: the host goes out without
// one, and the crawler reports the failure).
func (s *Service) resolveLoop(ctx context.Context, r *net.Resolver) {
	for {
		var lk lookup
		select {
		case <-ctx.Done():
			return
		case lk = <-s.lookups:
		}
		ip := resolveHost(ctx, r, lk.host)
		err := lk.pt.run(func(sc *frontier.Scheduler) error { return sc.SetIP(lk.host, ip) })
		if err != nil && err != errStopping {
			s.o.Logger.Warn("frontier: record address", "host", lk.host, "err", err)
		}
	}
}

// resolveHost returns the first IPv4 (else IPv6) address of host, which may
// carry a port or be an address already.
func resolveHost(ctx context.Context, r *net.Resolver, host string) string {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	if a, err := netip.ParseAddr(name); err == nil {
		return a.String()
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", name)
	if err != nil || len(addrs) == 0 {
		return ""
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap().String()
		}
	}
	return addrs[0].String()
}
