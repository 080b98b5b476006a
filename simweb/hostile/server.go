package hostile

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Domain is the DNS zone every case's host name is in.
const Domain = "hostile.test"

// DefaultIP is where Start listens unless told otherwise.
var DefaultIP = netip.MustParseAddr("127.77.0.1")

// Addresses some names resolve to. Nothing is listening there and nothing
// may be sent there: a crawler must refuse them after resolution.
var (
	PrivateIP  = netip.MustParseAddr("10.0.0.1")
	MetadataIP = netip.MustParseAddr("169.254.169.254")
)

// Options configure a Server. The zero value listens on DefaultIP.
type Options struct {
	IP      netip.Addr    // a loopback address; default DefaultIP
	MaxHold time.Duration // longest a case keeps a connection; default 30s
	Logger  *slog.Logger  // nil discards
}

// Server serves every Case until Close.
type Server struct {
	o        Options
	httpL    net.Listener
	tlsL     net.Listener
	http     *http.Server
	https    *http.Server
	dnsUDP   *dns.Server
	dnsTCP   *dns.Server
	dnsAddr  string
	certs    *certs
	done     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	hijacked map[net.Conn]bool
	requests map[string]*atomic.Int64
	sent     map[string]*atomic.Int64
	closed   sync.Once
	stop     func() bool
}

// Start listens and serves until Close is called or ctx ends.
func Start(ctx context.Context, o Options) (*Server, error) {
	if !o.IP.IsValid() {
		o.IP = DefaultIP
	}
	if !o.IP.IsLoopback() {
		return nil, fmt.Errorf("hostile: %s is not a loopback address", o.IP)
	}
	if o.MaxHold <= 0 {
		o.MaxHold = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, done: make(chan struct{}), hijacked: map[net.Conn]bool{},
		requests: map[string]*atomic.Int64{}, sent: map[string]*atomic.Int64{}}
	for _, c := range cases {
		s.requests[c.Name] = new(atomic.Int64)
		s.sent[c.Name] = new(atomic.Int64)
	}
	var err error
	if s.certs, err = newCerts(); err != nil {
		return nil, err
	}
	prepareBodies()
	var lc net.ListenConfig
	if s.httpL, err = lc.Listen(ctx, "tcp", netip.AddrPortFrom(o.IP, 0).String()); err != nil {
		return nil, fmt.Errorf("hostile: listen: %w", err)
	}
	if s.tlsL, err = lc.Listen(ctx, "tcp", netip.AddrPortFrom(o.IP, 0).String()); err != nil {
		s.httpL.Close()
		return nil, fmt.Errorf("hostile: listen tls: %w", err)
	}
	if err := s.startDNS(ctx); err != nil {
		s.httpL.Close()
		s.tlsL.Close()
		return nil, err
	}
	logger := slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug)
	s.http = &http.Server{Handler: s, ErrorLog: logger, ReadHeaderTimeout: 10 * time.Second}
	s.https = &http.Server{Handler: s, ErrorLog: logger, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{GetCertificate: s.certs.get}}
	s.wg.Go(func() { _ = s.http.Serve(s.httpL) })
	s.wg.Go(func() { _ = s.https.ServeTLS(s.tlsL, "", "") })
	s.stop = context.AfterFunc(ctx, func() { _ = s.Close() })
	return s, nil
}

// Close stops serving, ends every held connection and waits.
func (s *Server) Close() error {
	s.closed.Do(func() {
		close(s.done)
		if s.stop != nil {
			s.stop()
		}
		s.http.Close()
		s.https.Close()
		s.mu.Lock()
		for c := range s.hijacked {
			c.Close()
		}
		s.mu.Unlock()
		_ = s.dnsUDP.Shutdown()
		_ = s.dnsTCP.Shutdown()
		s.wg.Wait()
	})
	return nil
}

// IP is the address every case listens on.
func (s *Server) IP() netip.Addr { return s.o.IP }

// HTTPPort and TLSPort are the two ports cases are served on.
func (s *Server) HTTPPort() int { return s.httpL.Addr().(*net.TCPAddr).Port }

// TLSPort is the port of the https cases.
func (s *Server) TLSPort() int { return s.tlsL.Addr().(*net.TCPAddr).Port }

// DNSAddr is the DNS server's "ip:port" (UDP and TCP).
func (s *Server) DNSAddr() string { return s.dnsAddr }

// RootCAs holds the CA that signed the TLS cases' certificates (except the
// self-signed one): trust it to see only the error each case is about.
func (s *Server) RootCAs() *x509.CertPool { return s.certs.pool }

// Cases returns every case, in a fixed order.
func (s *Server) Cases() []Case { return Cases() }

// Host returns the host name of a case ("gzip-bomb.hostile.test").
func Host(name string) string {
	if c, ok := caseByName[name]; ok && c.host != "" {
		return c.host
	}
	return name + "." + Domain
}

// URL returns the URL that exercises a case, with the server's port.
func (s *Server) URL(name string) string {
	c, ok := caseByName[name]
	if !ok {
		return ""
	}
	return s.urlOf(c, c.Path)
}

func (s *Server) urlOf(c *entry, path string) string {
	scheme, port := "http", s.HTTPPort()
	if c.TLS {
		scheme = "https"
		if !c.onHTTPPort {
			port = s.TLSPort()
		}
	}
	host := c.urlHost
	if host == "" {
		host = Host(c.Name)
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
}

// Requests returns how many HTTP requests a case's host has received.
func (s *Server) Requests(name string) int64 {
	if n := s.requests[name]; n != nil {
		return n.Load()
	}
	return 0
}

// BytesSent returns how many body bytes a case has written.
func (s *Server) BytesSent(name string) int64 {
	if n := s.sent[name]; n != nil {
		return n.Load()
	}
	return 0
}

// ServeHTTP dispatches on the Host header.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.TrimSuffix(strings.ToLower(r.Host), ".")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	c := caseByHost[host]
	if c == nil {
		http.Error(w, "hostile: unknown host "+host, http.StatusNotFound)
		return
	}
	s.requests[c.Name].Add(1)
	s.o.Logger.Debug("hostile: request", "case", c.Name, "path", r.URL.Path)
	cx := &call{s: s, c: c, w: w, r: r}
	if r.URL.Path == "/robots.txt" && c.robots != nil {
		c.robots(cx)
		return
	}
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	c.serve(cx)
}

// call is one request to a case.
type call struct {
	s *Server
	c *entry
	w http.ResponseWriter
	r *http.Request
}

func (cx *call) write(b []byte) error {
	n, err := cx.w.Write(b)
	cx.s.sent[cx.c.Name].Add(int64(n))
	return err
}

// hold waits d, or less if the client goes, the server closes or MaxHold
// runs out (measured from start). It reports whether to go on.
func (cx *call) hold(start time.Time, d time.Duration) bool {
	left := cx.s.o.MaxHold - time.Since(start)
	if left <= 0 {
		return false
	}
	t := time.NewTimer(min(d, left))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-cx.r.Context().Done():
	case <-cx.s.done:
	}
	return false
}

// hijack takes the raw connection: for responses net/http will not write.
// The connection is closed when fn returns or the server closes.
func (cx *call) hijack(fn func(conn net.Conn, rw *bufio.ReadWriter)) {
	hj, ok := cx.w.(http.Hijacker)
	if !ok {
		http.Error(cx.w, "hostile: cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	s := cx.s
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		conn.Close()
		return
	default:
	}
	s.hijacked[conn] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.hijacked, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	_ = conn.SetDeadline(time.Now().Add(s.o.MaxHold))
	fn(conn, rw)
}

// waitClose reads from conn until the client closes it or the deadline.
func waitClose(conn net.Conn) {
	_, _ = io.Copy(io.Discard, conn)
}

// startDNS answers A queries: case hosts resolve to the server's IP, except
// the cases about DNS itself.
func (s *Server) startDNS(ctx context.Context) error {
	var lc net.ListenConfig
	addr := netip.AddrPortFrom(s.o.IP, 0).String()
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return fmt.Errorf("hostile: dns: %w", err)
	}
	l, err := lc.Listen(ctx, "tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return fmt.Errorf("hostile: dns/tcp: %w", err)
	}
	s.dnsAddr = pc.LocalAddr().String()
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	h := dns.HandlerFunc(s.serveDNS)
	s.dnsUDP = &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: notify}
	s.dnsTCP = &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: notify}
	s.wg.Go(func() { _ = s.dnsUDP.ActivateAndServe() })
	s.wg.Go(func() { _ = s.dnsTCP.ActivateAndServe() })
	<-started
	<-started
	return nil
}

func (s *Server) serveDNS(rw dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	for _, q := range req.Question {
		name := strings.TrimSuffix(strings.ToLower(q.Name), ".")
		ip, rcode := s.resolve(name)
		if rcode != dns.RcodeSuccess {
			m.Rcode = rcode
			continue
		}
		if q.Qtype == dns.TypeA && ip.Is4() {
			a := ip.As4()
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.IP(a[:]),
			})
		}
	}
	_ = rw.WriteMsg(m)
}

// resolve answers one name.
func (s *Server) resolve(name string) (netip.Addr, int) {
	if name != Domain && !strings.HasSuffix(name, "."+Domain) {
		return netip.Addr{}, dns.RcodeNameError
	}
	c := caseByHost[name]
	if c == nil {
		return netip.Addr{}, dns.RcodeNameError
	}
	switch {
	case c.rcode != dns.RcodeSuccess:
		return netip.Addr{}, c.rcode
	case c.resolveTo.IsValid():
		return c.resolveTo, dns.RcodeSuccess
	}
	return s.o.IP, dns.RcodeSuccess
}
