package colly

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"trawl.dev/crawler"
)

// dialer resolves, checks and connects.
type dialer struct {
	policy   crawler.AddrPolicy
	resolver *net.Resolver
	net      net.Dialer
	cache    *lru.Cache[string, dnsEntry]
	ttl      time.Duration
	now      func() time.Time
	dials    atomic.Int64      // connects attempted (tests: a refused address is never dialed)
	hook     func(addr string) // tests: sees every address about to be dialed
}

type dnsEntry struct {
	addrs   []netip.Addr
	err     error // a failed lookup, cached for a tenth of the TTL
	expires time.Time
}

func newResolver(server string) *net.Resolver {
	if server == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
}

// DialContext is the transport's dialer: it resolves host (an IP literal is
// its own answer), drops every address the policy refuses, and connects to
// the first allowed address that answers.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &crawler.FetchError{Code: crawler.CodeBadURL, Err: err}
	}
	addrs, err := d.lookup(ctx, host)
	if err != nil {
		return nil, &crawler.FetchError{Code: crawler.CodeDNS, Err: err}
	}
	var allowed []netip.Addr
	var refused error
	for _, a := range addrs {
		if err := d.policy.Check(a); err != nil {
			refused = err
			continue
		}
		allowed = append(allowed, a)
	}
	if len(allowed) == 0 {
		if refused == nil {
			refused = errors.New("no addresses")
		}
		return nil, &crawler.FetchError{Code: crawler.CodeBlockedIP, Err: fmt.Errorf("dial %s: %w", host, refused)}
	}
	var last error
	for _, a := range allowed {
		d.dials.Add(1)
		target := net.JoinHostPort(a.String(), port)
		if d.hook != nil {
			d.hook(target)
		}
		conn, err := d.net.DialContext(ctx, network, target)
		if err == nil {
			return conn, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// control runs just before each connect(2): a last check of the address
// actually dialed, so that no path (a cached answer, an IP literal, a
// redirect) can reach a refused address.
func (d *dialer) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &crawler.FetchError{Code: crawler.CodeBadURL, Err: fmt.Errorf("dial %s: %w", address, err)}
	}
	if err := d.policy.Check(ap.Addr()); err != nil {
		return &crawler.FetchError{Code: crawler.CodeBlockedIP, Err: fmt.Errorf("dial %s: %w", address, err)}
	}
	return nil
}

func (d *dialer) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	key := strings.ToLower(host)
	if e, ok := d.cache.Get(key); ok && d.now().Before(e.expires) {
		return e.addrs, e.err
	}
	addrs, err := d.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			d.cache.Add(key, dnsEntry{err: err, expires: d.now().Add(d.ttl / 10)})
		}
		return nil, err
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	d.cache.Add(key, dnsEntry{addrs: addrs, expires: d.now().Add(d.ttl)})
	return addrs, nil
}
