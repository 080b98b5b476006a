package colly_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
	"trawl.dev/simweb/hostile"
)

// Limits of the crawler under test: small, so that the suite is quick.
const (
	hostileMaxBody = 1 << 20
	// allocBudget bounds the bytes allocated by one case, the server's side
	// included: a bomb or an endless body must not be buffered.
	allocBudget = 48 << 20
)

// hostileEnv is the suite's server and a crawler allowed only its network.
type hostileEnv struct {
	srv    *hostile.Server
	f      *colly.Fetcher
	c      *crawler.Crawler
	mu     sync.Mutex
	dialed []string
}

func mustHostile(t *testing.T) *hostileEnv {
	t.Helper()
	srv, err := hostile.Start(context.Background(), hostile.Options{MaxHold: 10 * time.Second})
	if err != nil {
		t.Fatalf("start hostile server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	allow := []netip.Prefix{netip.PrefixFrom(srv.IP(), 16).Masked()}
	f, err := colly.New(&colly.Options{
		Resolver:       srv.DNSAddr(),
		AllowNets:      allow, // not AllowLoopback: localhost and 127.0.0.1 stay refused
		MaxBody:        hostileMaxBody,
		Timeout:        2 * time.Second,
		FirstByte:      time.Second,
		ConnectTimeout: time.Second,
		MaxRedirects:   5,
		MaxHeaderBytes: 64 << 10,
		TLS:            &tls.Config{RootCAs: srv.RootCAs()},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	env := &hostileEnv{srv: srv, f: f}
	colly.SetDialHook(f, func(addr string) {
		env.mu.Lock()
		env.dialed = append(env.dialed, addr)
		env.mu.Unlock()
	})
	env.c = crawler.New(f, &crawler.Options{AddrPolicy: crawler.AddrPolicy{Allow: allow}})
	return env
}

// outcomeCheck says what a case must end in.
type outcomeCheck struct {
	code      string // ErrorCode; "" for a response
	status    int    // -1: any
	page      bool   // a Page is expected
	truncated bool
	check     func(t *testing.T, env *hostileEnv, res crawler.Result)
}

func TestHostileWeb(t *testing.T) {
	env := mustHostile(t)
	port := env.srv.HTTPPort()
	hasText := func(want string) func(*testing.T, *hostileEnv, crawler.Result) {
		return func(t *testing.T, _ *hostileEnv, res crawler.Result) {
			if !strings.Contains(res.Page.Text, want) {
				t.Errorf("got text %.200q, want it to contain %q", res.Page.Text, want)
			}
		}
	}
	capped := func(t *testing.T, _ *hostileEnv, res crawler.Result) {
		if res.Outcome.Bytes != hostileMaxBody {
			t.Errorf("got %d body bytes, want exactly the %d cap", res.Outcome.Bytes, hostileMaxBody)
		}
	}
	wantLinks := func(want ...string) func(*testing.T, *hostileEnv, crawler.Result) {
		return func(t *testing.T, env *hostileEnv, res crawler.Result) {
			var got []string
			for _, l := range res.Page.Links {
				got = append(got, l.URL)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("got links\n  %v\nwant\n  %v", got, want)
			}
		}
	}
	notDownloaded := func(t *testing.T, env *hostileEnv, res crawler.Result) {
		if res.Outcome.Bytes != 0 {
			t.Errorf("got %d body bytes, want none read", res.Outcome.Bytes)
		}
	}
	base := func(name string) string { return fmt.Sprintf("http://%s:%d", hostile.Host(name), port) }
	tests := map[string]outcomeCheck{
		"gzip-bomb":          {status: 200, page: true, truncated: true, check: capped},
		"gzip-nested-bomb":   {status: 200, page: true, truncated: true, check: capped},
		"brotli-bomb":        {status: 200, page: true, truncated: true, check: capped},
		"gzip-corrupt":       {code: crawler.CodeBadEncoding, status: 200},
		"endless-body":       {status: 200, page: true, truncated: true, check: capped},
		"over-cap":           {status: 200, page: true, truncated: true, check: capped},
		"content-length-lie": {code: crawler.CodeNetwork, status: 200},
		"slowloris":          {code: crawler.CodeTimeout, status: 200},
		"slow-headers":       {code: crawler.CodeTimeout},
		"no-response":        {code: crawler.CodeTimeout},
		"close-at-once":      {code: crawler.CodeNetwork},
		"redirect-loop":      {code: crawler.CodeRedirectLoop},
		"redirect-chain":     {code: crawler.CodeTooManyRedirects},
		"redirect-private":   {code: crawler.CodeBlockedIP},
		"redirect-metadata":  {code: crawler.CodeBlockedIP},
		"redirect-localhost": {code: crawler.CodeBlockedIP},
		"redirect-private-name": {code: crawler.CodeBlockedIP, check: func(t *testing.T, env *hostileEnv, res crawler.Result) {
			if env.srv.Requests("dns-private") != 0 {
				t.Errorf("the redirect target was requested")
			}
		}},
		"redirect-file":    {code: crawler.CodeBadRedirect},
		"huge-headers":     {code: crawler.CodeTooLarge},
		"malformed-status": {code: crawler.CodeNetwork},
		"malformed-html":   {status: 200, page: true, check: wantLinks(base("malformed-html")+"/first", base("malformed-html")+"/second", base("malformed-html")+"/third")},
		"deep-html":        {status: 200, page: true, truncated: true, check: wantLinks(base("deep-html") + "/bottom")},
		"charset-wrong":    {status: 200, page: true, check: hasText("Купить музыку в формате MP3")},
		"charset-missing":  {status: 200, page: true, check: hasText("Купить музыку в формате MP3")},
		"charset-lies":     {status: 200, page: true, check: hasText("Купить музыку в формате MP3")},
		"invalid-utf8":     {status: 200, page: true, check: hasText("Купить музыку в формате MP3")},
		"binary-as-html":   {status: 200, page: true},
		"audio":            {status: 200, check: notDownloaded},
		"pdf":              {status: 200, check: notDownloaded},
		"no-content-type":  {status: 200, page: true},
		"robots-huge":      {code: crawler.CodeRobots},
		"robots-5xx":       {code: crawler.CodeRobotsUnavailable},
		"robots-redirect":  {code: crawler.CodeRobots},
		"robots-garbage":   {status: 200, page: true},
		"robots-gzip-bomb": {status: 200, page: true},
		"robots-hang":      {code: crawler.CodeRobotsUnavailable},
		"dns-nxdomain":     {code: crawler.CodeDNS},
		"dns-servfail":     {code: crawler.CodeDNS},
		"dns-private":      {code: crawler.CodeBlockedIP},
		"dns-metadata":     {code: crawler.CodeBlockedIP},
		"dns-localhost":    {code: crawler.CodeBlockedIP},
		"tls-ok":           {status: 200, page: true},
		"tls-self-signed":  {code: crawler.CodeTLS},
		"tls-expired":      {code: crawler.CodeTLS},
		"tls-wrong-host":   {code: crawler.CodeTLS},
		"tls-plain-port":   {code: crawler.CodeTLS},
		"idn":              {status: 200, page: true, check: wantLinks(base("idn-target")+"/", fmt.Sprintf("http://xn--e1afmkfd.%s:%d/%%D0%%90%%D0%%BB%%D1%%8C%%D0%%B1%%D0%%BE%%D0%%BC", hostile.Domain, port))},
		"idn-target":       {status: 200, page: true},
		"homograph":        {status: 200, page: true},
		"session-ids":      {status: 200, page: true, check: wantLinks(base("session-ids")+"/catalog", base("session-ids")+"/catalog?page=2")},
		"links-forbidden": {status: 200, page: true, check: func(t *testing.T, env *hostileEnv, res crawler.Result) {
			wantLinks(env.srv.URL("dns-private"), base("links-forbidden")+"/ok")(t, env, res)
			if res.Page.LinksRefused != 9 {
				t.Errorf("got %d links refused, want 9 (metadata, two 10/8, three localhost names, 127.0.0.1, ::1, 0x7f000001)", res.Page.LinksRefused)
			}
		}},
	}
	if n := len(env.srv.Cases()); n < 25 {
		t.Fatalf("got %d hostile cases, want at least 25", n)
	}
	for _, hc := range env.srv.Cases() {
		want, ok := tests[hc.Name]
		if !ok {
			t.Errorf("case %s has no expectation", hc.Name)
			continue
		}
		t.Run(hc.Name, func(t *testing.T) {
			env.mu.Lock()
			env.dialed = nil
			env.mu.Unlock()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res := env.c.Crawl(context.Background(), crawler.Task{URL: env.srv.URL(hc.Name), LeaseID: "hostile"})
			runtime.ReadMemStats(&after)
			o := res.Outcome
			t.Logf("%s: status %d code %q bytes %d truncated %v alloc %d KiB: %.160s", hc.What, o.StatusCode, o.ErrorCode, o.Bytes, o.Truncated, (after.TotalAlloc-before.TotalAlloc)>>10, o.Error)

			if o.StatusCode == 0 && o.ErrorCode == "" {
				t.Errorf("got neither a status nor an error code: no clear outcome")
			}
			if o.ErrorCode != want.code {
				t.Errorf("got error code %q (%s), want %q", o.ErrorCode, o.Error, want.code)
			}
			if want.status >= 0 && o.StatusCode != want.status {
				t.Errorf("got status %d, want %d", o.StatusCode, want.status)
			}
			if (res.Page != nil) != want.page {
				t.Fatalf("got page %v, want %v", res.Page != nil, want.page)
			}
			if o.Truncated != want.truncated {
				t.Errorf("got truncated %v, want %v", o.Truncated, want.truncated)
			}
			if o.Bytes > hostileMaxBody {
				t.Errorf("got %d body bytes, over the %d cap", o.Bytes, hostileMaxBody)
			}
			if res.Page != nil && !utf8.ValidString(res.Page.Text+res.Page.Title) {
				t.Errorf("got page text that is not UTF-8")
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > allocBudget && !raceEnabled {
				t.Errorf("allocated %d MiB for one case, want under %d MiB", grew>>20, allocBudget>>20)
			}
			env.mu.Lock()
			for _, a := range env.dialed {
				ap, err := netip.ParseAddrPort(a)
				if err != nil || ap.Addr() != env.srv.IP() {
					t.Errorf("dialed %s: only the hostile server's %s may ever be dialed", a, env.srv.IP())
				}
			}
			env.mu.Unlock()
			if want.check != nil {
				want.check(t, env, res)
			}
		})
	}
	// The crawler survived everything and still fetches a good page.
	if res := env.c.Crawl(context.Background(), crawler.Task{URL: env.srv.URL("tls-ok"), LeaseID: "after"}); res.Page == nil {
		t.Errorf("after the suite: got %+v, want the control page", res.Outcome)
	}
}

// TestRefusedAddressesAreNeverDialed shows that a refusal happens before any
// connection: the fetcher reports blocked_ip and its dialer never saw the
// address, for literals, names and redirects alike.
func TestRefusedAddressesAreNeverDialed(t *testing.T) {
	env := mustHostile(t)
	port := env.srv.HTTPPort()
	tests := []struct{ name, url string }{
		{"private literal", "http://10.0.0.1/"},
		{"private literal with port", "http://10.20.30.40:8080/x"},
		{"metadata literal", "http://169.254.169.254/latest/meta-data/"},
		{"mapped private", "http://[::ffff:10.0.0.1]/"},
		{"localhost", fmt.Sprintf("http://localhost:%d/", port)},
		{"loopback outside the allowed net", fmt.Sprintf("http://127.0.0.1:%d/", port)},
		{"name resolving to 10.0.0.1", env.srv.URL("dns-private")},
		{"name resolving to metadata", env.srv.URL("dns-metadata")},
		{"redirect to 10.0.0.1", env.srv.URL("redirect-private")},
		{"redirect to metadata", env.srv.URL("redirect-metadata")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.mu.Lock()
			env.dialed = nil
			env.mu.Unlock()
			resp, err := env.f.Fetch(context.Background(), crawler.Request{URL: tt.url})
			resp.Done()
			if got := crawler.ErrorCode(err); got != crawler.CodeBlockedIP {
				t.Errorf("got %q (%v), want %q", got, err, crawler.CodeBlockedIP)
			}
			env.mu.Lock()
			defer env.mu.Unlock()
			for _, a := range env.dialed {
				if ap, _ := netip.ParseAddrPort(a); ap.Addr() != env.srv.IP() {
					t.Errorf("dialed %s", a)
				}
			}
		})
	}
	// The connect-time guard refuses too, should anything get past the
	// resolver's check: dialing through the transport's dial function with
	// an IP literal never reaches connect(2).
	u, _ := url.Parse("http://10.0.0.1:80/")
	_, err := (&net.Dialer{Control: colly.ControlFor(env.f)}).DialContext(context.Background(), "tcp", u.Host)
	if crawler.ErrorCode(err) != crawler.CodeBlockedIP {
		t.Errorf("control guard: got %v, want blocked_ip", err)
	}
}
