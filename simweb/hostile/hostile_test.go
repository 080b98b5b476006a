package hostile_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"trawl.dev/simweb/hostile"
)

func TestStartServesAndResolves(t *testing.T) {
	start := time.Now()
	s, err := hostile.Start(context.Background(), hostile.Options{MaxHold: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("started in %v", time.Since(start))
	if n := len(s.Cases()); n < 25 {
		t.Errorf("got %d cases, want at least 25", n)
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.DNSAddr())
	}}
	tests := []struct {
		host, want string
	}{
		{hostile.Host("gzip-bomb"), s.IP().String()},
		{hostile.Host("dns-private"), "10.0.0.1"},
		{hostile.Host("dns-metadata"), "169.254.169.254"},
		{"xn--e1afmkfd." + hostile.Domain, s.IP().String()},
		{hostile.Host("dns-nxdomain"), ""},
		{"unknown." + hostile.Domain, ""},
	}
	for _, tt := range tests {
		addrs, err := r.LookupHost(context.Background(), tt.host)
		got := ""
		if err == nil && len(addrs) > 0 {
			got = addrs[0]
		}
		if got != tt.want {
			t.Errorf("resolve %s: got %q (%v), want %q", tt.host, got, err, tt.want)
		}
	}
	// A plain client (dialing the server's IP) sees the case by Host.
	req, _ := http.NewRequest("GET", "http://"+net.JoinHostPort(s.IP().String(), "0")+"/", nil)
	req.URL.Host = net.JoinHostPort(s.IP().String(), strconv.Itoa(s.HTTPPort()))
	req.Host = hostile.Host("session-ids")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || s.Requests("session-ids") != 1 {
		t.Errorf("got %d and %d requests, want 200 and 1", resp.StatusCode, s.Requests("session-ids"))
	}
}
