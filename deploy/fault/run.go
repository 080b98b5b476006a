package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/deploy/node"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natsembed"
	"trawl.dev/proto/trawlpb"
	"trawl.dev/simweb"
)

// Config describes one crawl of the cluster.
type Config struct {
	Bins          Binaries
	WorkDir       string // a fresh directory for this run's data and logs
	Sites         int
	Seed          int64
	NumPartitions int
	Frontiers     int // instances splitting the partitions
	Crawlers      int
	Concurrency   int // per crawler
	// NATSNodes is 0 for one NATS server inside the test process, or 3 for
	// a cluster of natsd processes with R3 streams (faults can kill one).
	NATSNodes int
	MinDelay  time.Duration
	Timeout   time.Duration // the whole crawl

	// Faults, when set, are injected as the crawl passes fractions of
	// ExpectPages (the page count of an undisturbed run).
	Faults      []Fault
	ExpectPages int

	Log io.Writer // progress lines; nil discards
}

// Fault is one disturbance: at a fraction of the crawl, do something to a
// process, wait Pause, and put it back.
type Fault struct {
	At     float64 // fraction of ExpectPages fetched
	Target string  // "crawler-0", "frontier-0", "classifier-0", "natsd-1", …; "natsd-leader": the NATS node leading most streams
	// "kill" (SIGKILL, restart after Pause), "restart" (SIGTERM, wait for
	// it to drain and exit, start again after Pause), "freeze" (SIGSTOP
	// for Pause, then SIGCONT), "add" (start one more process like
	// Target) or "split" (move the upper half of frontier Target's
	// partitions to a new frontier instance).
	Kind  string
	Pause time.Duration
	// Gap, when set, holds the fault until this long after the one before
	// it was done, so that faults spread over the crawl in time.
	Gap time.Duration
}

// DefaultFaults kills a crawler, the frontier owning most partitions and a
// classifier, each restarted after a pause, freezes another crawler (cut off
// from NATS and the web for a while), and with a NATS cluster kills one
// NATS node too: the one leading most streams, so their leaders move.
func DefaultFaults(natsNodes int) []Fault {
	f := []Fault{
		{At: 0.10, Target: "crawler-0", Kind: "kill", Pause: 2 * time.Second},
		{At: 0.25, Target: "frontier-0", Kind: "kill", Pause: 2 * time.Second},
		{At: 0.40, Target: "classifier-0", Kind: "kill", Pause: 2 * time.Second},
		{At: 0.55, Target: "crawler-1", Kind: "freeze", Pause: 8 * time.Second},
	}
	if natsNodes >= 3 {
		f = append(f, Fault{At: 0.65, Target: "natsd-leader", Kind: "kill", Pause: 5 * time.Second})
	}
	return f
}

// Result is what one crawl did.
type Result struct {
	Requests map[string]int // host+path → requests (robots.txt and endless traps left out)
	// TrapRequests are the requests for the pages of simweb's endless
	// calendar traps. They are not compared: the crawl stops inside a trap at
	// the depth limit, counted from the link that reached the site first, so
	// how far it goes depends on the order links were found in, which any
	// delay changes (faults or none).
	TrapRequests map[string]int
	Flagged      []string
	Elapsed      time.Duration
	Faults       []string // what was injected, in order
	// When the last fault was done (its process back), and the pages then.
	LastFault      time.Duration
	LastFaultPages int
	// Progress is the pages fetched, sampled about once a second.
	Progress []Sample
}

// Sample is the pages fetched at a time into the crawl.
type Sample struct {
	At    time.Duration
	Pages int
}

// Rate is the pages per second between fractions from and to of pages
// (the time the crawl passed each), 0 when it never got there.
func (r Result) Rate(from, to float64, pages int) float64 {
	var t0, t1 time.Duration
	var p0, p1 int
	found0 := false
	for _, s := range r.Progress {
		if !found0 && float64(s.Pages) >= from*float64(pages) {
			t0, p0, found0 = s.At, s.Pages, true
		}
		if float64(s.Pages) >= to*float64(pages) {
			t1, p1 = s.At, s.Pages
			break
		}
	}
	if !found0 || t1 <= t0 {
		return 0
	}
	return float64(p1-p0) / (t1 - t0).Seconds()
}

// Pages is the number of distinct pages fetched.
func (r Result) Pages() int { return len(r.Requests) }

// Run crawls a fresh simweb with a fresh cluster and returns what happened.
func Run(ctx context.Context, c Config) (Result, error) {
	var res Result
	logf := func(format string, args ...any) {
		if c.Log != nil {
			fmt.Fprintf(c.Log, format+"\n", args...)
		}
	}
	if err := os.MkdirAll(c.WorkDir, 0o755); err != nil {
		return res, err
	}
	var (
		mu       sync.Mutex
		requests = make(map[string]int)
		traps    = make(map[string]int)
		fetched  int
	)
	web := simweb.Generate(simweb.Options{Sites: c.Sites, Seed: c.Seed})
	mmdb := filepath.Join(c.WorkDir, "country.mmdb")
	if err := web.WriteMMDB(mmdb); err != nil {
		return res, err
	}
	srv, err := web.Start(ctx, simweb.ServeOptions{Logger: discardLogger(), OnRequest: func(r simweb.RequestLog) {
		if r.Path == "/robots.txt" {
			return
		}
		mu.Lock()
		k := strings.ToLower(r.Host) + r.Path
		if site, ok := web.Lookup(r.Host); ok && site.Kind == simweb.KindCalendarTrap && strings.HasPrefix(r.Path, "/calendar/") {
			traps[k]++
			mu.Unlock()
			return
		}
		if requests[k] == 0 {
			fetched++
		}
		requests[k]++
		mu.Unlock()
	}})
	if err != nil {
		return res, err
	}
	defer srv.Close()

	var (
		url      string
		replicas = 1
		procs    []*Proc
	)
	if c.NATSNodes <= 1 {
		ns, err := natsembed.Start(&natsembed.Options{StoreDir: filepath.Join(c.WorkDir, "nats")})
		if err != nil {
			return res, err
		}
		defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
		url = ns.ClientURL()
	} else {
		if c.Bins.NATSD == "" {
			return res, fmt.Errorf("fault: %d NATS nodes need the natsd binary", c.NATSNodes)
		}
		var nodes []*Proc
		if url, nodes, err = c.natsCluster(); err != nil {
			return res, err
		}
		for _, p := range nodes {
			if err := p.Start(); err != nil {
				return res, err
			}
			defer p.Stop(10 * time.Second)
		}
		procs = append(procs, nodes...)
		replicas = 3
	}
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true))
	if err != nil {
		return res, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return res, err
	}
	// A new cluster needs a moment to elect its meta leader.
	for deadline := time.Now().Add(time.Minute); ; {
		ectx, ecancel := context.WithTimeout(ctx, 5*time.Second)
		err = proto.EnsureStreams(ectx, js, proto.StreamOptions{Replicas: replicas})
		if err == nil {
			_, err = proto.EnsureCluster(ectx, js, c.NumPartitions, replicas)
		}
		ecancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return res, err
		}
		time.Sleep(500 * time.Millisecond)
	}

	services := c.processes(url, srv.DNSAddr(), mmdb, replicas)
	byName := make(map[string]*Proc)
	for _, p := range procs {
		byName[p.Name] = p
	}
	procs = append(procs, services...)
	for _, p := range services {
		byName[p.Name] = p
		if err := p.Start(); err != nil {
			return res, err
		}
		defer p.Stop(15 * time.Second)
	}
	for _, u := range srv.Seeds() {
		if err := bus.Publish(ctx, js, proto.SubjectSeed, &trawlpb.Seed{Url: u, Source: "fault"}, proto.MsgID("seed", u)); err != nil {
			return res, err
		}
	}
	cl := &cluster{c: c, byName: byName, services: &services, all: &procs}
	defer func() {
		for _, p := range services { // those a fault added too
			p.Stop(15 * time.Second)
		}
	}()
	start := time.Now()
	crawlCtx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	pending := append([]Fault(nil), c.Faults...)
	sort.Slice(pending, func(i, j int) bool { return pending[i].At < pending[j].At })
	var idleSince time.Time
	for {
		select {
		case <-crawlCtx.Done():
			return res, fmt.Errorf("fault: crawl did not drain in %v (pages %d, faults left %d)", c.Timeout, fetchedNow(&mu, &fetched), len(pending))
		case <-time.After(200 * time.Millisecond):
		}
		for _, p := range procs {
			if died, how := p.Died(); died {
				return res, fmt.Errorf("fault: %s ended by itself (%s); its log ends:\n%s", p.Name, how, logTail(p.Log, 1500))
			}
		}
		n := fetchedNow(&mu, &fetched)
		if k := len(res.Progress); k == 0 || time.Since(start)-res.Progress[k-1].At >= time.Second {
			res.Progress = append(res.Progress, Sample{time.Since(start), n})
		}
		for len(pending) > 0 && c.ExpectPages > 0 && float64(n) >= pending[0].At*float64(c.ExpectPages) &&
			(len(res.Faults) == 0 || time.Since(start)-res.LastFault >= pending[0].Gap) {
			f := pending[0]
			pending = pending[1:]
			target := f.Target
			if target == "natsd-leader" {
				if target, err = StreamLeader(crawlCtx, js); err != nil {
					return res, err
				}
			}
			desc := fmt.Sprintf("%s %s at %d pages (%.0f%%), back after %v", f.Kind, target, n, 100*float64(n)/float64(c.ExpectPages), f.Pause)
			logf("fault: %s", desc)
			res.Faults = append(res.Faults, desc)
			began := time.Now()
			if err := cl.apply(crawlCtx, f, target); err != nil {
				return res, err
			}
			logf("fault: %s %s done in %.1fs", f.Kind, target, time.Since(began).Seconds())
			res.LastFault, res.LastFaultPages = time.Since(start), fetchedNow(&mu, &fetched)
		}
		if len(pending) > 0 {
			continue
		}
		idle, answered, err := frontiersIdle(crawlCtx, nc)
		if err == nil && idle && answered >= c.Frontiers {
			var b uint64
			if b, err = backlog(crawlCtx, js); err == nil && b == 0 {
				if idleSince.IsZero() {
					idleSince = time.Now()
				} else if time.Since(idleSince) > 2*time.Second {
					break
				}
				continue
			}
		}
		idleSince = time.Time{}
	}
	res.Elapsed = time.Since(start)
	// Reading the stream needs its leader; after a NATS node was killed the
	// cluster may still be settling, so retry for a while.
	var verdicts []*trawlpb.Verdict
	for deadline := time.Now().Add(30 * time.Second); ; {
		if verdicts, err = node.Verdicts(ctx, js); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return res, err
		}
		logf("verdicts: %v; retrying", err)
		time.Sleep(time.Second)
	}
	if replicas > 1 {
		if err := checkReplicas(ctx, js, replicas); err != nil {
			return res, err
		}
	}
	for _, v := range verdicts {
		if v.Flagged {
			res.Flagged = append(res.Flagged, v.Site)
		}
	}
	sort.Strings(res.Flagged)
	for _, p := range services {
		p.Stop(15 * time.Second)
	}
	mu.Lock()
	res.Requests, res.TrapRequests = requests, traps
	mu.Unlock()
	logf("crawl: %d pages, %d flagged, %.1fs", len(res.Requests), len(res.Flagged), res.Elapsed.Seconds())
	return res, nil
}

// StreamLeader returns the name of the NATS node that leads most streams.
func StreamLeader(ctx context.Context, js jetstream.JetStream) (string, error) {
	var led map[string]int
	err := proto.Retry(ctx, nil, "list streams", func(ctx context.Context) error {
		led = make(map[string]int)
		l := js.ListStreams(ctx)
		for info := range l.Info() {
			if info.Cluster != nil && info.Cluster.Leader != "" {
				led[info.Cluster.Leader]++
			}
		}
		return l.Err()
	})
	if err != nil {
		return "", fmt.Errorf("fault: stream leaders: %w", err)
	}
	best := ""
	for name, n := range led {
		if best == "" || n > led[best] || (n == led[best] && name < best) {
			best = name
		}
	}
	if best == "" {
		return "", errors.New("fault: no stream has a leader")
	}
	return best, nil
}

// checkReplicas checks that every stream, the KV buckets' included, keeps
// want copies: no service scaled one down, and every one was created with
// them.
func checkReplicas(ctx context.Context, js jetstream.JetStream, want int) error {
	var bad []string
	err := proto.Retry(ctx, nil, "list streams", func(ctx context.Context) error {
		bad = nil
		l := js.ListStreams(ctx)
		for info := range l.Info() {
			if info.Config.Replicas != want {
				bad = append(bad, fmt.Sprintf("%s (R%d)", info.Config.Name, info.Config.Replicas))
			}
		}
		return l.Err()
	})
	if err != nil {
		return fmt.Errorf("fault: list streams: %w", err)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("fault: streams not R%d: %s", want, strings.Join(bad, ", "))
	}
	return nil
}

// logTail returns the last n bytes of a log file.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func fetchedNow(mu *sync.Mutex, n *int) int {
	mu.Lock()
	defer mu.Unlock()
	return *n
}

func inject(ctx context.Context, p *Proc, f Fault) error {
	wait := func() {
		select {
		case <-time.After(f.Pause):
		case <-ctx.Done():
		}
	}
	switch f.Kind {
	case "kill":
		if err := p.Kill(); err != nil {
			return err
		}
		wait()
		return p.Start()
	case "restart":
		// A graceful restart: the service drains and exits.
		if err := p.Stop(30 * time.Second); err != nil {
			return err
		}
		wait()
		return p.Start()
	case "freeze":
		if err := p.Signal(syscall.SIGSTOP); err != nil {
			return err
		}
		wait()
		return p.Signal(syscall.SIGCONT)
	default:
		return fmt.Errorf("fault: unknown fault kind %q", f.Kind)
	}
}

// processes lays out the cluster: frontiers splitting the partitions
// (frontier-0 owns the larger share), crawlers, one classifier.
func (c Config) processes(natsURL, dns, mmdb string, replicas int) []*Proc {
	var procs []*Proc
	add := func(name, path string, args ...string) {
		procs = append(procs, &Proc{Name: name, Path: path, Args: args, Log: filepath.Join(c.WorkDir, name+".log")})
	}
	p := c.NumPartitions
	lo := 0
	for i := 0; i < c.Frontiers; i++ {
		share := p / c.Frontiers
		if i == 0 {
			share += p % c.Frontiers
			if c.Frontiers > 1 {
				share++ // frontier-0 owns most partitions
			}
		}
		hi := min(p, lo+share) - 1
		if i == c.Frontiers-1 {
			hi = p - 1
		}
		add(fmt.Sprintf("frontier-%d", i), c.Bins.Frontier, "run", "--nats", natsURL,
			"--data", filepath.Join(c.WorkDir, fmt.Sprintf("frontier-%d", i)),
			"--num-partitions", strconv.Itoa(p), "--partitions", fmt.Sprintf("%d-%d", lo, hi),
			"--min-delay", c.MinDelay.String(), "--log-level", "warn", "--replicas", strconv.Itoa(replicas))
		lo = hi + 1
	}
	for i := 0; i < c.Crawlers; i++ {
		add(fmt.Sprintf("crawler-%d", i), c.Bins.Crawler, "--nats", natsURL, "--resolver", dns,
			"--allow-loopback", "--concurrency", strconv.Itoa(c.Concurrency), "--num-partitions", strconv.Itoa(p),
			// simweb answers at once; a fetch slower than this is a machine
			// too busy to schedule it, and a page given up after three such
			// timeouts would change what the crawl finds.
			"--timeout", "10s", "--log-level", "warn", "--replicas", strconv.Itoa(replicas))
	}
	add("classifier-0", c.Bins.Classifier, "run", "--nats", natsURL,
		"--data", filepath.Join(c.WorkDir, "classifier-0"), "--num-partitions", strconv.Itoa(p),
		"--geoip-db", mmdb, "--log-level", "warn", "--replicas", strconv.Itoa(replicas))
	return procs
}

// natsCluster lays out three natsd processes routed to each other on free
// loopback ports, and returns the client URL list.
func (c Config) natsCluster() (string, []*Proc, error) {
	ports, err := freePorts(6)
	if err != nil {
		return "", nil, err
	}
	var routes, urls []string
	for i := 0; i < 3; i++ {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[3+i]))
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
	}
	var nodes []*Proc
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("natsd-%d", i)
		nodes = append(nodes, &Proc{Name: name, Path: c.Bins.NATSD, Log: filepath.Join(c.WorkDir, name+".log"),
			Args: []string{"run", "--name", name, "--host", "127.0.0.1", "--port", strconv.Itoa(ports[i]),
				"--cluster-port", strconv.Itoa(ports[3+i]), "--routes", strings.Join(routes, ","),
				"--data", filepath.Join(c.WorkDir, name), "--http", "", "--max-store", "2GiB", "--log-level", "warn"}})
	}
	return strings.Join(urls, ","), nodes, nil
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
