// Package ops is what every Trawl service shows an operator besides its
// work: an HTTP listener with Prometheus metrics on /metrics, liveness on
// /healthz and readiness on /readyz, and a collector of JetStream queue
// depths and consumer lag that any service can register.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure Serve. Nil means defaults.
type Options struct {
	// Gatherer supplies /metrics; default prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// Ready reports whether the service can do its work (NATS connected,
	// state open); nil means always ready once serving.
	Ready  func() error
	Logger *slog.Logger
}

// NewRegistry returns a registry with the Go runtime and process collectors,
// for a service that wants its own instead of the default one.
func NewRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler returns the operator endpoints as one handler.
func Handler(o *Options) http.Handler {
	if o == nil {
		o = &Options{}
	}
	g := o.Gatherer
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if o.Ready != nil {
			if err := o.Ready(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, "not ready:", err)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// Serve serves Handler(o) on addr until ctx ends. An empty addr serves
// nothing and returns when ctx ends.
func Serve(ctx context.Context, addr string, o *Options) error {
	if addr == "" {
		<-ctx.Done()
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ops: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: Handler(o), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("ops: serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ops: shutdown %s: %w", addr, err)
	}
	return nil
}
