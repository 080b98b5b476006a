package colly

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	gocolly "github.com/gocolly/colly/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"trawl.dev/crawler"
)

// Options configure a Fetcher; zero fields take the defaults.
type Options struct {
	UserAgent      string        // default crawler.DefaultUserAgent
	Resolver       string        // DNS server "host:port" (e.g. "127.0.0.1:5353"); "" = the system resolver
	AllowLoopback  bool          // allow 127.0.0.0/8 and ::1 (tests, the demo)
	AllowPrivate   bool          // allow private and link-local addresses
	MaxBody        int64         // bytes of body read; default 4 MiB
	Timeout        time.Duration // whole fetch, redirects included; default 15s
	FirstByte      time.Duration // request written → response headers, per hop; default 10s
	ConnectTimeout time.Duration // default 10s
	MaxRedirects   int           // default 5; negative follows none
	MaxHeaderBytes int64         // response header cap; default 64 KiB
	DNSCacheSize   int           // host names cached; default 10000
	DNSCacheTTL    time.Duration // default 5m
	TLS            *tls.Config   // nil: system roots (tests pass their server's roots here)
	Now            func() time.Time
}

func (o *Options) withDefaults() (Options, error) {
	var p Options
	if o != nil {
		p = *o
	}
	if p.UserAgent == "" {
		p.UserAgent = crawler.DefaultUserAgent
	}
	if p.Resolver != "" {
		if _, _, err := net.SplitHostPort(p.Resolver); err != nil {
			return p, fmt.Errorf("colly: resolver %q: want host:port: %w", p.Resolver, err)
		}
	}
	if p.MaxBody <= 0 {
		p.MaxBody = 4 << 20
	}
	if p.Timeout <= 0 {
		p.Timeout = 15 * time.Second
	}
	if p.FirstByte <= 0 {
		p.FirstByte = 10 * time.Second
	}
	if p.ConnectTimeout <= 0 {
		p.ConnectTimeout = 10 * time.Second
	}
	if p.MaxRedirects == 0 {
		p.MaxRedirects = 5
	}
	if p.MaxHeaderBytes <= 0 {
		p.MaxHeaderBytes = 64 << 10
	}
	if p.DNSCacheSize <= 0 {
		p.DNSCacheSize = 10000
	}
	if p.DNSCacheTTL <= 0 {
		p.DNSCacheTTL = 5 * time.Minute
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p, nil
}

// Fetcher is a crawler.Fetcher. It is safe for concurrent use; Close it to
// release idle connections.
type Fetcher struct {
	o  Options
	tr *http.Transport
	rt http.RoundTripper
}

var _ crawler.Fetcher = (*Fetcher)(nil)

// New returns a Fetcher. It does no I/O.
func New(o *Options) (*Fetcher, error) {
	opt, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	cache, err := lru.New[string, dnsEntry](opt.DNSCacheSize)
	if err != nil {
		return nil, fmt.Errorf("colly: dns cache: %w", err)
	}
	d := &dialer{
		policy:   crawler.AddrPolicy{AllowLoopback: opt.AllowLoopback, AllowPrivate: opt.AllowPrivate},
		resolver: newResolver(opt.Resolver),
		net:      net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second},
		cache:    cache,
		ttl:      opt.DNSCacheTTL,
		now:      opt.Now,
	}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would bypass the address policy
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    opt.ConnectTimeout,
		ResponseHeaderTimeout:  opt.FirstByte,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: opt.MaxHeaderBytes,
		TLSClientConfig:        opt.TLS.Clone(),
	}
	return &Fetcher{o: opt, tr: tr, rt: capTransport{tr}}, nil
}

// Close closes idle connections.
func (f *Fetcher) Close() error {
	f.tr.CloseIdleConnections()
	return nil
}

// fetchState is what one fetch learns below colly's API.
type fetchState struct {
	maxBody int64

	mu        sync.Mutex
	ip        string
	truncated bool
	lastURL   string // last URL requested, for a refused redirect

	// Set by colly callbacks on the fetching goroutine.
	status   int
	header   http.Header
	finalURL string
	body     []byte
	skipped  bool
}

type stateKey struct{}

func stateOf(ctx context.Context) *fetchState {
	st, _ := ctx.Value(stateKey{}).(*fetchState)
	return st
}

func (st *fetchState) gotConn(info httptrace.GotConnInfo) {
	if info.Conn == nil {
		return
	}
	host, _, err := net.SplitHostPort(info.Conn.RemoteAddr().String())
	if err != nil {
		return
	}
	st.mu.Lock()
	st.ip = host
	st.mu.Unlock()
}

// Fetch fetches req.URL. See crawler.Fetcher.
func (f *Fetcher) Fetch(ctx context.Context, req crawler.Request) (*crawler.Response, error) {
	start := time.Now()
	resp := &crawler.Response{URL: req.URL, FinalURL: req.URL}
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return resp, &crawler.FetchError{Code: crawler.CodeBadURL,
			Err: fmt.Errorf("fetch %q: not an absolute http(s) url", req.URL)}
	}
	st := &fetchState{maxBody: f.o.MaxBody}
	if req.MaxBody > 0 {
		st.maxBody = req.MaxBody
	}
	ctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	ctx = context.WithValue(ctx, stateKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: st.gotConn})

	c := gocolly.NewCollector(
		gocolly.UserAgent(f.o.UserAgent),
		gocolly.AllowURLRevisit(),
		gocolly.ParseHTTPErrorResponse(),
		gocolly.MaxBodySize(0), // capped by capTransport, which records the cut
		gocolly.StdlibContext(ctx),
	)
	jar, _ := cookiejar.New(nil) // never fails without options
	c.SetClient(&http.Client{Transport: f.rt, Jar: jar, CheckRedirect: f.checkRedirect})
	c.OnResponseHeaders(func(r *gocolly.Response) {
		st.status = r.StatusCode
		st.header = r.Headers.Clone()
		st.finalURL = r.Request.URL.String()
		if req.TextOnly && !crawler.IsText(r.Headers.Get("Content-Type")) {
			st.skipped = true
			r.Request.Abort()
			return
		}
		// colly would transcode a header charset itself (ignoring <meta>);
		// without the header it leaves the bytes alone for our parser.
		r.Headers.Del("Content-Type")
	})
	c.OnResponse(func(r *gocolly.Response) { st.body = r.Body })
	err = c.Visit(u.String())

	resp.Duration = time.Since(start)
	st.mu.Lock()
	resp.IP, resp.Truncated = st.ip, st.truncated
	if st.finalURL == "" && st.lastURL != "" {
		st.finalURL = st.lastURL
	}
	st.mu.Unlock()
	if st.finalURL != "" {
		resp.FinalURL = st.finalURL
	}
	resp.StatusCode, resp.Body, resp.BodySkipped = st.status, st.body, st.skipped
	if st.header != nil {
		resp.Header = textproto.MIMEHeader(st.header)
	}
	if err != nil && !(st.skipped && errors.Is(err, gocolly.ErrAbortedAfterHeaders)) {
		return resp, classify(err)
	}
	return resp, nil
}

// checkRedirect follows up to MaxRedirects http(s) redirects. A chain that
// comes back to a URL twice is a loop.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	last := via[len(via)-1].URL.String()
	if st := stateOf(req.Context()); st != nil {
		st.mu.Lock()
		st.lastURL = last
		st.mu.Unlock()
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return &crawler.FetchError{Code: crawler.CodeBadRedirect, Err: fmt.Errorf("redirect from %s to %s", last, req.URL)}
	}
	next, repeats := req.URL.String(), 0
	for _, v := range via {
		if v.URL.String() == next {
			repeats++
		}
	}
	switch {
	case repeats >= 2 || (repeats > 0 && len(via) > f.o.MaxRedirects):
		return &crawler.FetchError{Code: crawler.CodeRedirectLoop, Err: fmt.Errorf("redirect loop at %s", next)}
	case len(via) > f.o.MaxRedirects:
		return &crawler.FetchError{Code: crawler.CodeTooManyRedirects,
			Err: fmt.Errorf("more than %d redirects, next %s", max(f.o.MaxRedirects, 0), next)}
	}
	return nil
}

// classify turns a transport error into a *crawler.FetchError.
func classify(err error) error {
	var fe *crawler.FetchError
	if errors.As(err, &fe) {
		return fe
	}
	code := crawler.CodeNetwork
	var dnsErr *net.DNSError
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	msg := err.Error()
	switch {
	case errors.As(err, &dnsErr):
		code = crawler.CodeDNS
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		code = crawler.CodeTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		code = crawler.CodeRefused
	case errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &alert) ||
		errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid) ||
		strings.Contains(msg, "tls: "):
		code = crawler.CodeTLS
	case strings.Contains(msg, "server response headers exceeded"):
		code = crawler.CodeTooLarge
	}
	return &crawler.FetchError{Code: code, Err: err}
}

// capTransport caps every response body at the fetch's limit. Reading past
// the cap ends the body and marks the fetch truncated; one byte more is read
// to tell a cut body from one that fits exactly.
type capTransport struct{ base http.RoundTripper }

func (t capTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if st := stateOf(r.Context()); st != nil {
		resp.Body = &cappedBody{rc: resp.Body, left: st.maxBody, st: st}
	}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
	st   *fetchState
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		for range 100 { // a reader may return 0, nil a few times
			n, err := b.rc.Read(one[:])
			if n > 0 {
				b.st.mu.Lock()
				b.st.truncated = true
				b.st.mu.Unlock()
				return 0, io.EOF
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
