package investigate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"trawl.dev/classifier/readmodel"
	"trawl.dev/proto"
)

// Name is the service's NATS micro name.
const Name = "trawl-investigate"

// Version is the service's version.
const Version = "0.1.0"

// Options configure a Server. The zero value of every field is a usable
// default.
type Options struct {
	// DataDir holds the read model: DataDir/investigate/readmodel.db.
	// Default "data".
	DataDir string
	// Addr is the HTTP address. Default "127.0.0.1:8090".
	Addr string
	// Listener, when set, is served instead of listening on Addr.
	Listener net.Listener
	// Rebuild builds the read model again from the streams.
	Rebuild bool
	// NoSync skips fsync of the read model (it can be rebuilt).
	NoSync bool
	// Tokens are accepted besides those in the token bucket.
	Tokens []Token
	// CreateAdminToken makes New generate an admin token (AdminToken)
	// that Run stores in the token bucket, so every replica accepts it.
	CreateAdminToken bool
	// AdminTokenName names it. Default "admin".
	AdminTokenName string
	// Replicas of the streams and the token bucket. 0 keeps an existing
	// stream's and bucket's (one for a new one).
	Replicas int
	// LabelWait is how long a label request waits to see its label in the
	// read model before answering 202 Accepted. Default 5s.
	LabelWait time.Duration
	// Secure marks the session cookie Secure (serve over TLS behind a proxy).
	Secure bool

	Logger *slog.Logger
	Now    func() time.Time
}

// Stats are the server's counters.
type Stats struct {
	Requests      int64  `json:"requests"`
	AuthFailures  int64  `json:"auth_failures"`
	Labels        int64  `json:"labels_published"`
	Exports       int64  `json:"exports"`
	ExportedRows  int64  `json:"exported_rows"`
	Sites         int64  `json:"sites"`
	Flagged       int64  `json:"flagged"`
	ToReview      int64  `json:"to_review"`
	VerdictsSeq   uint64 `json:"verdicts_seq"`
	LabelsSeq     uint64 `json:"labels_seq"`
	Malformed     int64  `json:"malformed"`
	ReadModelPath string `json:"read_model"`
}

// Server serves the investigators' API and web UI from a read model it
// keeps up to date from the VERDICTS and LABELS streams.
type Server struct {
	nc         *nats.Conn
	o          Options
	log        *slog.Logger
	now        func() time.Time
	tokens     *tokens
	adminToken string
	ui         *ui

	requests, authFailures, labels, exports, exportedRows atomic.Int64

	mu      sync.Mutex
	running bool
	js      jetstream.JetStream
	idx     *readmodel.Index
	addr    string
	started chan struct{}
}

// New validates o and returns a server; Run starts it. New does no I/O.
func New(nc *nats.Conn, o Options) (*Server, error) {
	if nc == nil {
		return nil, errors.New("investigate: new: nil NATS connection")
	}
	if o.DataDir == "" {
		o.DataDir = "data"
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8090"
	}
	if o.Replicas < 0 {
		return nil, fmt.Errorf("investigate: %d replicas", o.Replicas)
	}
	if o.LabelWait <= 0 {
		o.LabelWait = 5 * time.Second
	}
	if o.AdminTokenName == "" {
		o.AdminTokenName = "admin"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	toks, err := newTokens(o.Tokens)
	if err != nil {
		return nil, fmt.Errorf("investigate: new: %w", err)
	}
	s := &Server{nc: nc, o: o, log: o.Logger, now: o.Now, tokens: toks, started: make(chan struct{})}
	if o.CreateAdminToken {
		s.adminToken = NewToken()
	}
	if s.ui, err = newUI(s); err != nil {
		return nil, fmt.Errorf("investigate: new: %w", err)
	}
	return s, nil
}

// AdminToken is the admin token New generated when Options.CreateAdminToken
// is set ("" otherwise). It is accepted once Run has started.
func (s *Server) AdminToken() string { return s.adminToken }

// Started is closed once Run serves HTTP.
func (s *Server) Started() <-chan struct{} { return s.started }

// Addr is the address HTTP is served on, once Started.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Index is the read model while Run runs, else nil.
func (s *Server) Index() *readmodel.Index {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idx
}

// Run ensures the streams, opens the read model, follows the streams,
// registers the NATS micro service and serves HTTP until ctx ends; then it
// stops serving (letting requests in flight finish for up to 10 s) and
// closes the read model.
func (s *Server) Run(ctx context.Context) (err error) {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("investigate: run: already running")
	}
	s.running = true
	s.mu.Unlock()

	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("investigate: run: jetstream: %w", err)
	}
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{Replicas: s.o.Replicas}); err != nil {
		return fmt.Errorf("investigate: run: %w", err)
	}
	idx, err := readmodel.Open(filepath.Join(s.o.DataDir, "investigate", "readmodel.db"),
		&readmodel.Options{Rebuild: s.o.Rebuild, NoSync: s.o.NoSync, Logger: s.log})
	if err != nil {
		return fmt.Errorf("investigate: run: %w", err)
	}
	defer func() {
		if cerr := idx.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("investigate: run: %w", cerr)
		}
	}()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.tokens.open(runCtx, js, s.o.Replicas); err != nil {
		return fmt.Errorf("investigate: run: %w", err)
	}
	if s.adminToken != "" {
		if err := s.tokens.store(ctx, s.adminToken, s.o.AdminTokenName, RoleAdmin, "startup", s.now()); err != nil {
			return fmt.Errorf("investigate: run: %w", err)
		}
	}
	s.mu.Lock()
	s.js, s.idx = js, idx
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.idx = nil
		s.mu.Unlock()
	}()

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		if err := idx.Follow(runCtx, js, &readmodel.FollowOptions{Logger: s.log}); err != nil {
			s.log.Error("investigate: following the streams failed", "err", err)
		}
	})

	svc, err := micro.AddService(s.nc, micro.Config{Name: Name, Version: Version,
		Description: "Trawl investigators' API and web UI"})
	if err != nil {
		return fmt.Errorf("investigate: run: micro: %w", err)
	}
	defer func() { _ = svc.Stop() }()
	if err := svc.AddEndpoint("stats", micro.HandlerFunc(func(r micro.Request) {
		b, _ := json.Marshal(s.Stats())
		_ = r.Respond(b)
	}), micro.WithEndpointSubject(proto.SubjectControl+".investigate.stats")); err != nil {
		return fmt.Errorf("investigate: run: micro endpoint: %w", err)
	}

	ln := s.o.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", s.o.Addr); err != nil {
			return fmt.Errorf("investigate: run: listen: %w", err)
		}
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.mu.Lock()
	s.addr = ln.Addr().String()
	s.mu.Unlock()
	close(s.started)
	s.log.Info("investigate: serving", "addr", ln.Addr().String(), "read_model", idx.Path())

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("investigate: run: serve: %w", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	return nil
}

// Stats returns the counters. Safe to call at any time.
func (s *Server) Stats() Stats {
	st := Stats{Requests: s.requests.Load(), AuthFailures: s.authFailures.Load(), Labels: s.labels.Load(),
		Exports: s.exports.Load(), ExportedRows: s.exportedRows.Load()}
	if idx := s.Index(); idx != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if rs, err := idx.Stats(ctx); err == nil {
			st.Sites, st.Flagged, st.ToReview, st.Malformed = rs.Sites, rs.Flagged, rs.ToReview, rs.Malformed
			st.VerdictsSeq, st.LabelsSeq, st.ReadModelPath = rs.VerdictsSeq, rs.LabelsSeq, idx.Path()
		}
	}
	return st
}

// Handler is the HTTP handler of the API and the web UI.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routeAPI(mux)
	s.ui.route(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.ready(); err != nil {
			writeError(w, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotReady, Message: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
		if len(r.URL.RawQuery) > maxQueryLen {
			writeError(w, &apiError{Status: http.StatusRequestURITooLong, Code: CodeTooLarge,
				Message: fmt.Sprintf("query string is %d bytes, at most %d", len(r.URL.RawQuery), maxQueryLen)})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) ready() error {
	idx := s.Index()
	if idx == nil {
		return errors.New("not running")
	}
	if s.nc.Status() != nats.CONNECTED {
		return fmt.Errorf("NATS connection is %s", s.nc.Status())
	}
	return idx.Ready()
}
