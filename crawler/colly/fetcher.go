package colly

import (
	"bytes"
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
	"net/netip"
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
	UserAgent      string         // default crawler.DefaultUserAgent
	Resolver       string         // DNS server "host:port" (e.g. "127.0.0.1:5353"); "" = the system resolver
	AllowLoopback  bool           // allow 127.0.0.0/8 and ::1 (tests, the demo)
	AllowPrivate   bool           // allow private and link-local addresses
	AllowNets      []netip.Prefix // allow these networks too (say, simweb's 127.1.0.0/16 only)
	MaxBody        int64          // bytes of a body kept, after Content-Encoding is undone; default 4 MiB
	MaxWireBody    int64          // bytes of a body read off the network, still encoded; default MaxBody
	Timeout        time.Duration  // whole fetch, redirects included; default 15s
	FirstByte      time.Duration  // request written → response headers, per hop; default 10s
	ConnectTimeout time.Duration  // TCP connect and TLS handshake; default 10s
	MaxRedirects   int            // default 5; negative follows none
	MaxHeaderBytes int64          // response header cap; default 64 KiB
	DNSCacheSize   int            // host names cached; default 10000
	DNSCacheTTL    time.Duration  // default 5m; failures are cached for a tenth of it
	MaxIdleConns   int            // idle keep-alive connections kept, all hosts; default 2048
	TLS            *tls.Config    // nil: system roots (tests pass their server's roots here)
	// Recorder, when set, is given every exchange (redirect hops and
	// robots.txt included) with its raw body: the WARC evidence.
	Recorder crawler.Recorder
	Now      func() time.Time
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
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&p.MaxBody, 4<<20)
	def(&p.MaxWireBody, p.MaxBody)
	def(&p.MaxHeaderBytes, 64<<10)
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&p.Timeout, 15*time.Second)
	defDur(&p.FirstByte, 10*time.Second)
	defDur(&p.ConnectTimeout, 10*time.Second)
	defDur(&p.DNSCacheTTL, 5*time.Minute)
	if p.MaxRedirects == 0 {
		p.MaxRedirects = 5
	}
	if p.DNSCacheSize <= 0 {
		p.DNSCacheSize = 10000
	}
	if p.MaxIdleConns <= 0 {
		p.MaxIdleConns = 2048
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p, nil
}

// Fetcher is a crawler.Fetcher. It is safe for concurrent use; Close it to
// release idle connections.
type Fetcher struct {
	o      Options
	dialer *dialer
	tr     *http.Transport
	rt     http.RoundTripper
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
	policy := crawler.AddrPolicy{AllowLoopback: opt.AllowLoopback, AllowPrivate: opt.AllowPrivate, Allow: opt.AllowNets}
	d := &dialer{
		policy:   policy,
		resolver: newResolver(opt.Resolver),
		cache:    cache,
		ttl:      opt.DNSCacheTTL,
		now:      opt.Now,
	}
	d.net = net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second, Control: d.control}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would bypass the address policy
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		DisableCompression:     true, // bodies are decoded under our caps (body.go)
		MaxIdleConns:           opt.MaxIdleConns,
		MaxIdleConnsPerHost:    2, // the frontier sends one fetch per host at a time
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    opt.ConnectTimeout,
		ResponseHeaderTimeout:  opt.FirstByte,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: opt.MaxHeaderBytes,
		TLSClientConfig:        opt.TLS.Clone(),
		ReadBufferSize:         16 << 10,
		WriteBufferSize:        4 << 10,
	}
	f := &Fetcher{o: opt, dialer: d, tr: tr}
	f.rt = bodyTransport{base: tr, f: f}
	return f, nil
}

// Close closes idle connections.
func (f *Fetcher) Close() error {
	f.tr.CloseIdleConnections()
	return nil
}

// fetchState is what one fetch learns below colly's API. The transport
// fills it on the fetching goroutine, hop by hop; the trace hook may run
// elsewhere, hence the mutex.
type fetchState struct {
	maxWire, maxDecoded int64
	textOnly            bool

	mu      sync.Mutex
	ip      string
	lastURL string // last URL requested, for a refused redirect

	status    int
	header    http.Header
	finalURL  string
	body      *bytes.Buffer // pooled; owned by the Response once Fetch returns
	truncated bool
	skipped   bool
	record    *crawler.RecordRef // where the Recorder put the final response
}

func (st *fetchState) remoteIP() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ip
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
//
// colly drives the request (URL normalisation, headers, the client and its
// redirects, error callbacks); the body is read by the transport below it
// into a pooled buffer, decoded and capped there, so colly sees an empty
// body and neither buffers nor transcodes it a second time.
func (f *Fetcher) Fetch(ctx context.Context, req crawler.Request) (*crawler.Response, error) {
	start := time.Now()
	resp := &crawler.Response{URL: req.URL, FinalURL: req.URL}
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return resp, &crawler.FetchError{Code: crawler.CodeBadURL,
			Err: fmt.Errorf("fetch %q: not an absolute http(s) url", req.URL)}
	}
	st := &fetchState{maxWire: f.o.MaxWireBody, maxDecoded: f.o.MaxBody, textOnly: req.TextOnly}
	if req.MaxBody > 0 {
		st.maxWire, st.maxDecoded = min(st.maxWire, req.MaxBody), min(st.maxDecoded, req.MaxBody)
	}
	ctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	ctx = context.WithValue(ctx, stateKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: st.gotConn})

	c := gocolly.NewCollector(
		gocolly.UserAgent(f.o.UserAgent),
		gocolly.AllowURLRevisit(),
		gocolly.ParseHTTPErrorResponse(),
		gocolly.MaxBodySize(0), // the transport has read and capped the body already
		gocolly.StdlibContext(ctx),
	)
	jar, _ := cookiejar.New(nil) // never fails without options
	c.SetClient(&http.Client{Transport: f.rt, Jar: jar, CheckRedirect: f.checkRedirect})
	c.OnRequest(func(r *gocolly.Request) { r.Headers.Set("Accept-Encoding", acceptEncoding) })
	err = c.Visit(u.String())

	resp.Duration = time.Since(start)
	st.mu.Lock()
	resp.IP = st.ip
	if st.finalURL == "" && st.lastURL != "" {
		st.finalURL = st.lastURL
	}
	st.mu.Unlock()
	if st.finalURL != "" {
		resp.FinalURL = st.finalURL
	}
	resp.StatusCode, resp.Truncated, resp.BodySkipped, resp.Record = st.status, st.truncated, st.skipped, st.record
	if st.body != nil {
		buf := st.body
		resp.Body = buf.Bytes()
		resp.Release = func() { putBuffer(buf) }
	}
	if st.header != nil {
		resp.Header = textproto.MIMEHeader(st.header)
	}
	if err != nil {
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
		strings.Contains(msg, "tls: ") || strings.Contains(msg, "HTTP response to HTTPS client"):
		code = crawler.CodeTLS
	case strings.Contains(msg, "server response headers exceeded"):
		code = crawler.CodeTooLarge
	}
	return &crawler.FetchError{Code: code, Err: err}
}

// bodyTransport reads each final response's body (not a redirect's) into a
// pooled buffer: at most MaxWireBody bytes off the wire, Content-Encoding
// undone, at most MaxBody bytes kept, the cut recorded. A body that
// is not text is not read when the fetch is TextOnly. The response passed
// up to the client and colly has an empty body.
type bodyTransport struct {
	base http.RoundTripper
	f    *Fetcher
}

func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	st := stateOf(r.Context())
	if st == nil {
		return resp, nil
	}
	var x *crawler.Exchange
	if t.f.o.Recorder != nil {
		x = &crawler.Exchange{URL: r.URL.String(), Method: r.Method, RequestHeader: textproto.MIMEHeader(r.Header.Clone()),
			IP: st.remoteIP(), Proto: resp.Proto, StatusCode: resp.StatusCode, Status: resp.Status,
			Header: textproto.MIMEHeader(resp.Header.Clone()), Date: t.f.o.Now()}
	}
	// record hands the exchange to the Recorder and returns where it went
	// (nil when nowhere): the final response's place goes with the page.
	record := func() *crawler.RecordRef {
		if x == nil {
			return nil
		}
		ref, err := t.f.o.Recorder.Record(r.Context(), x)
		if err != nil {
			return nil
		}
		return &ref
	}
	if isRedirect(resp) {
		// The client follows it and closes this body unread.
		if x != nil {
			x.SkippedBody = true
		}
		record()
		return resp, nil
	}
	st.status, st.header, st.finalURL = resp.StatusCode, resp.Header.Clone(), r.URL.String()
	if st.textOnly && !crawler.IsText(resp.Header.Get("Content-Type")) {
		st.skipped = true
		resp.Body.Close()
		resp.Body = http.NoBody
		if x != nil {
			x.SkippedBody = true
		}
		st.record = record()
		return resp, nil
	}
	wire := &wireReader{r: resp.Body, left: st.maxWire}
	if x != nil {
		wire.tee = getBuffer()
		defer putBuffer(wire.tee)
	}
	buf := getBuffer()
	readErr := t.readBody(buf, wire, resp.Header.Get("Content-Encoding"), st.maxDecoded)
	resp.Body.Close()
	if buf.Len() > int(st.maxDecoded) {
		buf.Truncate(int(st.maxDecoded))
		st.truncated = true
	}
	if wire.cut {
		st.truncated = true
	}
	if st.body != nil {
		putBuffer(st.body)
	}
	st.body = buf
	if x != nil {
		x.Body, x.Truncated = wire.tee.Bytes(), wire.cut || readErr != nil
		st.record = record()
	}
	resp.Body, resp.ContentLength, resp.Uncompressed = http.NoBody, -1, true
	if readErr != nil {
		return nil, readErr
	}
	return resp, nil
}

// readBody decodes the wire bytes into buf, up to maxDecoded+1 bytes. A
// stream cut by the wire cap is not an error: the body is truncated.
func (t bodyTransport) readBody(buf *bytes.Buffer, wire *wireReader, ce string, maxDecoded int64) error {
	dec, err := decoder(ce, wire)
	if errors.Is(err, errUnknownEncoding) {
		dec, err = wire, nil // keep the bytes as they came
	}
	if err != nil {
		if wire.cut || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) && wire.n == 0 {
			return nil // empty or cut before the first decoded byte
		}
		return &crawler.FetchError{Code: crawler.CodeBadEncoding, Err: fmt.Errorf("decode %s body: %w", ce, err)}
	}
	_, err = buf.ReadFrom(io.LimitReader(dec, maxDecoded+1))
	if c, ok := dec.(io.Closer); ok {
		c.Close()
	}
	switch {
	case err == nil:
		return nil
	case wire.cut && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)):
		return nil
	case ce != "" && !isTransportErr(err):
		// A corrupt compressed stream: keep what decoded, say so.
		return &crawler.FetchError{Code: crawler.CodeBadEncoding, Err: fmt.Errorf("decode %s body: %w", ce, err)}
	}
	return err
}

// isTransportErr reports errors of the connection rather than the data.
func isTransportErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.ECONNRESET)
}

func isRedirect(resp *http.Response) bool {
	switch resp.StatusCode {
	case 301, 302, 303, 307, 308:
		return resp.Header.Get("Location") != ""
	}
	return false
}
