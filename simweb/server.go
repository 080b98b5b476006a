package simweb

import (
	"context"
	"errors"
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

// ServeOptions configure a Server. The zero value picks a free port and adds no latency.
type ServeOptions struct {
	Port      int              // TCP port on every site IP; 0 picks a free one
	DNSAddr   string           // loopback address for the DNS server; "" picks a free port on 127.0.0.1
	Latency   time.Duration    // delay added to every HTTP response
	Logger    *slog.Logger     // nil discards logs; requests are logged at debug level
	OnRequest func(RequestLog) // called after every HTTP request, from the serving goroutine
	Now       func() time.Time // clock for RequestLog.Time; nil means time.Now
	// Shards > 1 splits the site IPs among that many servers (processes):
	// this one listens only on the IPs whose index modulo Shards is Shard,
	// so that a web with more IPs than one process may open files for can
	// be served by several. Every shard needs the same Port.
	Shard, Shards int
	NoDNS         bool // serve HTTP only; another server answers DNS
}

// RequestLog describes one HTTP request served (or refused) by the Server.
type RequestLog struct {
	Time       time.Time // when the request arrived
	Host       string    // Host header, lower-case, without port
	Path       string
	RemoteAddr string
	Status     int    // 0 when the site hung and the client or the server gave up
	LocalIP    string // the address the request arrived on
}

// Stats counts the requests a Server has seen.
type Stats struct {
	Requests int64            // all HTTP requests, known hosts or not
	Hosts    map[string]int64 // by RequestLog.Host
}

// Host returns the number of requests for host (lower-case, without port).
func (st Stats) Host(host string) int64 { return st.Hosts[host] }

// Server serves a Web over HTTP on every site IP and answers DNS for its hosts on 127.0.0.1.
type Server struct {
	web       *Web
	opts      ServeOptions
	port      int
	http      *http.Server
	listeners []net.Listener
	dnsUDP    *dns.Server
	dnsTCP    *dns.Server
	dnsAddr   string
	done      chan struct{} // closed by Close; releases hanging handlers
	stopAfter func() bool
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	total  atomic.Int64
	mu     sync.Mutex
	byHost map[string]int64
}

const listenTries = 5

// Start listens on every site IP and on 127.0.0.1 for DNS, and serves until Close is called or ctx is done.
// It returns once every listener is ready.
func (w *Web) Start(ctx context.Context, opts ServeOptions) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("simweb: start: port %d: %w", opts.Port, ErrBadOptions)
	}
	if opts.Shards < 0 || opts.Shard < 0 || (opts.Shards > 1 && opts.Shard >= opts.Shards) || (opts.Shards <= 1 && opts.Shard != 0) {
		return nil, fmt.Errorf("simweb: start: shard %d of %d: %w", opts.Shard, opts.Shards, ErrBadOptions)
	}
	s := &Server{web: w, opts: opts, done: make(chan struct{}), byHost: make(map[string]int64)}
	if err := s.listenHTTP(ctx); err != nil {
		return nil, err
	}
	if err := s.startDNS(ctx); err != nil {
		s.closeListeners()
		return nil, err
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	for _, l := range s.listeners {
		s.wg.Go(func() { _ = s.http.Serve(l) })
	}
	s.stopAfter = context.AfterFunc(ctx, func() { _ = s.Close() })
	opts.Logger.Info("simweb: serving", "sites", len(w.sites), "ips", len(s.listeners), "port", s.port, "dns", s.dnsAddr)
	return s, nil
}

// listenHTTP opens one listener per site IP, all on the same port.
func (s *Server) listenHTTP(ctx context.Context) error {
	ips := s.web.IPs()
	if n := s.opts.Shards; n > 1 {
		var mine []netip.Addr
		for i, ip := range ips {
			if i%n == s.opts.Shard {
				mine = append(mine, ip)
			}
		}
		ips = mine
	}
	var lc net.ListenConfig
	var lastErr error
	for try := 0; try < listenTries; try++ {
		port := s.opts.Port
		s.listeners = s.listeners[:0]
		var err error
		for _, ip := range ips {
			var l net.Listener
			l, err = lc.Listen(ctx, "tcp4", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
			if err != nil {
				break
			}
			if port == 0 {
				port = l.Addr().(*net.TCPAddr).Port
			}
			s.listeners = append(s.listeners, l)
		}
		if err == nil {
			s.port = port
			return nil
		}
		s.closeListeners()
		lastErr = err
		if s.opts.Port != 0 || ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("simweb: listen on %d site IPs: %w", len(ips), lastErr)
}

func (s *Server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
	s.listeners = nil
}

// Close stops the HTTP and DNS servers, releases hanging requests and waits for every goroutine.
// It may be called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.stopAfter != nil {
			s.stopAfter()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("simweb: close http: %w", err))
			s.http.Close()
		}
		if s.dnsUDP != nil {
			if err := s.dnsUDP.ShutdownContext(ctx); err != nil {
				errs = append(errs, fmt.Errorf("simweb: close dns/udp: %w", err))
			}
			if err := s.dnsTCP.ShutdownContext(ctx); err != nil {
				errs = append(errs, fmt.Errorf("simweb: close dns/tcp: %w", err))
			}
		}
		s.wg.Wait()
		s.closeErr = errors.Join(errs...)
		s.opts.Logger.Info("simweb: stopped", "requests", s.total.Load())
	})
	return s.closeErr
}

// Port returns the TCP port every site listens on.
func (s *Server) Port() int { return s.port }

// URL returns the home-page URL of host, with the server's port: "http://host:port/".
func (s *Server) URL(host string) string {
	return "http://" + net.JoinHostPort(host, strconv.Itoa(s.port)) + "/"
}

// Seeds returns the home-page URLs of the seed hubs, with the server's port.
func (s *Server) Seeds() []string {
	out := make([]string, len(s.web.seeds))
	for j, i := range s.web.seeds {
		out[j] = s.URL(s.web.sites[i].Host)
	}
	return out
}

// DNSAddr returns the address of the DNS server, "127.0.0.1:port", answering over UDP and TCP.
func (s *Server) DNSAddr() string { return s.dnsAddr }

// Resolver returns a resolver that asks the server's DNS, for use in a net.Dialer.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, s.dnsAddr)
		},
	}
}

// Stats returns a snapshot of the request counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	hosts := make(map[string]int64, len(s.byHost))
	for h, n := range s.byHost {
		hosts[h] = n
	}
	return Stats{Requests: s.total.Load(), Hosts: hosts}
}

// ServeHTTP dispatches on the Host header. Unknown hosts get 404.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rec := RequestLog{Time: s.opts.Now(), Host: requestHost(r.Host), Path: r.URL.Path, RemoteAddr: r.RemoteAddr}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			rec.LocalIP = ap.Addr().String()
		}
	}
	rec.Status = s.respond(rw, r, rec.Host)
	s.total.Add(1)
	s.mu.Lock()
	s.byHost[rec.Host]++
	s.mu.Unlock()
	s.opts.Logger.Debug("simweb: request", "host", rec.Host, "path", rec.Path, "status", rec.Status, "remote", rec.RemoteAddr)
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(rec)
	}
	if rec.Status == 0 {
		panic(http.ErrAbortHandler) // drop the connection without a response
	}
}

func requestHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// respond writes the response and returns its status, or 0 if none was written.
func (s *Server) respond(rw http.ResponseWriter, r *http.Request, host string) int {
	page, ok := s.web.Page(host, r.URL.Path, s.port)
	if !ok {
		http.Error(rw, "simweb: unknown host "+host, http.StatusNotFound)
		return http.StatusNotFound
	}
	if page.Hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return 0
	}
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return 0
		case <-s.done:
			t.Stop()
			return 0
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header().Set("Allow", "GET, HEAD")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	h := rw.Header()
	h.Set("Content-Type", page.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(page.Body)))
	if page.Location != "" {
		h.Set("Location", page.Location)
	}
	rw.WriteHeader(page.Status)
	if r.Method != http.MethodHead {
		_, _ = rw.Write(page.Body)
	}
	return page.Status
}

// startDNS listens for DNS on one port of 127.0.0.1 over UDP and TCP.
func (s *Server) startDNS(ctx context.Context) error {
	if s.opts.NoDNS {
		return nil
	}
	var lc net.ListenConfig
	var lastErr error
	want, tries := "127.0.0.1:0", listenTries
	if s.opts.DNSAddr != "" {
		host, _, err := net.SplitHostPort(s.opts.DNSAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("simweb: dns address %q: want a loopback host:port", s.opts.DNSAddr)
		}
		want, tries = s.opts.DNSAddr, 1
	}
	for try := 0; try < tries; try++ {
		pc, err := lc.ListenPacket(ctx, "udp4", want)
		if err != nil {
			lastErr = err
			continue
		}
		addr := pc.LocalAddr().String()
		l, err := lc.Listen(ctx, "tcp4", addr)
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		s.dnsAddr = addr
		handler := dns.HandlerFunc(s.serveDNS)
		started := make(chan struct{}, 2)
		notify := func() { started <- struct{}{} }
		s.dnsUDP = &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: notify}
		s.dnsTCP = &dns.Server{Listener: l, Handler: handler, NotifyStartedFunc: notify}
		s.wg.Go(func() { _ = s.dnsUDP.ActivateAndServe() })
		s.wg.Go(func() { _ = s.dnsTCP.ActivateAndServe() })
		<-started
		<-started
		return nil
	}
	return fmt.Errorf("simweb: listen for dns: %w", lastErr)
}

// serveDNS answers A queries for site hosts and their www aliases, NOERROR with no answer for other
// types of known names, and NXDOMAIN for unknown names.
func (s *Server) serveDNS(rw dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	for _, q := range req.Question {
		i, ok := s.web.lookup(q.Name)
		if !ok {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
			ip := s.web.sites[i].IP.As4()
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
				A:   net.IP(ip[:]),
			})
		}
	}
	_ = rw.WriteMsg(m)
}
