package colly_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
)

// mustFetcher returns a loopback-allowing Fetcher closed when tb ends.
func mustFetcher(tb testing.TB, o colly.Options) *colly.Fetcher {
	tb.Helper()
	o.AllowLoopback = true
	f, err := colly.New(&o)
	if err != nil {
		tb.Fatalf("new fetcher: %v", err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

func mustServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

func fetch(tb testing.TB, f crawler.Fetcher, req crawler.Request) (*crawler.Response, error) {
	tb.Helper()
	resp, err := f.Fetch(context.Background(), req)
	if resp == nil {
		tb.Fatalf("fetch %s: got a nil response", req.URL)
	}
	return resp, err
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := crawler.ErrorCode(err); got != code {
		tb.Errorf("got error code %q (%v), want %q", got, err, code)
	}
}

func TestFetchPage(t *testing.T) {
	cp1251 := []byte("<html><head><meta charset=windows-1251></head><body>\xcc\xf3\xe7\xfb\xea\xe0</body></html>") // "Музыка"
	var ua atomic.Value
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		w.Header().Set("Content-Type", "text/html; charset=windows-1251")
		w.Header().Set("Server", "Apache/1.3.37")
		w.Write(cp1251)
	}))
	f := mustFetcher(t, colly.Options{})
	resp, err := fetch(t, f, crawler.Request{URL: srv.URL + "/page", TextOnly: true})
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"status", resp.StatusCode, 200},
		{"final url", resp.FinalURL, srv.URL + "/page"},
		{"ip", resp.IP, "127.0.0.1"},
		{"raw body (colly must not transcode it)", string(resp.Body), string(cp1251)},
		{"content type kept", resp.ContentType(), "text/html; charset=windows-1251"},
		{"server header", resp.Header.Get("Server"), "Apache/1.3.37"},
		{"truncated", resp.Truncated, false},
		{"user agent", ua.Load(), crawler.DefaultUserAgent},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if resp.Duration <= 0 {
		t.Errorf("got duration %v, want > 0", resp.Duration)
	}
}

func redirector(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	for i := 1; i <= 8; i++ {
		mux.HandleFunc(fmt.Sprintf("/chain/%d", i), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, fmt.Sprintf("/chain/%d", i+1), http.StatusFound)
		})
	}
	mux.HandleFunc("/chain/9", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "end") })
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/b", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/a", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("session"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "1"})
			http.Redirect(w, r, "/cookie", http.StatusFound)
			return
		}
		fmt.Fprint(w, "welcome")
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "ftp://files/x", http.StatusFound) })
	return mustServer(t, mux)
}

func TestFetchRedirects(t *testing.T) {
	srv := redirector(t)
	f := mustFetcher(t, colly.Options{MaxRedirects: 5})
	tests := []struct {
		name, path string
		code       string
		final      string
		status     int
	}{
		{"chain within limit", "/chain/4", "", "/chain/9", 200},
		{"chain over limit", "/chain/1", crawler.CodeTooManyRedirects, "/chain/6", 0},
		{"loop", "/loop/a", crawler.CodeRedirectLoop, "/loop/b", 0},
		{"same url once to set a cookie", "/cookie", "", "/cookie", 200},
		{"to another scheme", "/ftp", crawler.CodeBadRedirect, "/ftp", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := fetch(t, f, crawler.Request{URL: srv.URL + tt.path})
			wantCode(t, err, tt.code)
			if resp.FinalURL != srv.URL+tt.final {
				t.Errorf("got final url %q, want %q", resp.FinalURL, srv.URL+tt.final)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestFetchBodyCap(t *testing.T) {
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		w.Header().Set("Content-Type", "text/html")
		w.Write(bytes.Repeat([]byte("x"), n))
	}))
	f := mustFetcher(t, colly.Options{MaxBody: 1024})
	tests := []struct {
		name      string
		n         int
		max       int64
		wantLen   int
		truncated bool
	}{
		{"under", 1000, 0, 1000, false},
		{"exactly at the cap", 1024, 0, 1024, false},
		{"one over", 1025, 0, 1024, true},
		{"far over", 1 << 20, 0, 1024, true},
		{"per-request cap", 5000, 100, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := fetch(t, f, crawler.Request{URL: fmt.Sprintf("%s/?n=%d", srv.URL, tt.n), MaxBody: tt.max})
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if len(resp.Body) != tt.wantLen || resp.Truncated != tt.truncated {
				t.Errorf("got %d bytes truncated=%v, want %d truncated=%v", len(resp.Body), resp.Truncated, tt.wantLen, tt.truncated)
			}
		})
	}
}

func TestFetchGzipIsCappedAfterDecompression(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(bytes.Repeat([]byte("a"), 1<<20))
	zw.Close()
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html")
		w.Write(buf.Bytes())
	}))
	f := mustFetcher(t, colly.Options{MaxBody: 4096})
	resp, err := fetch(t, f, crawler.Request{URL: srv.URL})
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if len(resp.Body) != 4096 || !resp.Truncated || resp.Body[0] != 'a' {
		t.Errorf("got %d bytes truncated=%v, want 4096 decompressed bytes, truncated", len(resp.Body), resp.Truncated)
	}
}

func TestFetchTimeouts(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Write([]byte("<html>"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	tests := []struct {
		name, path string
		o          colly.Options
		status     int
	}{
		{"total", "/slow-body", colly.Options{Timeout: 300 * time.Millisecond}, 200},
		{"first byte", "/silent", colly.Options{FirstByte: 200 * time.Millisecond}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFetcher(t, tt.o)
			resp, err := fetch(t, f, crawler.Request{URL: srv.URL + tt.path})
			wantCode(t, err, crawler.CodeTimeout)
			if resp.StatusCode != tt.status {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestFetchErrorStatuses(t *testing.T) {
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/busy":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "maintenance")
		default:
			http.NotFound(w, r)
		}
	}))
	f := mustFetcher(t, colly.Options{})
	tests := []struct {
		path       string
		status     int
		retryAfter string
	}{
		{"/busy", 429, "120"},
		{"/down", 503, ""},
		{"/missing", 404, ""},
	}
	for _, tt := range tests {
		resp, err := fetch(t, f, crawler.Request{URL: srv.URL + tt.path})
		if err != nil {
			t.Errorf("%s: got error %v, want a response", tt.path, err)
		}
		if resp.StatusCode != tt.status || resp.Header.Get("Retry-After") != tt.retryAfter {
			t.Errorf("%s: got %d Retry-After %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Retry-After"), tt.status, tt.retryAfter)
		}
	}
}

func TestFetchSkipsNonText(t *testing.T) {
	var wrote atomic.Int64
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		for range 64 {
			n, err := w.Write(make([]byte, 64<<10))
			wrote.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	f := mustFetcher(t, colly.Options{})
	resp, err := fetch(t, f, crawler.Request{URL: srv.URL + "/song.mp3", TextOnly: true})
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if !resp.BodySkipped || len(resp.Body) != 0 || resp.ContentType() != "audio/mpeg" || resp.StatusCode != 200 {
		t.Errorf("got skipped=%v %d bytes type %q status %d, want a skipped audio/mpeg 200",
			resp.BodySkipped, len(resp.Body), resp.ContentType(), resp.StatusCode)
	}
	resp, err = fetch(t, f, crawler.Request{URL: srv.URL + "/song.mp3"})
	if err != nil || resp.BodySkipped || len(resp.Body) != 64*64<<10 {
		t.Errorf("without TextOnly: got %v skipped=%v %d bytes, want the whole body", err, resp.BodySkipped, len(resp.Body))
	}
}

func TestFetchRefusedAddresses(t *testing.T) {
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hi") }))
	strict, err := colly.New(&colly.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	loopback := mustFetcher(t, colly.Options{})
	tests := []struct {
		name string
		f    crawler.Fetcher
		url  string
	}{
		// The policy is checked before dialing: no packet goes to 10.0.0.1.
		{"private literal", loopback, "http://10.0.0.1:9/"},
		{"link-local metadata", loopback, "http://169.254.169.254/latest/meta-data/"},
		{"mapped private", loopback, "http://[::ffff:10.0.0.1]:9/"},
		{"loopback without AllowLoopback", strict, srv.URL},
		{"localhost without AllowLoopback", strict, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fetch(t, tt.f, crawler.Request{URL: tt.url})
			wantCode(t, err, crawler.CodeBlockedIP)
			if !errors.Is(err, crawler.ErrBlockedAddress) {
				t.Errorf("got %v, want it to wrap ErrBlockedAddress", err)
			}
		})
	}
}

func TestFetchConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	f := mustFetcher(t, colly.Options{})
	_, err = fetch(t, f, crawler.Request{URL: "http://" + addr + "/"})
	wantCode(t, err, crawler.CodeRefused)
}

func TestFetchBadURL(t *testing.T) {
	f := mustFetcher(t, colly.Options{})
	for _, u := range []string{"", "ftp://x/", "/relative", "http://"} {
		_, err := fetch(t, f, crawler.Request{URL: u})
		wantCode(t, err, crawler.CodeBadURL)
	}
}

func TestFetchTLS(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		fmt.Fprint(w, "secure")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	trusted := mustFetcher(t, colly.Options{TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	resp, err := fetch(t, trusted, crawler.Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "secure" {
		t.Fatalf("got %v %q, want the page", err, resp.Body)
	}
	if proto.Load() != "HTTP/2.0" {
		t.Errorf("got %v, want HTTP/2.0", proto.Load())
	}
	untrusted := mustFetcher(t, colly.Options{})
	_, err = fetch(t, untrusted, crawler.Request{URL: srv.URL})
	wantCode(t, err, crawler.CodeTLS)
}

// mustDNS serves A records on loopback UDP: name → IPv4. Other names are
// NXDOMAIN. It returns the server's address.
func mustDNS(tb testing.TB, records map[string]string) string {
	tb.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			q := r.Question[0]
			ip, ok := records[strings.ToLower(q.Name)]
			switch {
			case !ok:
				m.Rcode = dns.RcodeNameError
			case q.Qtype == dns.TypeA:
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.ParseIP(ip),
				})
			}
			w.WriteMsg(m)
		})}
	go srv.ActivateAndServe()
	<-started
	tb.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestFetchThroughResolver(t *testing.T) {
	srv := mustServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Host) }))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	resolver := mustDNS(t, map[string]string{
		"shop.trawl-test.": "127.0.0.1",
		"evil.trawl-test.": "10.0.0.1",
	})
	f := mustFetcher(t, colly.Options{Resolver: resolver})

	resp, err := fetch(t, f, crawler.Request{URL: "http://shop.trawl-test:" + port + "/"})
	if err != nil {
		t.Fatalf("fetch through resolver: %v", err)
	}
	if string(resp.Body) != "shop.trawl-test:"+port || resp.IP != "127.0.0.1" {
		t.Errorf("got body %q ip %q, want the Host echoed from 127.0.0.1", resp.Body, resp.IP)
	}
	_, err = fetch(t, f, crawler.Request{URL: "http://evil.trawl-test:" + port + "/"})
	wantCode(t, err, crawler.CodeBlockedIP)
	_, err = fetch(t, f, crawler.Request{URL: "http://missing.trawl-test:" + port + "/"})
	wantCode(t, err, crawler.CodeDNS)
}

func TestNewRejectsBadResolver(t *testing.T) {
	if _, err := colly.New(&colly.Options{Resolver: "127.0.0.1"}); err == nil {
		t.Errorf("got nil error for a resolver without a port, want one")
	}
}
