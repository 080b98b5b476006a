// Package service runs the frontier: it consumes seeds, discovered links,
// fetch outcomes and focus hints from JetStream, keeps each owned
// partition's state in a bbolt file, and publishes fetch tasks as hosts
// become eligible.
//
// Every change is committed to bbolt before the message that caused it is
// acknowledged, and a task's lease is committed before the task is
// published, so a frontier stopped or killed mid-crawl resumes where it was:
// nothing lost, and a task republished at start carries the message ID of
// its first publication.
//
// An instance owns a set of partitions (Options.Partitions) and claims them
// in the KV bucket trawl_frontier_owners while it runs; an instance asked
// for a partition another one holds waits until that one stops or its
// claim expires, so two instances never split one partition's messages. A
// partition's file can be moved to another instance's data directory.
//
// Control: the NATS micro service trawl-frontier answers on
// trawl.v1.ctl.frontier.stats (this instance's Stats), .seed (SeedRequest)
// and .part.<p> (PartitionRequest: stats, hosts, host, pause, resume,
// override), which Control wraps and `frontier stats|hosts|pause|resume|
// override` use. With Options.MetricsAddr the same numbers are Prometheus
// metrics on /metrics, with /healthz and /readyz.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"trawl.dev/frontier"
	"trawl.dev/frontier/bolt"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// Version is reported by the NATS micro service.
const Version = "0.1.0"

// Durable consumer names.
const (
	DurableSeeds = "frontier-seeds"
	durableLinks = "frontier-links-"   // + p
	durableFetch = "frontier-fetched-" // + p
	durableFocus = "frontier-focus-"   // + p
)

// Stats are the frontier's counters. Queued, InFlight, Seen, Fetched,
// Failed and Hosts are the committed state of the owned partitions; the
// others count what this process did since it started.
type Stats struct {
	Partitions int   `json:"partitions"` // owned partitions
	Queued     int64 `json:"queued"`     // URLs waiting in host queues
	InFlight   int64 `json:"in_flight"`  // URLs leased: published and not completed
	Seen       int64 `json:"seen"`       // URLs admitted (the seen set)
	Fetched    int64 `json:"fetched"`    // outcomes accepted
	Failed     int64 `json:"failed"`     // accepted outcomes with an error or status ≥ 400
	Hosts      int64 `json:"hosts"`      // hosts with queued URLs
	Expired    int64 `json:"expired"`    // leases reissued for want of an outcome
	Retried    int64 `json:"retried"`    // URLs queued again after a failed try
	Dropped    int64 `json:"dropped"`    // URLs given up after MaxAttempts
	Parked     int64 `json:"parked"`     // URLs queued again because their host's robots.txt failed
	Recrawled  int64 `json:"recrawled"`  // root pages queued again by recrawls of focused sites
	Paused     int   `json:"paused"`     // owned partitions whose dispatching is paused
	Unmerged   int64 `json:"unmerged"`   // seen-set hashes not yet merged into the sorted set

	Published     int64 `json:"published"`      // fetch tasks published
	PublishErrors int64 `json:"publish_errors"` // failed publish attempts
	Seeds         int64 `json:"seeds"`          // seeds taken
	Duplicates    int64 `json:"duplicates"`     // links already seen
	OverBudget    int64 `json:"over_budget"`    // links refused by the site budget
	Blocked       int64 `json:"blocked"`        // links refused because the operator blocked their host
	TrapURLs      int64 `json:"trap_urls"`      // links refused as traps: too long, too deep a path, a repeated segment, too many parameters
	TooDeep       int64 `json:"too_deep"`       // links beyond MaxDepth
	TooMany       int64 `json:"too_many"`       // links beyond MaxLinksPerPage
	Rejected      int64 `json:"rejected"`       // links that failed canonicalisation
	Rerouted      int64 `json:"rerouted"`       // links republished to the partition that owns their site
	StaleOutcomes int64 `json:"stale_outcomes"` // outcomes for unknown or expired leases, ignored
	Malformed     int64 `json:"malformed"`      // messages refused as malformed
	Dead          int64 `json:"dead"`           // messages dead-lettered by the consumers
}

// Service is a frontier instance.
type Service struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	o      Options
	policy frontier.Policy
	pace   *pacer // nil: no pacing

	id          string // this instance, for partition claims
	owner       Owner
	gate        *frontier.IPGate
	lookups     chan lookup // hosts waiting for an address; nil without Options.Resolver
	metricsAddr atomic.Value

	mu       sync.Mutex
	parts    map[int]*partition
	counters []*bus.Counters

	stats struct {
		published, publishErrors, seeds, duplicates, overBudget, blocked, trapURLs, tooDeep, tooMany,
		rejected, rerouted, staleOutcomes, malformed atomic.Int64
	}
}

// New validates o and returns a Service; it does no I/O.
func New(nc *nats.Conn, o Options) (*Service, error) {
	if nc == nil {
		return nil, fmt.Errorf("%w: nil NATS connection", errOptions)
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("frontier/service: jetstream: %w", err)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &Service{nc: nc, js: js, o: o, policy: o.policy(), id: hex.EncodeToString(id[:])}, nil
}

// MetricsAddr returns the address /metrics is served on ("" before Run
// listens, or without Options.MetricsAddr).
func (s *Service) MetricsAddr() string {
	a, _ := s.metricsAddr.Load().(string)
	return a
}

// Run ensures the streams, claims the owned partitions (waiting while
// another instance holds one), opens them, registers the NATS micro service
// and consumes until ctx ends. Then it stops pulling, lets the handlers in
// flight commit, publishes what was leased, closes the bbolt files and
// releases the claims.
func (s *Service) Run(ctx context.Context) error {
	if s.o.DataDir == "" {
		return fmt.Errorf("%w: DataDir is required", errOptions)
	}
	if err := proto.EnsureStreams(ctx, s.js, s.o.Streams); err != nil {
		return fmt.Errorf("frontier/service: %w", err)
	}
	// The partition count is the cluster's: a frontier with another would
	// put sites in the wrong partitions.
	if _, err := proto.EnsureCluster(ctx, s.js, s.o.NumPartitions, s.o.Streams.Replicas); err != nil {
		return fmt.Errorf("frontier/service: %w", err)
	}
	var ready atomic.Bool
	if s.o.MetricsAddr != "" {
		stop, err := s.serveMetrics(ctx, s.o.MetricsAddr, &ready)
		if err != nil {
			return fmt.Errorf("frontier/service: metrics: %w", err)
		}
		defer stop()
	}
	kv, err := s.ownersKV(ctx)
	if err != nil {
		return err
	}
	s.owner = s.me()
	revs, err := s.claim(ctx, kv, s.owner)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting for a partition
		}
		return err
	}
	defer s.release(kv, revs)

	s.gate = frontier.NewIPGate(s.policy)
	if s.o.Resolver != "" {
		s.lookups = make(chan lookup, 256)
	}
	parts, err := s.open()
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var helpers sync.WaitGroup
	defer helpers.Wait()
	helpers.Go(func() { s.renew(cctx, kv, s.owner, revs, cancel) })
	if s.lookups != nil {
		r := newResolver(s.o.Resolver)
		for range 8 {
			helpers.Go(func() { s.resolveLoop(cctx, r) })
		}
	}

	if s.o.FetchBacklog >= 0 {
		s.pace = newPacer(s.js, s.o.FetchBacklog)
		helpers.Go(func() { s.pace.run(cctx) })
	}
	var loops, pubs sync.WaitGroup
	for _, pt := range parts {
		pt.stopping = cctx.Done()
		loops.Go(pt.loop)
		outstanding := pt.sched.Outstanding()
		pubs.Go(func() { pt.publish(outstanding) })
	}
	s.mu.Lock()
	s.parts = make(map[int]*partition, len(parts))
	for _, pt := range parts {
		s.parts[pt.p] = pt
	}
	s.mu.Unlock()
	defer func() {
		// Handlers have returned: stop the lookups, the loops, flush the
		// publishers, close the files.
		cancel(nil)
		helpers.Wait()
		for _, pt := range parts {
			close(pt.quit)
		}
		loops.Wait()
		for _, pt := range parts {
			close(pt.pub)
		}
		pubs.Wait()
		for _, pt := range parts {
			if err := pt.store.Close(); err != nil {
				s.o.Logger.Error("frontier: close store", "partition", pt.p, "err", err)
			}
		}
	}()

	ms, err := micro.AddService(s.nc, micro.Config{
		Name:         "trawl-frontier",
		Version:      Version,
		Description:  "Trawl URL frontier",
		Metadata:     map[string]string{"instance": s.id, "partitions": fmt.Sprint(s.o.Partitions)},
		StatsHandler: func(*micro.Endpoint) any { return s.Stats() },
	})
	if err != nil {
		return fmt.Errorf("frontier/service: micro service: %w", err)
	}
	defer ms.Stop()
	if err := s.addEndpoints(ms); err != nil {
		return err
	}

	errs := make(chan error, 1+3*len(parts))
	var consumers sync.WaitGroup
	consume := func(stream, durable, filter string, workers int, h bus.Handler) {
		c := new(bus.Counters)
		s.mu.Lock()
		s.counters = append(s.counters, c)
		s.mu.Unlock()
		consumers.Go(func() {
			err := bus.Consume(cctx, s.js, bus.ConsumerOptions{
				Stream: stream, Durable: durable, FilterSubject: filter, Workers: workers,
				AckWait: s.o.AckWait, Logger: s.o.Logger, Counters: c,
				// Seeds, links, outcomes and hints are idempotent here: a
				// redelivery after a restart of NATS changes nothing.
				StateInMemory: true,
			}, h)
			if err != nil {
				errs <- err
				cancel(err)
			}
		})
	}
	consume(proto.StreamSeeds, DurableSeeds, proto.SubjectSeed, s.o.Workers, s.handleSeed)
	for _, pt := range parts {
		p := strconv.Itoa(pt.p)
		// Links wait up to AdmitDelay for a shared commit: four times the
		// handlers keep the partition's stream flowing meanwhile.
		consume(proto.StreamLinks, durableLinks+p, proto.Partitioned(proto.SubjectLinks, pt.p), 4*s.o.Workers,
			func(_ context.Context, m jetstream.Msg) error { return s.handleLinks(pt, m) })
		consume(proto.StreamOutcomes, durableFetch+p, proto.Partitioned(proto.SubjectFetched, pt.p), s.o.Workers,
			func(_ context.Context, m jetstream.Msg) error { return s.handleOutcome(pt, m) })
		consume(proto.StreamFocus, durableFocus+p, proto.Partitioned(proto.SubjectFocus, pt.p), 1,
			func(_ context.Context, m jetstream.Msg) error { return s.handleFocus(m) })
	}
	ready.Store(true)
	s.o.Logger.Info("frontier: running", "partitions", len(parts), "of", s.o.NumPartitions, "instance", s.id)
	consumers.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("frontier/service: %w", err)
	}
	if err := context.Cause(cctx); err != nil && ctx.Err() == nil {
		return err // a lost claim
	}
	return nil
}

// open opens the store and scheduler of every owned partition.
func (s *Service) open() ([]*partition, error) {
	var parts []*partition
	for _, p := range s.o.Partitions {
		st, err := bolt.Open(bolt.PartitionPath(s.o.DataDir, p), &bolt.Options{NoSync: s.o.NoSync,
			Partition: p, NumPartitions: s.o.NumPartitions,
			MergeThreshold: s.o.MergeThreshold, BloomMinCapacity: s.o.BloomMinCapacity})
		if err == nil {
			opts := []frontier.Option{frontier.WithIPGate(s.gate)}
			if s.o.Resolver != "" {
				opts = append(opts, frontier.WithResolveFirst())
			}
			var sched *frontier.Scheduler
			if sched, err = frontier.NewScheduler(st, s.policy, s.o.Now, opts...); err == nil {
				pt := &partition{p: p, svc: s, store: st, sched: sched,
					reqs: make(chan *request, 64), pub: make(chan frontier.Lease, s.policy.MaxInFlight),
					kick: make(chan struct{}, 1),
					quit: make(chan struct{})}
				pt.mirror()
				parts = append(parts, pt)
				continue
			}
			st.Close()
		}
		for _, pt := range parts {
			pt.store.Close()
		}
		return nil, fmt.Errorf("frontier/service: open partition %d: %w", p, err)
	}
	return parts, nil
}

// Stats returns the counters; it is cheap and safe for concurrent use.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Partitions: len(s.o.Partitions)}
	for _, pt := range s.parts {
		c := pt.counts.Load()
		st.Queued += c.Queued
		st.InFlight += c.Leased
		st.Seen += c.Seen
		st.Fetched += c.Fetched
		st.Failed += c.Failed
		st.Expired += c.Expired
		st.Retried += c.Retried
		st.Dropped += c.Dropped
		st.Parked += c.Parked
		st.Recrawled += c.Recrawl
		st.Hosts += pt.hosts.Load()
		if pt.paused.Load() {
			st.Paused++
		}
		if ss := pt.seen.Load(); ss != nil {
			st.Unmerged += int64(ss.Pending)
		}
	}
	for _, c := range s.counters {
		st.Dead += c.Dead.Load()
	}
	st.Published = s.stats.published.Load()
	st.PublishErrors = s.stats.publishErrors.Load()
	st.Seeds = s.stats.seeds.Load()
	st.Duplicates = s.stats.duplicates.Load()
	st.OverBudget = s.stats.overBudget.Load()
	st.Blocked = s.stats.blocked.Load()
	st.TrapURLs = s.stats.trapURLs.Load()
	st.TooDeep = s.stats.tooDeep.Load()
	st.TooMany = s.stats.tooMany.Load()
	st.Rejected = s.stats.rejected.Load()
	st.Rerouted = s.stats.rerouted.Load()
	st.StaleOutcomes = s.stats.staleOutcomes.Load()
	st.Malformed = s.stats.malformed.Load()
	return st
}

// Drained reports whether the owned partitions have nothing left to do: no
// URL queued or in flight, and no seed, link or outcome waiting in their
// consumers. It asks the server, so call it about once a second, not in a
// tight loop.
func (s *Service) Drained(ctx context.Context) (bool, error) {
	before := s.Stats()
	if before.Queued != 0 || before.InFlight != 0 {
		return false, nil
	}
	durables := [][2]string{{proto.StreamSeeds, DurableSeeds}}
	for _, p := range s.o.Partitions {
		durables = append(durables,
			[2]string{proto.StreamLinks, durableLinks + strconv.Itoa(p)},
			[2]string{proto.StreamOutcomes, durableFetch + strconv.Itoa(p)})
	}
	for _, d := range durables {
		c, err := s.js.Consumer(ctx, d[0], d[1])
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			return false, nil // not started yet
		}
		if err != nil {
			return false, fmt.Errorf("frontier/service: drained: %w", err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return false, fmt.Errorf("frontier/service: drained: %w", err)
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return false, nil
		}
	}
	after := s.Stats()
	return after.Queued == 0 && after.InFlight == 0 && after.Seen == before.Seen && after.Fetched == before.Fetched, nil
}

// Seed canonicalises urls and publishes each as a Seed on trawl.v1.seed,
// for whichever frontier instance takes it. It publishes nothing if any URL
// is invalid.
func (s *Service) Seed(ctx context.Context, urls ...string) error { return s.seed(ctx, 0, urls...) }

func (s *Service) seed(ctx context.Context, priority int32, urls ...string) error {
	canon := make([]string, len(urls))
	for i, u := range urls {
		c, err := frontier.Canonicalize(u)
		if err != nil {
			return fmt.Errorf("frontier/service: seed %q: %w", u, err)
		}
		canon[i] = c
	}
	now := s.o.Now().UnixMilli()
	for _, u := range canon {
		m := &trawlpb.Seed{Url: u, Source: s.o.SeedSource, AddedUnixMs: now, Priority: priority}
		if err := bus.Publish(ctx, s.js, proto.SubjectSeed, m, proto.MsgID("seed", u)); err != nil {
			return fmt.Errorf("frontier/service: seed %s: %w", u, err)
		}
	}
	return nil
}

// partition returns the owned partition p, or nil.
func (s *Service) partition(p int) *partition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parts[p]
}

// task builds the task of a canonical URL and returns its partition.
func (s *Service) task(url string) (frontier.Task, int) {
	host := frontier.HostOf(url)
	site := proto.Site(host)
	return frontier.Task{URL: url, Host: host, Site: site}, proto.Partition(site, s.o.NumPartitions)
}

func (s *Service) malformed(format string, args ...any) error {
	s.stats.malformed.Add(1)
	return fmt.Errorf("%w: "+format, append([]any{bus.ErrMalformed}, args...)...)
}

// handleSeed admits a seed into its partition if this instance owns it, or
// passes it to the owner as a one-link DiscoveredLinks.
func (s *Service) handleSeed(ctx context.Context, msg jetstream.Msg) error {
	var m trawlpb.Seed
	if err := bus.Decode(msg.Data(), &m); err != nil {
		return s.malformed("seed: %v", err)
	}
	u, err := frontier.Canonicalize(m.GetUrl())
	if err != nil {
		return s.malformed("seed: %v", err)
	}
	t, p := s.task(u)
	t.Priority = m.GetPriority()
	if pt := s.partition(p); pt != nil {
		if err := pt.do(&request{admit: []frontier.Task{t}}); err != nil {
			return fmt.Errorf("frontier/service: admit seed %s: %w", u, err)
		}
	} else {
		fwd := &trawlpb.DiscoveredLinks{Partition: int32(p), Depth: -1, Links: []*trawlpb.Link{{Url: u}}}
		if err := bus.Publish(ctx, s.js, proto.Partitioned(proto.SubjectLinks, p), fwd, proto.MsgID("seed", u)); err != nil {
			return fmt.Errorf("frontier/service: forward seed %s: %w", u, err)
		}
	}
	s.stats.seeds.Add(1)
	return nil
}

// handleLinks canonicalises a page's links, admits those whose site this
// instance owns in one transaction per partition, and republishes the others
// to the partition that owns them.
func (s *Service) handleLinks(pt *partition, msg jetstream.Msg) error {
	var m trawlpb.DiscoveredLinks
	if err := bus.Decode(msg.Data(), &m); err != nil {
		return s.malformed("links: %v", err)
	}
	if m.GetDepth() < -1 {
		return s.malformed("links: depth %d", m.GetDepth())
	}
	depth := m.GetDepth() + 1
	if depth > s.policy.MaxDepth {
		s.stats.tooDeep.Add(int64(len(m.GetLinks())))
		return nil
	}
	base := m.GetFromUrl()
	fromSite := m.GetFromSite()
	if fromSite == "" && base != "" {
		fromSite = proto.Site(frontier.HostOf(base))
	}
	groups := make(map[int][]frontier.Task)
	taken := make(map[string]bool)
	for i, l := range m.GetLinks() {
		if len(taken) >= s.policy.MaxLinksPerPage {
			s.stats.tooMany.Add(int64(len(m.GetLinks()) - i))
			break
		}
		var u string
		var err error
		if base != "" {
			u, err = frontier.Resolve(base, l.GetUrl())
		} else {
			u, err = frontier.Canonicalize(l.GetUrl())
		}
		if err != nil {
			s.stats.rejected.Add(1)
			continue
		}
		if taken[u] {
			continue
		}
		taken[u] = true
		if err := s.policy.CheckURL(u); err != nil {
			s.stats.trapURLs.Add(1)
			continue
		}
		t, p := s.task(u)
		t.Depth, t.Referrer, t.FromSite = depth, base, fromSite
		groups[p] = append(groups[p], t)
	}
	ps := make([]int, 0, len(groups))
	for p := range groups {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	for _, p := range ps {
		ts := groups[p]
		if owner := s.partition(p); owner != nil {
			if err := owner.do(&request{admit: ts}); err != nil {
				return fmt.Errorf("frontier/service: admit %d links from %s: %w", len(ts), base, err)
			}
			if p != pt.p {
				s.stats.rerouted.Add(int64(len(ts)))
			}
			continue
		}
		fwd := &trawlpb.DiscoveredLinks{FromUrl: base, Partition: int32(p), Depth: m.GetDepth(),
			Links: toLinks(ts), FromSite: m.GetFromSite()}
		ids := []string{"reroute", base, strconv.Itoa(p), strconv.Itoa(int(m.GetDepth()))}
		for _, t := range ts {
			ids = append(ids, t.URL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := bus.Publish(ctx, s.js, proto.Partitioned(proto.SubjectLinks, p), fwd, proto.MsgID(ids...))
		cancel()
		if err != nil {
			return fmt.Errorf("frontier/service: reroute %d links to partition %d: %w", len(ts), p, err)
		}
		s.stats.rerouted.Add(int64(len(ts)))
	}
	return nil
}

// handleOutcome completes a lease.
func (s *Service) handleOutcome(pt *partition, msg jetstream.Msg) error {
	var m trawlpb.FetchOutcome
	if err := bus.Decode(msg.Data(), &m); err != nil {
		return s.malformed("outcome: %v", err)
	}
	if m.GetLeaseId() == "" {
		return s.malformed("outcome for %q without lease id", m.GetUrl())
	}
	o := toOutcome(&m)
	if o.FinalURL != "" {
		// Mark the redirect target seen only where it lives: in this partition.
		if u, err := frontier.Canonicalize(o.FinalURL); err != nil {
			o.FinalURL = ""
		} else if _, p := s.task(u); p != pt.p {
			o.FinalURL = ""
		} else {
			o.FinalURL = u
		}
	}
	if err := pt.do(&request{outcomes: []frontier.Outcome{o}}); err != nil {
		return fmt.Errorf("frontier/service: outcome for %s: %w", m.GetUrl(), err)
	}
	return nil
}

// handleFocus sets a site's priority in the partition that owns it.
func (s *Service) handleFocus(msg jetstream.Msg) error {
	var m trawlpb.FocusHint
	if err := bus.Decode(msg.Data(), &m); err != nil {
		return s.malformed("focus: %v", err)
	}
	site := strings.ToLower(strings.TrimSpace(m.GetSite()))
	if site == "" {
		return s.malformed("focus without site")
	}
	p := proto.Partition(site, s.o.NumPartitions)
	if pt := s.partition(p); pt != nil {
		if err := pt.do(&request{focus: &focus{site: site, priority: m.GetPriority()}}); err != nil {
			return fmt.Errorf("frontier/service: focus %s: %w", site, err)
		}
		return nil
	}
	m.Partition = int32(p)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id := proto.MsgID("focus", site, strconv.Itoa(int(m.GetPriority())), strconv.FormatInt(m.GetSentUnixMs(), 10))
	if err := bus.Publish(ctx, s.js, proto.Partitioned(proto.SubjectFocus, p), &m, id); err != nil {
		return fmt.Errorf("frontier/service: reroute focus %s: %w", site, err)
	}
	return nil
}

// Waiting counts the owned partitions' active hosts by why they wait
// (frontier.HostView.Why), as last sampled by each partition (every few
// seconds).
func (s *Service) Waiting() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int)
	for _, pt := range s.parts {
		if w := pt.waiting.Load(); w != nil {
			for why, n := range *w {
				out[why] += n
			}
		}
	}
	return out
}
