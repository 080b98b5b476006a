package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
	"trawl.dev/crawler/warc"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// Durable is the name of the crawlers' shared consumer on FETCH.
const Durable = proto.CrawlerDurable

// StatsSubject is the NATS micro endpoint that answers with Stats as JSON.
const StatsSubject = proto.SubjectControl + ".crawler.stats"

// Options configure a Service; zero fields take the defaults.
type Options struct {
	// Concurrency is the number of fetches at once. The consumer pulls up
	// to twice as many tasks (MaxAckPending = 2×Concurrency): a task whose
	// fetch is done waits for its publishes' acks without holding a fetch
	// slot. Default 32.
	Concurrency    int
	Resolver       string         // DNS server "host:port" (simweb's); "" = the system resolver
	AllowLoopback  bool           // allow 127.0.0.0/8 and ::1 (tests, the demo)
	AllowPrivate   bool           // allow private and link-local addresses
	AllowNets      []netip.Prefix // allow these networks too
	UserAgent      string         // default crawler.DefaultUserAgent
	MaxBody        int64          // body bytes kept, decompressed; default 4 MiB
	MaxWireBody    int64          // body bytes read off the network; default MaxBody
	MaxHeaderBytes int64          // default 64 KiB
	Timeout        time.Duration  // one fetch, redirects included; default 15s
	FirstByte      time.Duration  // time to the response headers; default 10s
	ConnectTimeout time.Duration  // TCP connect and TLS handshake; default 10s
	MaxRedirects   int            // default 5
	DNSCacheSize   int            // default 10000
	DNSCacheTTL    time.Duration  // default 5m
	RobotsTTL      time.Duration  // default 1h
	// WARCDir, when set, gets WARC files of every response (robots.txt and
	// redirect hops included), rolling at WARCMaxSize bytes (default 1 GiB).
	WARCDir     string
	WARCMaxSize int64
	// DrainTimeout bounds a stop: fetches still running this long after the
	// context ends are cancelled and their tasks naked. Default 10s.
	DrainTimeout time.Duration
	// NumPartitions is P. Run checks it against the cluster's (the
	// trawl_cluster bucket); 0 takes the cluster's, and on a new cluster
	// records proto.DefaultPartitions, as every service does.
	NumPartitions int
	// Replicas of the streams and the cluster bucket; 0 keeps an existing
	// stream's (one for a new stream), so a crawler cannot scale an R3
	// cluster down.
	Replicas int
	AckWait  time.Duration // default max(30s, 2×Timeout)
	// Fetcher replaces the colly fetcher built from the options above
	// (Resolver, Allow*, UserAgent, Max*, timeouts, DNS cache, WARC).
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
	Aborted      int64            `json:"aborted"`       // fetches cut by a drain deadline, naked for another crawler
	WARCRecords  int64            `json:"warc_records"`  // exchanges written to WARC files
	WARCErrors   int64            `json:"warc_errors"`   // exchanges that could not be written
}

// Service is a running crawler.
type Service struct {
	nc      *nats.Conn
	o       Options
	fetcher crawler.Fetcher
	closer  func() error
	crawler *crawler.Crawler
	warc    *warc.Writer // nil without WARCDir
	parts   atomic.Int64
	js      jetstream.JetStream
	running atomic.Bool
	slots   chan struct{} // fetch slots: Concurrency of them

	// abort ends fetches in flight DrainTimeout after Run's context ends.
	abort   context.Context
	aborted atomic.Int64

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
	if o.Concurrency < 0 || o.NumPartitions < 0 || o.MaxBody < 0 || o.MaxWireBody < 0 || o.MaxHeaderBytes < 0 ||
		o.Timeout < 0 || o.FirstByte < 0 || o.ConnectTimeout < 0 || o.AckWait < 0 || o.DrainTimeout < 0 ||
		o.WARCMaxSize < 0 || o.DNSCacheSize < 0 || o.DNSCacheTTL < 0 {
		return nil, fmt.Errorf("crawler service: negative option in %+v", o)
	}
	if o.Concurrency == 0 {
		o.Concurrency = 32
	}
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = 10 * time.Second
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
	s := &Service{nc: nc, o: o, fetcher: o.Fetcher, closer: func() error { return nil }, failed: map[string]int64{},
		slots: make(chan struct{}, o.Concurrency)}
	if o.WARCDir != "" {
		s.warc = warc.New(warc.Options{Dir: o.WARCDir, MaxFileSize: o.WARCMaxSize, Software: "trawl-crawler/0.1"})
	}
	if s.fetcher == nil {
		co := &colly.Options{
			UserAgent: o.UserAgent, Resolver: o.Resolver,
			AllowLoopback: o.AllowLoopback, AllowPrivate: o.AllowPrivate, AllowNets: o.AllowNets,
			MaxBody: o.MaxBody, MaxWireBody: o.MaxWireBody, MaxHeaderBytes: o.MaxHeaderBytes,
			Timeout: o.Timeout, FirstByte: o.FirstByte, ConnectTimeout: o.ConnectTimeout, MaxRedirects: o.MaxRedirects,
			DNSCacheSize: o.DNSCacheSize, DNSCacheTTL: o.DNSCacheTTL, Now: o.Now,
		}
		if s.warc != nil {
			co.Recorder = s.warc
		}
		f, err := colly.New(co)
		if err != nil {
			return nil, fmt.Errorf("crawler service: %w", err)
		}
		s.fetcher, s.closer = f, f.Close
	}
	s.crawler = crawler.New(s.fetcher, &crawler.Options{UserAgent: o.UserAgent, RobotsTTL: o.RobotsTTL, Now: o.Now,
		AddrPolicy: crawler.AddrPolicy{AllowLoopback: o.AllowLoopback, AllowPrivate: o.AllowPrivate, Allow: o.AllowNets}})
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
	if s.warc != nil {
		defer func() {
			if err := s.warc.Close(); err != nil {
				s.o.Logger.Error("crawler: close warc", "err", err)
			}
		}()
	}
	// Fetches in flight get DrainTimeout after ctx ends, then are cut.
	abort, cancelAbort := context.WithCancel(context.Background())
	defer cancelAbort()
	s.abort = abort
	stopDrainTimer := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(s.o.DrainTimeout, cancelAbort)
		context.AfterFunc(abort, func() { t.Stop() })
	})
	defer stopDrainTimer()
	js, err := jetstream.New(s.nc, jetstream.WithPublishAsyncMaxPending(max(256, 8*s.o.Concurrency)))
	if err != nil {
		return fmt.Errorf("crawler service: jetstream: %w", err)
	}
	s.js = js
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{Replicas: s.o.Replicas, Logger: s.o.Logger}); err != nil {
		return fmt.Errorf("crawler service: %w", err)
	}
	// P is the cluster's: a crawler with another would send links and page
	// facts to the wrong partitions.
	n, err := proto.EnsureCluster(ctx, js, s.o.NumPartitions, s.o.Replicas)
	if err != nil {
		return fmt.Errorf("crawler service: partitions: %w", err)
	}
	s.parts.Store(int64(n))
	svc, err := micro.AddService(s.nc, micro.Config{
		Name: "trawl-crawler", Version: "0.1.0",
		Description: "fetches pages for the frontier and reports facts to the classifier",
		// Every instance answers $SRV.STATS with its own numbers, so
		// `trawl status` can show each crawler and add them up.
		StatsHandler: func(*micro.Endpoint) any { return s.Stats() },
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
		Workers:       2 * s.o.Concurrency,
		MaxAckPending: 2 * s.o.Concurrency,
		AckWait:       s.o.AckWait,
		Logger:        s.o.Logger,
		Counters:      &s.counters,
	}, s.handle)
	if err != nil {
		return fmt.Errorf("crawler service: %w", err)
	}
	// Every handler waited for its own publishes; this catches any straggler.
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(s.o.DrainTimeout):
		s.o.Logger.Warn("crawler: publishes still pending at exit", "pending", js.PublishAsyncPending())
	}
	s.o.Logger.Info("crawler: drained", "aborted", s.aborted.Load())
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
		Aborted:      s.aborted.Load(),
		Failed:       map[string]int64{},
	}
	if s.warc != nil {
		ws := s.warc.Stats()
		st.WARCRecords, st.WARCErrors = ws.Records, ws.Errors
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

	// The fetch holds one of Concurrency slots; waiting for publish acks
	// does not. A drain deadline cancels the fetch and naks the task.
	select {
	case s.slots <- struct{}{}:
	case <-s.abort.Done():
		s.aborted.Add(1)
		return bus.Retry(0, fmt.Errorf("crawler: %s: stopping", t.URL))
	}
	fetchCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.abort, cancel)
	res := s.crawler.Crawl(fetchCtx, t)
	stop()
	cancel()
	<-s.slots
	if s.abort.Err() != nil && res.Outcome.ErrorCode != "" {
		s.aborted.Add(1)
		return bus.Retry(0, fmt.Errorf("crawler: %s: fetch cut by the drain deadline", t.URL))
	}

	var msgs []outMsg
	links := 0
	if res.Page != nil {
		for _, b := range linkBatches(t, res.Page, n) {
			msgs = append(msgs, outMsg{b.subject, b.msg, b.msgID})
			links += len(b.msg.Links)
		}
		part := proto.PartitionOfHost(pageHost(t, res.Page), n)
		msgs = append(msgs, outMsg{proto.Partitioned(proto.SubjectPage, part), pageToWire(t, res.Page, part),
			proto.MsgID("page", t.LeaseID)})
	}
	if err := s.publish(ctx, msgs); err != nil {
		return fmt.Errorf("crawler: results of %s: %w", t.URL, err)
	}
	// The outcome goes once links and page facts are stored: when the
	// frontier sees a fetch completed, what it found is already queued.
	if err := s.publish(ctx, []outMsg{{proto.Partitioned(proto.SubjectFetched, t.Partition),
		outcomeToWire(t, res.Outcome, links), proto.MsgID("fetched", t.LeaseID)}}); err != nil {
		return fmt.Errorf("crawler: outcome of %s: %w", t.URL, err)
	}
	s.count(res, links)
	return nil
}

// outMsg is one message a task's result publishes.
type outMsg struct {
	subject string
	msg     gproto.Message
	id      string
}

// publishTimeout bounds the wait for one task's publish acks.
const publishTimeout = 10 * time.Second

// publishRetry bounds how long a task's results are published again while
// NATS does not answer (a stream electing its leader after a node was lost).
const publishRetry = 30 * time.Second

// publish publishes msgs (publishOnce). While NATS does not answer, it
// publishes them again for up to publishRetry: the page is fetched already,
// and a redelivered task would fetch it again. The message IDs drop what got
// through the first time. The consumer keeps the task in progress meanwhile.
func (s *Service) publish(ctx context.Context, msgs []outMsg) error {
	deadline := time.Now().Add(publishRetry)
	for attempt := 1; ; attempt++ {
		err := s.publishOnce(ctx, msgs)
		if err == nil || !proto.Transient(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(min(time.Duration(attempt)*250*time.Millisecond, 2*time.Second)):
		case <-ctx.Done():
			return err
		case <-s.abort.Done():
			return err
		}
	}
}

// publishOnce sends msgs asynchronously, in order, and waits for every ack.
// The async window (WithPublishAsyncMaxPending) bounds what all tasks have
// outstanding together. A failure leaves the task to be redelivered; the
// message IDs make the retry's duplicates harmless.
func (s *Service) publishOnce(ctx context.Context, msgs []outMsg) error {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		data, err := gproto.Marshal(m.msg)
		if err != nil {
			return fmt.Errorf("marshal for %s: %w", m.subject, err)
		}
		nm := &nats.Msg{Subject: m.subject, Data: data, Header: nats.Header{jetstream.MsgIDHeader: []string{m.id}}}
		f, err := s.js.PublishMsgAsync(nm)
		if err != nil {
			return fmt.Errorf("publish %s: %w", m.subject, err)
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(publishTimeout)
	defer timeout.Stop()
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish %s: %w", msgs[i].subject, err)
		case <-timeout.C:
			return fmt.Errorf("publish %s: no ack in %v: %w", msgs[i].subject, publishTimeout, nats.ErrTimeout)
		case <-ctx.Done():
			return fmt.Errorf("publish %s: %w", msgs[i].subject, ctx.Err())
		}
	}
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
