package crawler_test

import (
	"errors"
	"net/netip"
	"testing"

	"trawl.dev/crawler"
)

func TestAddrPolicy(t *testing.T) {
	none := crawler.AddrPolicy{}
	loop := crawler.AddrPolicy{AllowLoopback: true}
	priv := crawler.AddrPolicy{AllowPrivate: true}
	all := crawler.AddrPolicy{AllowLoopback: true, AllowPrivate: true}
	tests := []struct {
		addr string
		p    crawler.AddrPolicy
		ok   bool
	}{
		{"77.88.55.242", none, true},
		{"2a02:6b8::2:242", none, true},
		{"127.0.0.1", none, false},
		{"127.3.4.5", loop, true},
		{"::1", loop, true},
		{"::ffff:127.0.0.1", none, false},
		{"::ffff:127.0.0.1", loop, true},
		{"10.0.0.1", none, false},
		{"10.0.0.1", loop, false},
		{"10.0.0.1", priv, true},
		{"172.16.5.4", none, false},
		{"192.168.1.1", none, false},
		{"100.64.0.1", none, false},
		{"fd12::1", none, false},
		{"fd12::1", priv, true},
		{"169.254.1.1", none, false},
		{"169.254.1.1", priv, true},
		{"fe80::1", none, false},
		{"169.254.169.254", all, false},
		{"fd00:ec2::254", all, false},
		{"0.0.0.0", all, false},
		{"::", all, false},
		{"224.0.0.1", all, false},
		{"255.255.255.255", all, false},
		{"240.1.2.3", all, false},
		{"64:ff9b::7f00:1", all, false},
	}
	for _, tt := range tests {
		err := tt.p.Check(netip.MustParseAddr(tt.addr))
		if (err == nil) != tt.ok {
			t.Errorf("%s with %+v: got %v, want allowed=%v", tt.addr, tt.p, err, tt.ok)
		}
		if err != nil && !errors.Is(err, crawler.ErrBlockedAddress) {
			t.Errorf("%s: got %v, want it to wrap ErrBlockedAddress", tt.addr, err)
		}
	}
}
