package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// Durable is the name of the crawlers' shared consumer on FETCH.
const Durable = "crawler"

// StatsSubject is the NATS micro endpoint that answers with Stats as JSON.
const StatsSubject = proto.SubjectControl + ".crawler.stats"

// Options configure a Service; zero fields take the defaults.
type Options struct {
	Concurrency   int           // fetches at once, and the consumer's MaxAckPending; default 32
	Resolver      string        // DNS server "host:port" (simweb's); "" = the system resolver
	AllowLoopback bool          // allow 127.0.0.0/8 and ::1 (tests, the demo)
	AllowPrivate  bool          // allow private and link-local addresses
	UserAgent     string        // default crawler.DefaultUserAgent
	MaxBody       int64         // default 4 MiB
	Timeout       time.Duration // one fetch, redirects included; default 15s
	FirstByte     time.Duration // default 10s
	MaxRedirects  int           // default 5
	RobotsTTL     time.Duration // default 1h
	NumPartitions int           // P; 0 = read (or create) it in Run with proto.EnsureCluster
	Replicas      int           // stream replicas for proto.EnsureStreams; default 1
	AckWait       time.Duration // default max(30s, 2×Timeout)
	// Fetcher replaces the colly fetcher built from the options above
	// (Resolver, Allow*, UserAgent, MaxBody, Timeout, FirstByte, MaxRedirects).
	Fetcher crawler.Fetcher
	Logger  *slog.Logger
	Now     func() time.Time
}

// Stats are a Service's counters since it was built.
type Stats struct {
	Fetched      int64            `json:"fetched"`       // tasks that got an HTTP response (any status)
	Failed       map[string]int64 `json:"failed"`        // tasks that did not, by error code
	Bytes        int64            `json:"bytes"`         // body bytes read
	InFlight     int64            `json:"in_flight"`     // tasks being handled now
	Pages        int64            `json:"pages"`         // PageFacts published
	Links        int64            `json:"links"`         // links published
	RobotsDenied int64            `json:"robots_denied"` // tasks robots.txt refused
	Malformed    int64            `json:"malformed"`     // tasks dead-lettered as malformed
	Retried      int64            `json:"retried"`       // handler failures (e.g. a publish) left for redelivery
}

// Service is a running crawler.
type Service struct {
	nc      *nats.Conn
	o       Options
	fetcher crawler.Fetcher
	closer  func() error
	crawler *crawler.Crawler
	parts   atomic.Int64
	js      jetstream.JetStream
	running atomic.Bool

	counters                               bus.Counters
	fetched, bytes, inFlight, pages, links atomic.Int64
	robotsDenied, malformed                atomic.Int64
	mu                                     sync.Mutex
	failed                                 map[string]int64
}

// New validates o and builds a Service. It does no I/O.
func New(nc *nats.Conn, o Options) (*Service, error) {
	if nc == nil {
		return nil, errors.New("crawler service: nil nats connection")
	}
	if o.Concurrency < 0 || o.NumPartitions < 0 || o.MaxBody < 0 || o.Timeout < 0 || o.FirstByte < 0 || o.AckWait < 0 {
		return nil, fmt.Errorf("crawler service: negative option in %+v", o)
	}
	if o.Concurrency == 0 {
		o.Concurrency = 32
	}
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	if o.AckWait == 0 {
		o.AckWait = max(30*time.Second, 2*o.Timeout)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{nc: nc, o: o, fetcher: o.Fetcher, closer: func() error { return nil }, failed: map[string]int64{}}
	if s.fetcher == nil {
		f, err := colly.New(&colly.Options{
			UserAgent: o.UserAgent, Resolver: o.Resolver,
			AllowLoopback: o.AllowLoopback, AllowPrivate: o.AllowPrivate,
			MaxBody: o.MaxBody, Timeout: o.Timeout, FirstByte: o.FirstByte, MaxRedirects: o.MaxRedirects, Now: o.Now,
		})
		if err != nil {
			return nil, fmt.Errorf("crawler service: %w", err)
		}
		s.fetcher, s.closer = f, f.Close
	}
	s.crawler = crawler.New(s.fetcher, &crawler.Options{UserAgent: o.UserAgent, RobotsTTL: o.RobotsTTL, Now: o.Now})
	s.parts.Store(int64(o.NumPartitions))
	return s, nil
}

// Run ensures the streams, registers the "trawl-crawler" micro service and
// consumes fetch tasks until ctx ends. It then stops pulling, lets the
// tasks in flight finish and be acked, and returns nil.
func (s *Service) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("crawler service: already running")
	}
	err := s.run(ctx)
	if ctx.Err() != nil {
		return nil // stopped, possibly while starting: not a failure
	}
	return err
}

func (s *Service) run(ctx context.Context) error {
	defer s.running.Store(false)
	defer s.closer()
	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("crawler service: jetstream: %w", err)
	}
	s.js = js
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{Replicas: s.o.Replicas}); err != nil {
		return fmt.Errorf("crawler service: %w", err)
	}
	if s.parts.Load() == 0 {
		n, err := proto.EnsureCluster(ctx, js, 0, s.o.Replicas)
		if err != nil {
			return fmt.Errorf("crawler service: partitions: %w", err)
		}
		s.parts.Store(int64(n))
	}
	svc, err := micro.AddService(s.nc, micro.Config{
		Name: "trawl-crawler", Version: "0.1.0",
		Description: "fetches pages for the frontier and reports facts to the classifier",
	})
	if err != nil {
		return fmt.Errorf("crawler service: micro: %w", err)
	}
	defer svc.Stop()
	err = svc.AddEndpoint("stats", micro.HandlerFunc(func(r micro.Request) {
		_ = r.RespondJSON(s.Stats())
	}), micro.WithEndpointSubject(StatsSubject))
	if err != nil {
		return fmt.Errorf("crawler service: stats endpoint: %w", err)
	}
	s.o.Logger.Info("crawler: consuming", "concurrency", s.o.Concurrency, "partitions", s.parts.Load())
	err = bus.Consume(ctx, js, bus.ConsumerOptions{
		Stream:        proto.StreamFetch,
		Durable:       Durable,
		FilterSubject: proto.SubjectFetch + ".>",
		Workers:       s.o.Concurrency,
		MaxAckPending: s.o.Concurrency,
		AckWait:       s.o.AckWait,
		Logger:        s.o.Logger,
		Counters:      &s.counters,
	}, s.handle)
	if err != nil {
		return fmt.Errorf("crawler service: %w", err)
	}
	return nil
}

// Stats returns a snapshot of the counters. Safe to call at any time.
func (s *Service) Stats() Stats {
	st := Stats{
		Fetched:      s.fetched.Load(),
		Bytes:        s.bytes.Load(),
		InFlight:     s.inFlight.Load(),
		Pages:        s.pages.Load(),
		Links:        s.links.Load(),
		RobotsDenied: s.robotsDenied.Load(),
		Malformed:    s.malformed.Load(),
		Retried:      s.counters.Failed.Load(),
		Failed:       map[string]int64{},
	}
	s.mu.Lock()
	for k, v := range s.failed {
		st.Failed[k] = v
	}
	s.mu.Unlock()
	return st
}

// handle crawls one task. Its result decides the ack (see bus.Handler).
func (s *Service) handle(ctx context.Context, msg jetstream.Msg) error {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	var ft trawlpb.FetchTask
	if err := bus.Decode(msg.Data(), &ft); err != nil {
		s.malformed.Add(1)
		return fmt.Errorf("crawler: fetch task on %s: %w", msg.Subject(), err)
	}
	t := taskFromWire(&ft)
	n := int(s.parts.Load())
	err := t.Validate()
	if err == nil && t.Partition >= n {
		err = fmt.Errorf("%w: partition %d of %d", crawler.ErrInvalidTask, t.Partition, n)
	}
	if err != nil {
		s.malformed.Add(1)
		return fmt.Errorf("%w: crawler: fetch task on %s: %w", bus.ErrMalformed, msg.Subject(), err)
	}

	res := s.crawler.Crawl(ctx, t)
	links := 0
	if res.Page != nil {
		for _, b := range linkBatches(t, res.Page, n) {
			if err := bus.Publish(ctx, s.js, b.subject, b.msg, b.msgID); err != nil {
				return fmt.Errorf("crawler: links of %s: %w", t.URL, err)
			}
			links += len(b.msg.Links)
		}
		part := proto.PartitionOfHost(pageHost(t, res.Page), n)
		if err := bus.Publish(ctx, s.js, proto.Partitioned(proto.SubjectPage, part),
			pageToWire(t, res.Page, part), proto.MsgID("page", t.LeaseID)); err != nil {
			return fmt.Errorf("crawler: page facts of %s: %w", t.URL, err)
		}
	}
	if err := bus.Publish(ctx, s.js, proto.Partitioned(proto.SubjectFetched, t.Partition),
		outcomeToWire(t, res.Outcome, links), proto.MsgID("fetched", t.LeaseID)); err != nil {
		return fmt.Errorf("crawler: outcome of %s: %w", t.URL, err)
	}
	s.count(res, links)
	return nil
}

func (s *Service) count(res crawler.Result, links int) {
	o := res.Outcome
	s.bytes.Add(o.Bytes)
	s.links.Add(int64(links))
	if res.Page != nil {
		s.pages.Add(1)
	}
	if o.ErrorCode == crawler.CodeRobots {
		s.robotsDenied.Add(1)
	}
	if o.ErrorCode != "" {
		s.mu.Lock()
		s.failed[o.ErrorCode]++
		s.mu.Unlock()
	} else if o.StatusCode > 0 {
		s.fetched.Add(1)
	}
}
