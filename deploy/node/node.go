// Package node runs Trawl's whole pipeline in one process: an embedded
// nats-server with JetStream (or a connection to an external NATS), the
// frontier and classifier owning every partition, and a pool of crawler
// workers. It is the embedded default behind `trawl demo` and `trawl run`;
// the services inside talk to each other only over NATS, exactly as they do
// when they run as separate binaries on many machines.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/classifier/investigate"
	classifier "trawl.dev/classifier/service"
	crawler "trawl.dev/crawler/service"
	frontier "trawl.dev/frontier/service"
	"trawl.dev/proto"
	"trawl.dev/proto/natsconn"
	"trawl.dev/proto/natsembed"
)

// Options configure a node. DataDir is required.
type Options struct {
	NATSURL       string // empty: run an embedded nats-server; else every node's URL, comma-separated
	NATSPort      int    // embedded server's client port; 0 picks a free one
	DataDir       string
	NumPartitions int // 0: the cluster's, or proto.DefaultPartitions for a new one

	// NATSAuth holds the credentials and TLS settings for NATSURL (its URL
	// field is not used); nil: none.
	NATSAuth *natsconn.Options

	Concurrency   int           // crawler workers
	MinDelay      time.Duration // per-host politeness
	MaxPerIP      int           // fetches in flight per IP; 0: the frontier's default (1), negative: no limit
	IPMinDelay    time.Duration // between fetches from one IP; 0: MinDelay/4, negative: none
	FetchTimeout  time.Duration
	Resolver      string // DNS resolver address for the crawler; empty: the system's
	AllowLoopback bool
	AllowPrivate  bool
	// WARCDir is where the crawler writes every response as WARC files,
	// which each piece of evidence cites; empty: none.
	WARCDir string

	NoSync bool // skip fsync of the frontier's bbolt files (faster; a power loss may lose the newest state)

	GeoIPDB  string // mmdb country database; empty: the embedded default
	ASNDB    string
	HTTPAddr string // classifier API; empty: none

	// InvestigateAddr serves the investigators' web UI and API (a read model
	// of VERDICTS and LABELS) with a new admin token; empty: none.
	InvestigateAddr string

	Logger *slog.Logger
}

// Node is a running pipeline.
type Node struct {
	Frontier    *frontier.Service
	Crawler     *crawler.Service
	Classifier  *classifier.Service
	Investigate *investigate.Server // nil unless Options.InvestigateAddr

	opts Options
	ns   *server.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	np   int
	mu   sync.Mutex
	runs map[string]*svcRun
	errs []error
}

// svcRun is one service's Run loop.
type svcRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// run starts a service's Run in a goroutine under its own context.
func (n *Node) run(name string, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &svcRun{cancel: cancel, done: make(chan struct{})}
	n.mu.Lock()
	n.runs[name] = r
	n.mu.Unlock()
	go func() {
		defer close(r.done)
		if err := run(ctx); err != nil {
			n.opts.Logger.Error("service stopped", "svc", name, "err", err)
			n.mu.Lock()
			n.errs = append(n.errs, fmt.Errorf("%s: %w", name, err))
			n.mu.Unlock()
		}
	}()
}

// stop ends a service's Run and waits for it to drain.
func (n *Node) stop(name string) {
	n.mu.Lock()
	r := n.runs[name]
	delete(n.runs, name)
	n.mu.Unlock()
	if r != nil {
		r.cancel()
		<-r.done
	}
}

// startInvestigate starts the investigators' UI and waits until it serves.
func (n *Node) startInvestigate(ctx context.Context) error {
	inv, err := investigate.New(n.nc, investigate.Options{
		DataDir: n.opts.DataDir, Addr: n.opts.InvestigateAddr, CreateAdminToken: true, NoSync: n.opts.NoSync,
		Logger: n.opts.Logger.With("svc", "investigate"),
	})
	if err != nil {
		return fmt.Errorf("node: investigate: %w", err)
	}
	n.Investigate = inv
	n.run("investigate", inv.Run)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-inv.Started():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := n.Err(); err != nil {
				return err
			}
		}
	}
}

// RestartFrontier stops the frontier as an operator would (drain, close its
// bbolt files) and starts a new one on the same data directory.
func (n *Node) RestartFrontier(ctx context.Context) error {
	n.stop("frontier")
	f, err := frontier.New(n.nc, n.frontierOptions())
	if err != nil {
		return fmt.Errorf("node: restart frontier: %w", err)
	}
	n.Frontier = f
	n.run("frontier", f.Run)
	return nil
}

func (n *Node) frontierOptions() frontier.Options {
	return frontier.Options{
		DataDir: n.opts.DataDir, NumPartitions: n.np, MinDelay: n.opts.MinDelay, NoSync: n.opts.NoSync,
		// The crawler's resolver, so per-IP politeness holds from a host's first fetch.
		Resolver: n.opts.Resolver,
		Logger:   n.opts.Logger.With("svc", "frontier"),
		MaxPerIP: n.opts.MaxPerIP, IPMinDelay: n.opts.IPMinDelay,
	}
}

// Start starts NATS (when embedded) and every service. The services run
// until Close.
func Start(ctx context.Context, o Options) (*Node, error) {
	if o.DataDir == "" {
		return nil, errors.New("node: a data directory is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("node: data dir: %w", err)
	}
	n := &Node{}
	var err error
	if o.NATSURL == "" {
		n.ns, err = natsembed.Start(&natsembed.Options{StoreDir: filepath.Join(o.DataDir, "nats"), Port: o.NATSPort})
		if err != nil {
			return nil, err
		}
		n.nc, err = natsembed.Connect(n.ns, "trawl")
	} else {
		var c natsconn.Options
		if o.NATSAuth != nil {
			c = *o.NATSAuth
		}
		c.URL = o.NATSURL
		n.nc, err = natsconn.Connect(&c, "trawl", o.Logger)
	}
	if err != nil {
		n.shutdownNATS()
		return nil, fmt.Errorf("node: connect nats: %w", err)
	}
	if n.js, err = jetstream.New(n.nc); err != nil {
		n.shutdownNATS()
		return nil, fmt.Errorf("node: jetstream: %w", err)
	}
	// Replicas unset: an external cluster's streams and buckets keep theirs.
	if err := proto.EnsureStreams(ctx, n.js, proto.StreamOptions{Logger: o.Logger}); err != nil {
		n.shutdownNATS()
		return nil, err
	}
	if n.np, err = proto.EnsureCluster(ctx, n.js, o.NumPartitions, 0); err != nil {
		n.shutdownNATS()
		return nil, err
	}
	log := o.Logger
	n.opts = o
	n.Frontier, err = frontier.New(n.nc, n.frontierOptions())
	if err == nil {
		n.Crawler, err = crawler.New(n.nc, crawler.Options{
			NumPartitions: n.np, Concurrency: o.Concurrency, Resolver: o.Resolver,
			AllowLoopback: o.AllowLoopback, AllowPrivate: o.AllowPrivate, Timeout: o.FetchTimeout, WARCDir: o.WARCDir,
			Logger: log.With("svc", "crawler"),
		})
	}
	if err == nil {
		n.Classifier, err = classifier.New(n.nc, classifier.Options{
			DataDir: o.DataDir, NumPartitions: n.np, GeoIPFile: o.GeoIPDB, ASNFile: o.ASNDB,
			HTTPAddr: o.HTTPAddr, Logger: log.With("svc", "classifier"),
		})
	}
	if err != nil {
		n.shutdownNATS()
		return nil, fmt.Errorf("node: %w", err)
	}
	n.runs = make(map[string]*svcRun)
	n.run("frontier", n.Frontier.Run)
	n.run("crawler", n.Crawler.Run)
	n.run("classifier", n.Classifier.Run)
	if o.InvestigateAddr != "" {
		if err := n.startInvestigate(ctx); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// Conn returns the node's NATS connection.
func (n *Node) Conn() *nats.Conn { return n.nc }

// JetStream returns the node's JetStream context.
func (n *Node) JetStream() jetstream.JetStream { return n.js }

// ClientURL is the embedded server's client URL, or "" for an external NATS.
func (n *Node) ClientURL() string {
	if n.ns == nil {
		return ""
	}
	return n.ns.ClientURL()
}

// NumPartitions is the cluster's partition count.
func (n *Node) NumPartitions() int { return n.np }

// Err returns the errors of services that stopped on their own.
func (n *Node) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return errors.Join(n.errs...)
}

// Close drains and stops every service, then NATS.
// The crawler stops first so that nothing it fetches is left unreported.
func (n *Node) Close() error {
	for _, name := range []string{"crawler", "frontier", "classifier", "investigate"} {
		n.stop(name)
	}
	n.shutdownNATS()
	return n.Err()
}

func (n *Node) shutdownNATS() {
	if n.nc != nil {
		n.nc.Close()
	}
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
		n.ns = nil
	}
}

// Backlog counts messages waiting in the work streams: seeds, links,
// outcomes, fetch tasks and pages not yet consumed and acked.
func (n *Node) Backlog(ctx context.Context) (int64, error) {
	var total int64
	for _, name := range []string{proto.StreamSeeds, proto.StreamLinks, proto.StreamOutcomes,
		proto.StreamFetch, proto.StreamPages, proto.StreamFocus} {
		s, err := n.js.Stream(ctx, name)
		if err != nil {
			return 0, fmt.Errorf("node: stream %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("node: stream %s: %w", name, err)
		}
		total += int64(info.State.Msgs)
	}
	return total, nil
}

// Idle reports whether the crawl has nothing left to do: the frontier holds
// no queued or leased URL and no work message waits in any stream.
func (n *Node) Idle(ctx context.Context) (bool, error) {
	fs := n.Frontier.Stats()
	if fs.Queued != 0 || fs.InFlight != 0 {
		return false, nil
	}
	b, err := n.Backlog(ctx)
	if err != nil {
		return false, err
	}
	return b == 0, nil
}

// WaitIdle polls Idle until it has held for settle, ctx ends or stop
// returns true; tick is called on every poll.
func (n *Node) WaitIdle(ctx context.Context, settle time.Duration, tick func()) error {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	var since time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if tick != nil {
			tick()
		}
		if err := n.Err(); err != nil {
			return err
		}
		idle, err := n.Idle(ctx)
		if err != nil {
			return err
		}
		switch {
		case !idle:
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		case time.Since(since) >= settle:
			return nil
		}
	}
}
