// Command politebench measures how close the frontier keeps a crawl to the
// fetch rate that politeness and crawler concurrency allow.
//
// It serves simweb (5,000 sites by default) with a fixed latency on every
// response, runs an embedded NATS, the frontier (every partition, per-host
// minimum delay, per-IP rules, addresses looked up before first fetches)
// and the real crawler with a fixed concurrency in this process, seeds
// every site's home page, and crawls until nothing is left but hosts parked
// on a failing robots.txt (or --max elapses). From simweb's request log it
// then computes, in 100 ms bins:
//
//   - achieved: visits started (a page request, or a robots.txt request that
//     was all the visit did);
//   - allowed by politeness: for every address, the sum over its hosts that
//     still had work (between their first and last request) of
//     1/(latency + the host's delay: max(min delay, crawl-delay,
//     adaptive factor × latency)), capped at max-per-ip/(latency + ip delay);
//   - allowed by concurrency: concurrency / the time a visit holds a crawler
//     slot (latency × the bin's requests per visit);
//   - except where fetch tasks waited in the crawler's consumer: there the
//     crawler, at its real speed, set the pace, and the allowance is what
//     it achieved (the frontier had given it all it could take);
//
// and prints achieved / allowed summed over the crawl (and the strict
// variant that charges crawler-bound time at concurrency × latency too),
// then one JSON line. A slow frontier stretches the hosts' active spans, so
// its allowance grows while its visits do not: the fraction falls.
//
// Caveats: hosts that hang hold crawler slots for the fetch timeout, which
// the concurrency bound does not count (they are a few per mille of sites);
// the machine is shared, so CPU contention shows as a lower fraction.
//
// Not part of the test run: `go run ./cmd/politebench` from deploy/.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	crawler "trawl.dev/crawler/service"
	"trawl.dev/frontier"
	frontiersvc "trawl.dev/frontier/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natsembed"
	"trawl.dev/simweb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	sites       int
	latency     time.Duration
	minDelay    time.Duration
	ipDelay     time.Duration
	maxPerIP    int
	concurrency int
	partitions  int
	maxTime     time.Duration
	timeout     time.Duration
	dir         string
	dump        string
}

// result is the JSON line.
type result struct {
	Fraction             float64 `json:"fraction"`
	AchievedPerS         float64 `json:"achieved_per_s"`
	AllowedPerS          float64 `json:"allowed_per_s"`
	ConcurrencyBoundPerS float64 `json:"concurrency_bound_per_s"`
	PolitenessBoundShare float64 `json:"politeness_bound_share"` // of the bins, those where politeness was the tighter bound
	Visits               int     `json:"visits"`
	Requests             int     `json:"requests"`
	Seconds              float64 `json:"seconds"`
	Sites                int     `json:"sites"`
	Addresses            int     `json:"addresses"`
	LatencyMs            int64   `json:"latency_ms"`
	MinDelayMs           int64   `json:"min_delay_ms"`
	IPDelayMs            int64   `json:"ip_delay_ms"`
	MaxPerIP             int     `json:"max_per_ip"`
	Concurrency          int     `json:"concurrency"`
	MeanBusySlots        float64 `json:"mean_busy_slots"`     // crawler tasks in flight, sampled every 100 ms
	CrawlerBoundShare    float64 `json:"crawler_bound_share"` // of the time, fetch tasks waited for a crawler
	FractionStrict       float64 `json:"fraction_strict"`     // achieved / min(politeness, concurrency × latency), ignoring the crawler's own speed
	HostGapViolations    int     `json:"host_gap_violations"`
	IPGapViolations      int     `json:"ip_gap_violations"`
	GOMAXPROCS           int     `json:"gomaxprocs"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("politebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.IntVar(&c.sites, "sites", 5000, "simweb sites")
	fs.DurationVar(&c.latency, "latency", 100*time.Millisecond, "added to every response")
	fs.DurationVar(&c.minDelay, "min-delay", time.Second, "per-host minimum delay")
	fs.DurationVar(&c.ipDelay, "ip-delay", 250*time.Millisecond, "per-IP minimum gap")
	fs.IntVar(&c.maxPerIP, "max-per-ip", 1, "fetches in flight per IP")
	fs.IntVar(&c.concurrency, "concurrency", 64, "crawler fetches at once")
	fs.IntVar(&c.partitions, "partitions", 16, "frontier partitions")
	fs.DurationVar(&c.maxTime, "max", 5*time.Minute, "stop the crawl after this long")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "crawler fetch timeout")
	fs.StringVar(&c.dir, "dir", "", "data directory (default: a temporary one)")
	fs.StringVar(&c.dump, "dump", "", "write simweb's request log to this file (JSON Lines)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	r, err := bench(ctx, c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "politebench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "politeness-bound crawl of simweb: %d sites on %d addresses, %v latency, min delay %v, per IP %d at a time %v apart, crawler concurrency %d\n",
		r.Sites, r.Addresses, c.latency, c.minDelay, c.maxPerIP, c.ipDelay, c.concurrency)
	fmt.Fprintf(stdout, "%-36s %10s\n", "", "visits/s")
	fmt.Fprintf(stdout, "%-36s %10.1f\n", "achieved", r.AchievedPerS)
	fmt.Fprintf(stdout, "%-36s %10.1f\n", "allowed (min of the two bounds)", r.AllowedPerS)
	fmt.Fprintf(stdout, "%-36s %10.1f\n", "concurrency bound", r.ConcurrencyBoundPerS)
	fmt.Fprintf(stdout, "fraction of the allowed rate: %.1f%% over %.0fs (%d visits, %d requests); politeness was the tighter bound in %.0f%% of the time,\n",
		100*r.Fraction, r.Seconds, r.Visits, r.Requests, 100*r.PolitenessBoundShare)
	fmt.Fprintf(stdout, "  and tasks waited for the crawler (its own speed the bound) in %.0f%%; counting those at concurrency × latency instead: %.1f%%\n",
		100*r.CrawlerBoundShare, 100*r.FractionStrict)
	fmt.Fprintf(stdout, "crawler slots busy on average: %.1f of %d\n", r.MeanBusySlots, c.concurrency)
	fmt.Fprintf(stdout, "politeness violations in simweb's log: %d per host, %d per IP\n", r.HostGapViolations, r.IPGapViolations)
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	return 0
}

func bench(ctx context.Context, c config, stderr io.Writer) (result, error) {
	res := result{Sites: c.sites, LatencyMs: c.latency.Milliseconds(), MinDelayMs: c.minDelay.Milliseconds(),
		IPDelayMs: c.ipDelay.Milliseconds(), MaxPerIP: c.maxPerIP, Concurrency: c.concurrency, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	dir := c.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "politebench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	w := simweb.Generate(simweb.Options{Sites: c.sites, Seed: 1})
	var mu sync.Mutex
	var reqs []simweb.RequestLog
	wctx, stopWeb := context.WithCancel(context.Background())
	defer stopWeb()
	srv, err := w.Start(wctx, simweb.ServeOptions{Latency: c.latency, OnRequest: func(r simweb.RequestLog) {
		mu.Lock()
		reqs = append(reqs, r)
		mu.Unlock()
	}})
	if err != nil {
		return res, err
	}
	defer srv.Close()
	res.Addresses = len(w.IPs())

	ns, err := natsembed.Start(&natsembed.Options{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		return res, err
	}
	defer ns.Shutdown()
	nc, err := natsembed.Connect(ns, "politebench")
	if err != nil {
		return res, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return res, err
	}
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		return res, err
	}
	np, err := proto.EnsureCluster(ctx, js, c.partitions, 1)
	if err != nil {
		return res, err
	}
	f, err := frontiersvc.New(nc, frontiersvc.Options{DataDir: dir, NumPartitions: np, MinDelay: c.minDelay,
		IPMinDelay: c.ipDelay, MaxPerIP: c.maxPerIP, Resolver: srv.DNSAddr(), NoSync: true, Logger: log,
		RobotsPark: 2 * time.Second, MaxInFlight: 1024})
	if err != nil {
		return res, err
	}
	cr, err := crawler.New(nc, crawler.Options{Concurrency: c.concurrency, Resolver: srv.DNSAddr(), AllowLoopback: true,
		Timeout: c.timeout, NumPartitions: np, Logger: log})
	if err != nil {
		return res, err
	}
	rctx, stopAll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() { errs <- f.Run(rctx) })
	wg.Go(func() { errs <- cr.Run(rctx) })
	// Nobody classifies here: take the page facts off their stream.
	wg.Go(func() {
		errs <- bus.Consume(rctx, js, bus.ConsumerOptions{Stream: proto.StreamPages, Durable: "politebench-drain",
			Workers: 4, Logger: log}, func(context.Context, jetstream.Msg) error { return nil })
	})
	defer func() { stopAll(); wg.Wait() }()

	var seeds []string
	for _, s := range w.Sites() {
		seeds = append(seeds, srv.URL(s.Host))
	}
	start := time.Now()
	if err := f.Seed(ctx, seeds...); err != nil {
		return res, err
	}
	// How busy the crawler is: when fetch tasks wait in its consumer, the
	// crawler (its concurrency at its real speed) is the bound, and the
	// frontier has done all it can.
	var busy, samples float64
	var backlog []sample
	crawlerCons, err := js.Consumer(ctx, proto.StreamFetch, crawler.Durable)
	for err != nil && time.Since(start) < 10*time.Second {
		time.Sleep(100 * time.Millisecond)
		crawlerCons, err = js.Consumer(ctx, proto.StreamFetch, crawler.Durable)
	}
	if err != nil {
		return res, fmt.Errorf("crawler consumer: %w", err)
	}
	sampleDone := make(chan struct{})
	sampleStop := make(chan struct{})
	go func() {
		defer close(sampleDone)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampleStop:
				return
			case <-t.C:
				busy += float64(cr.Stats().InFlight)
				samples++
				if info, err := crawlerCons.Info(ctx); err == nil {
					backlog = append(backlog, sample{at: time.Now(), waiting: info.NumPending > 0})
				}
			}
		}
	}()
	ctl := frontiersvc.NewControl(nc, np)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	calm := 0
	for calm < 3 && time.Since(start) < c.maxTime {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case err := <-errs:
			return res, fmt.Errorf("a service stopped: %v", err)
		case <-tick.C:
		}
		st := f.Stats()
		fmt.Fprintf(stderr, "  %3.0fs: %d fetched, %d queued, %d in flight, %d hosts with work\n",
			time.Since(start).Seconds(), st.Fetched, st.Queued, st.InFlight, st.Hosts)
		done, err := settled(ctx, js, ctl)
		if err != nil {
			return res, err
		}
		calm = map[bool]int{true: calm + 1, false: 0}[done]
	}
	close(sampleStop)
	<-sampleDone
	if samples > 0 {
		res.MeanBusySlots = busy / samples
	}
	mu.Lock()
	log2 := slices.Clone(reqs)
	mu.Unlock()
	if c.dump != "" {
		if err := dump(c.dump, log2); err != nil {
			return res, err
		}
	}
	analyse(w, c, log2, backlog, &res)
	return res, nil
}

// settled reports whether only hosts parked on a failing robots.txt have work
// left and no work message waits.
func settled(ctx context.Context, js jetstream.JetStream, ctl *frontiersvc.Control) (bool, error) {
	reps, err := ctl.Each(ctx, nil, frontiersvc.PartitionRequest{Op: frontiersvc.OpStats})
	if err != nil {
		return false, nil
	}
	for _, r := range reps {
		for why, n := range r.Waiting {
			if n > 0 && why != frontier.ReasonRobotsParked {
				return false, nil
			}
		}
	}
	for _, name := range []string{proto.StreamLinks, proto.StreamOutcomes, proto.StreamFetch, proto.StreamSeeds} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return false, err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return false, err
		}
		if info.State.Msgs != 0 {
			return false, nil
		}
	}
	return true, nil
}

// analyse computes the fraction from the request log.
// sample says whether fetch tasks waited for the crawler at a moment.
type sample struct {
	at      time.Time
	waiting bool
}

func analyse(w *simweb.Web, c config, reqs []simweb.RequestLog, backlog []sample, res *result) {
	slices.SortFunc(reqs, func(a, b simweb.RequestLog) int { return a.Time.Compare(b.Time) })
	res.Requests = len(reqs)
	if len(reqs) == 0 {
		return
	}
	t0 := reqs[0].Time
	type span struct {
		first, last time.Time
		visits      int
		ip          string
		delay       time.Duration
	}
	hosts := map[string]*span{}
	var visits []time.Time
	byHost := map[string][]simweb.RequestLog{}
	for _, r := range reqs {
		byHost[r.Host] = append(byHost[r.Host], r)
	}
	for host, rs := range byHost {
		site, _ := w.Lookup(host)
		delay := max(c.minDelay, time.Duration(site.CrawlDelay())*time.Second, 2*c.latency)
		sp := &span{first: rs[0].Time, last: rs[len(rs)-1].Time, ip: rs[0].LocalIP, delay: delay}
		hosts[host] = sp
		// A visit is a request that does not continue the one before: not
		// the page after its robots.txt, not a redirect hop.
		var prevVisit time.Time
		for i, r := range rs {
			if i > 0 {
				p := rs[i-1]
				cont := p.Path == "/robots.txt" || p.Status >= 300 && p.Status < 400
				if cont && r.Time.Sub(p.Time) < c.latency+c.timeout {
					continue
				}
			}
			sp.visits++
			visits = append(visits, r.Time)
			if !prevVisit.IsZero() && r.Time.Sub(prevVisit) < c.minDelay+c.latency {
				res.HostGapViolations++
			}
			prevVisit = r.Time
		}
	}
	byIP := map[string][]simweb.RequestLog{}
	for _, r := range reqs {
		byIP[r.LocalIP] = append(byIP[r.LocalIP], r)
	}
	for _, rs := range byIP {
		for i := 1; i < len(rs); i++ {
			if rs[i].Host != rs[i-1].Host && rs[i].Time.Sub(rs[i-1].Time) < c.ipDelay+c.latency {
				res.IPGapViolations++
			}
		}
	}
	res.Visits = len(visits)
	lVisit := c.latency.Seconds() * float64(len(reqs)) / float64(len(visits))
	concurrencyRate := float64(c.concurrency) / lVisit
	res.ConcurrencyBoundPerS = concurrencyRate

	const bin = 100 * time.Millisecond
	end := reqs[len(reqs)-1].Time
	nbins := int(end.Sub(t0)/bin) + 1
	ipCap := math.Inf(1)
	if c.maxPerIP > 0 {
		ipCap = float64(c.maxPerIP) / (c.latency + c.ipDelay).Seconds()
	}
	type ipHosts struct{ spans []*span }
	ips := map[string]*ipHosts{}
	for _, sp := range hosts {
		if ips[sp.ip] == nil {
			ips[sp.ip] = &ipHosts{}
		}
		ips[sp.ip].spans = append(ips[sp.ip].spans, sp)
	}
	// Politeness allowance per bin, address by address.
	allowed := make([]float64, nbins)
	for _, ih := range ips {
		rate := make([]float64, nbins)
		for _, sp := range ih.spans {
			a, b := int(sp.first.Sub(t0)/bin), int(sp.last.Sub(t0)/bin)
			r := 1 / (c.latency + sp.delay).Seconds()
			for i := a; i <= b; i++ {
				rate[i] += r
			}
			// The span starts with the host's first visit, which the rate
			// over the span does not count.
			rate[a] += 1 / bin.Seconds()
		}
		for i := range rate {
			allowed[i] += min(rate[i], ipCap)
		}
	}
	achieved := make([]float64, nbins)
	for _, v := range visits {
		achieved[int(v.Sub(t0)/bin)]++
	}
	requests := make([]float64, nbins)
	for _, r := range reqs {
		requests[int(r.Time.Sub(t0)/bin)]++
	}
	waiting := make([]bool, nbins)
	for _, s := range backlog {
		if i := int(s.at.Sub(t0) / bin); i >= 0 && i < nbins && s.waiting {
			waiting[i] = true
		}
	}
	var sumAch, sumAllowed, sumStrict float64
	politeBins, crawlerBins := 0, 0
	for i := range nbins {
		a := allowed[i] * bin.Seconds()
		// Concurrency: C fetches at once, each request holding a slot for
		// the latency; visits in this bin made requests[i]/achieved[i]
		// requests each.
		perVisit := 1.0
		if achieved[i] > 0 {
			perVisit = max(requests[i]/achieved[i], 1)
		}
		conc := float64(c.concurrency) / (c.latency.Seconds() * perVisit) * bin.Seconds()
		if a < conc {
			politeBins++
		}
		strict := min(a, conc)
		sumStrict += strict
		if waiting[i] {
			// Tasks waited for the crawler: it, not the frontier, set the pace.
			crawlerBins++
			sumAllowed += achieved[i]
		} else {
			sumAllowed += strict
		}
		sumAch += achieved[i]
	}
	secs := end.Sub(t0).Seconds()
	res.Seconds = secs
	res.AchievedPerS = sumAch / secs
	res.AllowedPerS = sumAllowed / secs
	res.Fraction = sumAch / sumAllowed
	res.FractionStrict = sumAch / sumStrict
	res.PolitenessBoundShare = float64(politeBins) / float64(nbins)
	res.CrawlerBoundShare = float64(crawlerBins) / float64(nbins)
}

func dump(path string, reqs []simweb.RequestLog) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
