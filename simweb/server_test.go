package simweb_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"trawl.dev/simweb"
)

// MustStart generates a web of n sites and serves it until the test ends.
func MustStart(tb testing.TB, n int, opts simweb.ServeOptions) (*simweb.Web, *simweb.Server) {
	tb.Helper()
	w := simweb.Generate(simweb.Options{Sites: n, Seed: 1})
	srv, err := w.Start(context.Background(), opts)
	if err != nil {
		tb.Fatalf("start: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return w, srv
}

// client returns an HTTP client that resolves site names through the server's DNS.
func client(srv *simweb.Server, timeout time.Duration) *http.Client {
	d := &net.Dialer{Resolver: srv.Resolver(), Timeout: 5 * time.Second}
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
	}
}

func siteOf(t *testing.T, w *simweb.Web, k simweb.Kind) simweb.Site {
	t.Helper()
	for _, s := range w.Sites() {
		if s.Kind == k {
			return s
		}
	}
	t.Fatalf("no %s site", k)
	return simweb.Site{}
}

func TestDNS(t *testing.T) {
	w, srv := MustStart(t, 60, simweb.ServeOptions{})
	var alias simweb.Site
	for _, s := range w.Sites() {
		if s.WWW {
			alias = s
			break
		}
	}
	if alias.Host == "" {
		t.Fatal("no site with a www alias")
	}
	s := w.Sites()[7]
	tests := []struct {
		name  string
		net   string
		qname string
		qtype uint16
		rcode int
		want  string // A record, "" for none
	}{
		{"A over udp", "udp", s.Host, dns.TypeA, dns.RcodeSuccess, s.IP.String()},
		{"A over tcp", "tcp", s.Host, dns.TypeA, dns.RcodeSuccess, s.IP.String()},
		{"upper case", "udp", strings.ToUpper(s.Host), dns.TypeA, dns.RcodeSuccess, s.IP.String()},
		{"www alias", "udp", "www." + alias.Host, dns.TypeA, dns.RcodeSuccess, alias.IP.String()},
		{"AAAA is empty", "udp", s.Host, dns.TypeAAAA, dns.RcodeSuccess, ""},
		{"unknown name", "udp", "no-such-site.example", dns.TypeA, dns.RcodeNameError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(tt.qname), tt.qtype)
			c := &dns.Client{Net: tt.net, Timeout: 2 * time.Second}
			r, _, err := c.Exchange(m, srv.DNSAddr())
			if err != nil {
				t.Fatal(err)
			}
			if r.Rcode != tt.rcode {
				t.Fatalf("got rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			got := ""
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					got = a.A.String()
				}
			}
			if got != tt.want {
				t.Errorf("got A %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTTPThroughResolver(t *testing.T) {
	var mu sync.Mutex
	var logs []simweb.RequestLog
	w, srv := MustStart(t, 120, simweb.ServeOptions{OnRequest: func(r simweb.RequestLog) {
		mu.Lock()
		logs = append(logs, r)
		mu.Unlock()
	}})
	c := client(srv, 5*time.Second)
	var sites []simweb.Site
	for _, s := range w.Sites() {
		if !s.Kind.Hostile() && len(sites) < 5 {
			sites = append(sites, s)
		}
	}
	for _, s := range sites {
		resp, err := c.Get(srv.URL(s.Host))
		if err != nil {
			t.Fatalf("GET %s: %v", s.Host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: got status %d, want 200", s.Host, resp.StatusCode)
		}
		want, _ := w.Page(s.Host, "/", srv.Port())
		if string(body) != string(want.Body) {
			t.Errorf("GET %s: body differs from Web.Page", s.Host)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) != len(sites) {
		t.Fatalf("got %d request logs, want %d", len(logs), len(sites))
	}
	for j, l := range logs {
		if l.Host != sites[j].Host || l.LocalIP != sites[j].IP.String() || l.Status != 200 || l.Path != "/" {
			t.Errorf("log %d: got %+v, want host %s on %s", j, l, sites[j].Host, sites[j].IP)
		}
	}
	st := srv.Stats()
	if st.Requests != int64(len(sites)) || st.Host(sites[0].Host) != 1 {
		t.Errorf("got stats %+v, want %d requests, 1 for %s", st, len(sites), sites[0].Host)
	}
	if len(srv.Seeds()) != len(w.Seeds()) || !strings.Contains(srv.Seeds()[0], ":") {
		t.Errorf("got seeds %v, want %d URLs with port", srv.Seeds(), len(w.Seeds()))
	}
}

func TestHTTPResponses(t *testing.T) {
	w, srv := MustStart(t, 200, simweb.ServeOptions{})
	c := client(srv, 5*time.Second)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var store simweb.Site
	for _, s := range w.Sites() {
		if s.Kind == simweb.KindStore && s.Charset != simweb.CharsetUTF8 {
			store = s
		}
	}
	other := w.Sites()[0]
	if other.Kind.Hostile() {
		other = siteOf(t, w, simweb.KindPersonal)
	}
	var alias simweb.Site
	for _, s := range w.Sites() {
		if s.WWW && !s.Kind.Hostile() {
			alias = s
		}
	}
	tests := []struct {
		name       string
		ip         netip.Addr // dial this IP instead of resolving
		host, path string
		status     int
		header     string // header that must be set
	}{
		{name: "home", host: other.Host, path: "/", status: 200},
		{name: "missing page", host: other.Host, path: "/no/such/page", status: 404},
		{name: "unknown host", ip: other.IP, host: "unknown.example", path: "/", status: 404},
		{name: "wrong IP still served", ip: siteOf(t, w, simweb.KindServerError).IP, host: other.Host, path: "/", status: 200},
		{name: "upper-case host", ip: other.IP, host: strings.ToUpper(other.Host), path: "/", status: 200},
		{name: "www alias", host: "www." + alias.Host, path: "/", status: 200},
		{name: "server error", host: siteOf(t, w, simweb.KindServerError).Host, path: "/", status: -5},
		{name: "redirect loop", host: siteOf(t, w, simweb.KindRedirectLoop).Host, path: "/", status: 302, header: "Location"},
		{name: "robots", host: siteOf(t, w, simweb.KindRobotsDenyAll).Host, path: "/robots.txt", status: 200},
		{name: "store charset", host: store.Host, path: "/", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := srv.URL(tt.host) + strings.TrimPrefix(tt.path, "/")
			req, _ := http.NewRequest("GET", target, nil)
			cl := c
			if tt.ip.IsValid() {
				d := net.Dialer{}
				cl = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					_, port, _ := net.SplitHostPort(addr)
					return d.DialContext(ctx, network, net.JoinHostPort(tt.ip.String(), port))
				}}}
			}
			resp, err := cl.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if tt.status == -5 {
				if resp.StatusCode < 500 {
					t.Errorf("got status %d, want 5xx", resp.StatusCode)
				}
			} else if resp.StatusCode != tt.status {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.header != "" && resp.Header.Get(tt.header) == "" {
				t.Errorf("got no %s header", tt.header)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	w, srv := MustStart(t, 40, simweb.ServeOptions{Latency: 80 * time.Millisecond})
	start := time.Now()
	resp, err := client(srv, 5*time.Second).Get(srv.URL(siteOf(t, w, simweb.KindCompany).Host))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(start); took < 80*time.Millisecond {
		t.Errorf("got response after %v, want at least 80ms", took)
	}
}

func TestTimeoutSite(t *testing.T) {
	t.Run("client gives up", func(t *testing.T) {
		statuses := make(chan int, 1)
		w, srv := MustStart(t, 40, simweb.ServeOptions{OnRequest: func(r simweb.RequestLog) { statuses <- r.Status }})
		_, err := client(srv, 200*time.Millisecond).Get(srv.URL(siteOf(t, w, simweb.KindTimeout).Host))
		if err == nil {
			t.Fatal("got a response from a timeout site, want an error")
		}
		select {
		case st := <-statuses:
			if st != 0 {
				t.Errorf("got logged status %d, want 0", st)
			}
		case <-time.After(2 * time.Second):
			t.Error("request was not logged after the client gave up")
		}
	})
	t.Run("close unblocks", func(t *testing.T) {
		w := simweb.Generate(simweb.Options{Sites: 40, Seed: 1})
		srv, err := w.Start(context.Background(), simweb.ServeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ts := siteOf(t, w, simweb.KindTimeout)
		errc := make(chan error, 1)
		go func() {
			resp, err := client(srv, 0).Get(srv.URL(ts.Host))
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		time.Sleep(200 * time.Millisecond) // the request is now hanging in the handler
		closed := make(chan error, 1)
		go func() { closed <- srv.Close() }()
		select {
		case err := <-errc:
			if err == nil {
				t.Error("got a response from a timeout site, want an error")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("request still blocked 5s after Close")
		}
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("close: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not return")
		}
		if err := srv.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
	})
}

func TestStartStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := simweb.Generate(simweb.Options{Sites: 30, Seed: 1})
	srv, err := w.Start(ctx, simweb.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(w.Sites()[0].IP.String(), strconv.Itoa(srv.Port()))
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			if err := srv.Close(); err != nil {
				t.Errorf("close after cancel: %v", err)
			}
			return
		}
		conn.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server still accepting 5s after its context was cancelled")
}

func TestStartBadPort(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 10})
	_, err := w.Start(context.Background(), simweb.ServeOptions{Port: 70000})
	if !errors.Is(err, simweb.ErrBadOptions) {
		t.Errorf("got %v, want ErrBadOptions", err)
	}
}

// TestShards serves one web from two servers on one port, each listening on
// half of the site IPs and only the first answering DNS: every site answers
// through exactly one of them, and a bad shard is refused.
func TestShards(t *testing.T) {
	w, first := MustStart(t, 60, simweb.ServeOptions{Shard: 0, Shards: 2})
	second, err := w.Start(context.Background(), simweb.ServeOptions{Port: first.Port(), Shard: 1, Shards: 2, NoDNS: true})
	if err != nil {
		t.Fatalf("second shard: %v", err)
	}
	defer second.Close()
	if second.DNSAddr() != "" {
		t.Errorf("second shard answers DNS at %q", second.DNSAddr())
	}
	c := client(first, 2*time.Second)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	answered := 0
	for _, s := range w.Sites() {
		resp, err := c.Get(first.URL(s.Host))
		if err != nil {
			continue // a site built to hang or fail
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered++
		if a, b := first.Stats().Host(s.Host), second.Stats().Host(s.Host); (a > 0) == (b > 0) {
			t.Errorf("%s on %s: %d requests on the first shard, %d on the second; want one of them", s.Host, s.IP, a, b)
		}
	}
	if answered < len(w.Sites())*9/10 {
		t.Errorf("%d of %d sites answered", answered, len(w.Sites()))
	}
	if first.Stats().Requests == 0 || second.Stats().Requests == 0 {
		t.Errorf("requests: %d and %d, want both shards used", first.Stats().Requests, second.Stats().Requests)
	}
	for _, o := range []simweb.ServeOptions{{Shard: 2, Shards: 2}, {Shard: -1, Shards: 2}, {Shard: 1}} {
		if srv, err := w.Start(context.Background(), o); !errors.Is(err, simweb.ErrBadOptions) {
			if err == nil {
				srv.Close()
			}
			t.Errorf("shard %d of %d: got %v, want ErrBadOptions", o.Shard, o.Shards, err)
		}
	}
}
