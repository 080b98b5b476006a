package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/frontier"
	"trawl.dev/frontier/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

const numPartitions = 4

// drainTimeout bounds a crawl in these tests.
var drainTimeout = 45 * time.Second

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// graph is a synthetic web: canonical URL → the hrefs on its page, some
// relative, some duplicates, some that must be refused. Every page is
// reachable from the seed http://www.site0.ru/p0.
func graph(sites, pages int) map[string][]string {
	g := make(map[string][]string)
	for s := range sites {
		for _, host := range []string{"www", "shop"} {
			for p := range pages {
				u := fmt.Sprintf("http://%s.site%d.ru/p%d", host, s, p)
				var links []string
				if p+1 < pages {
					links = append(links, fmt.Sprintf("p%d", p+1), fmt.Sprintf("./p%d#frag", p+1))
				}
				links = append(links, "/p0", "javascript:void(0)", "mailto:x@site.ru", "#top",
					"/cal/x/cal/x/cal/x/cal/x/", "/s?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13") // traps
				if host == "www" && p == 0 {
					links = append(links, fmt.Sprintf("//shop.site%d.ru/p0", s),
						fmt.Sprintf("HTTP://WWW.SITE%d.RU:80/p0", (s+1)%sites))
				}
				g[u] = links
			}
		}
	}
	return g
}

// crawler is a fake crawler: it takes fetch tasks and answers each with the
// page's links (all in one DiscoveredLinks on the page's own partition, so
// the frontier has to reroute the other sites) and a 200 outcome.
type crawler struct {
	t      *testing.T
	js     jetstream.JetStream
	graph  map[string][]string
	mu     sync.Mutex
	counts map[string]int
	last   map[string]time.Time // host → start of its last fetch
	busy   map[string]bool
	errs   []string
}

func startCrawler(t *testing.T, ctx context.Context, js jetstream.JetStream, g map[string][]string, minDelay time.Duration) (*crawler, func()) {
	c := &crawler{t: t, js: js, graph: g, counts: map[string]int{}, last: map[string]time.Time{}, busy: map[string]bool{}}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		err := bus.Consume(ctx, js, bus.ConsumerOptions{Stream: proto.StreamFetch, Durable: "test-crawler",
			Workers: 8, Logger: quiet}, func(ctx context.Context, m jetstream.Msg) error {
			return c.fetch(ctx, m, minDelay)
		})
		if err != nil {
			t.Errorf("crawler: %v", err)
		}
	})
	return c, func() { cancel(); wg.Wait() }
}

func (c *crawler) fail(format string, args ...any) {
	c.mu.Lock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

func (c *crawler) fetch(ctx context.Context, m jetstream.Msg, minDelay time.Duration) error {
	var task trawlpb.FetchTask
	if err := bus.Decode(m.Data(), &task); err != nil {
		c.fail("bad fetch task: %v", err)
		return err
	}
	now := time.Now()
	c.mu.Lock()
	c.counts[task.Url]++
	if c.busy[task.Host] {
		c.errs = append(c.errs, "two fetches in flight for host "+task.Host)
	}
	if last, ok := c.last[task.Host]; ok && now.Sub(last) < minDelay {
		c.errs = append(c.errs, fmt.Sprintf("host %s fetched %v after the previous fetch, want ≥ %v", task.Host, now.Sub(last), minDelay))
	}
	c.busy[task.Host], c.last[task.Host] = true, now
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.busy[task.Host] = false
		c.mu.Unlock()
	}()
	links, ok := c.graph[task.Url]
	if !ok {
		c.fail("fetch of %s, which is not in the graph", task.Url)
	}
	dl := &trawlpb.DiscoveredLinks{FromUrl: task.Url, Partition: task.Partition, Depth: task.Depth, FromSite: task.Site}
	for _, l := range links {
		dl.Links = append(dl.Links, &trawlpb.Link{Url: l})
	}
	subj := strconv.Itoa(int(task.Partition))
	if err := bus.Publish(ctx, c.js, proto.SubjectLinks+"."+subj, dl, proto.MsgID("links", task.LeaseId)); err != nil {
		return err
	}
	out := &trawlpb.FetchOutcome{Url: task.Url, Host: task.Host, Partition: task.Partition, LeaseId: task.LeaseId,
		StatusCode: 200, DurationMs: 1, FetchedUnixMs: time.Now().UnixMilli(), Links: int32(len(links))}
	return bus.Publish(ctx, c.js, proto.SubjectFetched+"."+subj, out, proto.MsgID("outcome", task.LeaseId))
}

// check fails t unless every page of the graph was fetched exactly once.
func (c *crawler) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		t.Error(e)
	}
	var missing, twice []string
	for u := range c.graph {
		switch n := c.counts[u]; {
		case n == 0:
			missing = append(missing, u)
		case n > 1:
			twice = append(twice, fmt.Sprintf("%s ×%d", u, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(twice)
	if len(missing) > 0 || len(twice) > 0 {
		t.Errorf("of %d pages: got %d never fetched %v and %d fetched more than once %v; want each exactly once",
			len(c.graph), len(missing), missing, len(twice), twice)
	}
}

func (c *crawler) fetched() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.counts)
}

// mustConnect starts a server, connects, and creates the streams (as the
// first service to start would).
func mustConnect(t *testing.T) (*nats.Conn, jetstream.JetStream, string) {
	t.Helper()
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	if err := proto.EnsureStreams(context.Background(), js, proto.StreamOptions{}); err != nil {
		t.Fatalf("streams: %v", err)
	}
	return nc, js, ns.ClientURL()
}

func options(dir string) service.Options {
	return service.Options{DataDir: dir, NumPartitions: numPartitions, Logger: quiet,
		MinDelay: 20 * time.Millisecond, AdaptiveFactor: 1, NoSync: true, MaxInFlight: 8}
}

// run starts s.Run and returns a function that stops it and returns its error.
func run(t *testing.T, s *service.Service) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitDrained waits until s reports drained and cond holds.
func waitDrained(t *testing.T, s *service.Service, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for {
		ok, err := s.Drained(ctx)
		if err != nil {
			t.Fatalf("drained: %v", err)
		}
		if ok && cond() {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("frontier did not drain: stats %+v", s.Stats())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestCrawlGraph(t *testing.T) {
	nc, js, _ := mustConnect(t)
	g := graph(6, 5)
	s, err := service.New(nc, options(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, s)
	c, stopCrawler := startCrawler(t, context.Background(), js, g, 20*time.Millisecond)
	defer stopCrawler()
	ctx := context.Background()
	if err := s.Seed(ctx, "www.site0.ru/p0", "http://www.site0.ru/p0#again"); err != nil {
		t.Fatalf("seed: %v", err)
	}
	waitDrained(t, s, func() bool { return c.fetched() == len(g) })
	c.check(t)
	st := s.Stats()
	want := int64(len(g))
	if st.Seen != want || st.Fetched != want || st.Published != want || st.Queued != 0 || st.InFlight != 0 || st.Hosts != 0 {
		t.Errorf("stats: got %+v; want seen, fetched and published %d, nothing queued or in flight", st, want)
	}
	if st.Rerouted == 0 || st.Rejected == 0 || st.TrapURLs == 0 || st.Duplicates == 0 || st.Malformed != 0 || st.Failed != 0 {
		t.Errorf("stats: got %+v; want rerouted, rejected, trap and duplicate links, nothing malformed or failed", st)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRestartMidCrawl(t *testing.T) {
	nc, js, _ := mustConnect(t)
	dir := t.TempDir()
	g := graph(8, 6)
	o := options(dir)
	o.MinDelay = 50 * time.Millisecond
	first, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	stopFirst := run(t, first)
	c, stopCrawler := startCrawler(t, context.Background(), js, g, o.MinDelay)
	defer stopCrawler()
	if err := first.Seed(context.Background(), "http://www.site0.ru/p0"); err != nil {
		t.Fatalf("seed: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for c.fetched() < len(g)/3 {
		if time.Now().After(deadline) {
			t.Fatalf("crawl did not progress: %d fetched, stats %+v", c.fetched(), first.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := stopFirst(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	mid := first.Stats()
	if mid.Queued == 0 && mid.InFlight == 0 {
		t.Fatalf("stopped after the crawl ended (%+v): the test proves nothing", mid)
	}
	t.Logf("stopped with %d fetched, %d queued, %d in flight", mid.Fetched, mid.Queued, mid.InFlight)

	second, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := second.Stats(); got.Seen != 0 {
		t.Fatalf("stats before Run: got %+v, want zero", got)
	}
	stopSecond := run(t, second)
	waitDrained(t, second, func() bool { return c.fetched() == len(g) })
	c.check(t)
	if st := second.Stats(); st.Seen != int64(len(g)) || st.Fetched != int64(len(g)) {
		t.Errorf("stats after restart: got %+v, want seen and fetched %d (state carried over)", st, len(g))
	}
	if err := stopSecond(); err != nil {
		t.Fatalf("second run: %v", err)
	}
}

func TestMalformedMessages(t *testing.T) {
	nc, js, _ := mustConnect(t)
	s, err := service.New(nc, options(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, s)
	ctx := context.Background()
	raw := func(subject string, data []byte) {
		if _, err := js.Publish(ctx, subject, data); err != nil {
			t.Fatalf("publish %s: %v", subject, err)
		}
	}
	raw(proto.Partitioned(proto.SubjectLinks, 1), []byte{0xff, 0xff, 0xff})
	raw(proto.Partitioned(proto.SubjectFetched, 2), []byte("not protobuf \xff\xff"))
	if err := bus.Publish(ctx, js, proto.SubjectSeed, &trawlpb.Seed{Url: "javascript:alert(1)"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := bus.Publish(ctx, js, proto.Partitioned(proto.SubjectFetched, 0), &trawlpb.FetchOutcome{Url: "http://a.ru/"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := bus.Publish(ctx, js, proto.Partitioned(proto.SubjectFocus, 3), &trawlpb.FocusHint{Priority: 3}, ""); err != nil {
		t.Fatal(err)
	}
	const want = 5
	deadline := time.Now().Add(20 * time.Second)
	for s.Stats().Dead < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if st := s.Stats(); st.Malformed != want || st.Dead != want {
		t.Fatalf("got malformed %d, dead %d; want %d each", st.Malformed, st.Dead, want)
	}
	dead, err := js.Stream(ctx, proto.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	info, err := dead.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != want {
		t.Fatalf("DEAD stream: got %d messages, want %d", info.State.Msgs, want)
	}
}

func TestNewValidates(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, _ := natstest.MustConnect(t, ns)
	tests := []struct {
		name string
		o    service.Options
	}{
		{"partition out of range", service.Options{NumPartitions: 4, Partitions: []int{4}}},
		{"repeated partition", service.Options{NumPartitions: 4, Partitions: []int{1, 1}}},
		{"negative delay", service.Options{MinDelay: -time.Second}},
		{"short lease", service.Options{LeaseTTL: time.Millisecond}},
	}
	for _, tt := range tests {
		if _, err := service.New(nc, tt.o); err == nil {
			t.Errorf("%s: got no error", tt.name)
		}
	}
	if _, err := service.New(nil, service.Options{}); err == nil {
		t.Error("nil connection: got no error")
	}
	s, err := service.New(nc, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background()); err == nil {
		t.Error("Run without DataDir: got no error")
	}
	if err := s.Seed(context.Background(), "http://ok.ru/", "file:///etc/passwd"); !errors.Is(err, frontier.ErrScheme) {
		t.Errorf("Seed with a file URL: got %v, want ErrScheme", err)
	}
}

func TestMain(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	bad := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"unknown command", []string{"crawl"}},
		{"bad flag", []string{"run", "--bogus"}},
		{"bad duration", []string{"run", "--min-delay", "soon"}},
		{"seed without urls", []string{"seed", "--nats", ns.ClientURL()}},
		{"bad partitions", []string{"run", "--nats", ns.ClientURL(), "--num-partitions", "4", "--partitions", "9", "--data", t.TempDir()}},
	}
	for _, tt := range bad {
		if code := service.Main(context.Background(), tt.args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%s: got exit code %d, want 2", tt.name, code)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- service.Main(ctx, []string{"run", "--nats", ns.ClientURL(), "--data", t.TempDir(),
			"--num-partitions", "4", "--min-delay", "10ms", "--no-sync", "--log-level", "warn"}, io.Discard, io.Discard)
	}()
	if code := service.Main(context.Background(), []string{"seed", "--nats", ns.ClientURL(), "http://www.site0.ru/"}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("seed: got exit code %d, want 0", code)
	}
	// The task reaches FETCH, and the micro stats endpoint reports it.
	var st service.Stats
	deadline := time.Now().Add(20 * time.Second)
	for st.Published == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no fetch task published: stats %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
		msg, err := nc.Request(proto.SubjectControl+".frontier.stats", nil, time.Second)
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrTimeout) {
			continue
		}
		if err != nil {
			t.Fatalf("stats request: %v", err)
		}
		if err := json.Unmarshal(msg.Data, &st); err != nil {
			t.Fatalf("stats reply %q: %v", msg.Data, err)
		}
	}
	if st.Seen != 1 || st.InFlight != 1 || st.Partitions != 4 {
		t.Errorf("stats: got %+v, want 1 seen, 1 in flight, 4 partitions", st)
	}
	fetch, err := js.Stream(context.Background(), proto.StreamFetch)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fetch.GetLastMsgForSubject(context.Background(), proto.SubjectFetch+".*")
	if err != nil {
		t.Fatalf("fetch task: %v", err)
	}
	var task trawlpb.FetchTask
	if err := bus.Decode(m.Data, &task); err != nil || task.Url != "http://www.site0.ru/" || task.Attempt != 1 || task.LeaseId == "" {
		t.Fatalf("fetch task: got %+v, %v", &task, err)
	}
	if want := proto.Partition("site0.ru", 4); int(task.Partition) != want || m.Subject != proto.Partitioned(proto.SubjectFetch, want) {
		t.Errorf("fetch task on %s partition %d, want partition %d", m.Subject, task.Partition, want)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("run: got exit code %d, want 0", code)
	}
}

// TestTwoInstances splits the partitions between two frontiers: seeds and
// links for the other instance's sites travel to it over NATS.
func TestTwoInstances(t *testing.T) {
	nc, js, _ := mustConnect(t)
	g := graph(6, 4)
	var insts []*service.Service
	for _, owned := range [][]int{{0, 1}, {2, 3}} {
		o := options(t.TempDir())
		o.Partitions = owned
		s, err := service.New(nc, o)
		if err != nil {
			t.Fatal(err)
		}
		run(t, s)
		insts = append(insts, s)
	}
	c, stop := startCrawler(t, context.Background(), js, g, 20*time.Millisecond)
	defer stop()
	var seeds []string
	for i := range 6 {
		seeds = append(seeds, "http://www.site"+strconv.Itoa(i)+".ru/p0")
	}
	if err := insts[0].Seed(context.Background(), seeds...); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, insts[0], func() bool { return c.fetched() == len(g) })
	waitDrained(t, insts[1], func() bool { return true })
	c.check(t)
	var seen, rerouted int64
	for i, s := range insts {
		st := s.Stats()
		if st.Seen == 0 {
			t.Errorf("instance %d admitted nothing: %+v", i, st)
		}
		seen += st.Seen
		rerouted += st.Rerouted
	}
	if seen != int64(len(g)) || rerouted == 0 {
		t.Errorf("got %d seen in all and %d rerouted; want %d and some rerouted", seen, rerouted, len(g))
	}
}

// TestAdmissionsHeldForACommitAreKeptAtStop holds seeds back for a shared
// commit far longer than the test runs, checks that they are held (delivered,
// not acknowledged, not admitted), then stops the service: the stop must
// commit them at once, and a second instance must find them admitted.
func TestAdmissionsHeldForACommitAreKeptAtStop(t *testing.T) {
	nc, js, _ := mustConnect(t)
	dir := t.TempDir()
	o := options(dir)
	o.AdmitDelay = time.Hour
	o.FetchBacklog = 1 << 20 // nothing is crawled here; leases just wait
	s, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, s)
	urls := []string{"http://www.site0.ru/", "http://www.site1.ru/", "http://www.site2.ru/"}
	ctx := context.Background()
	if err := s.Seed(ctx, urls...); err != nil {
		t.Fatalf("seed: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := js.Consumer(ctx, proto.StreamSeeds, service.DurableSeeds)
		if err == nil {
			if info, err := c.Info(ctx); err == nil && info.NumAckPending == len(urls) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the seeds were not all delivered: stats %+v", s.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if st := s.Stats(); st.Seen != 0 || st.Seeds != 0 {
		t.Fatalf("seeds admitted before their commit was due: %+v", st)
	}
	stopped := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("stop took %v: held admissions were not committed at once", d)
	}
	if st := s.Stats(); st.Seen != int64(len(urls)) || st.Seeds != int64(len(urls)) {
		t.Errorf("after stop: %+v, want %d seen and taken", st, len(urls))
	}

	o.AdmitDelay = 0
	second, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	stopSecond := run(t, second)
	deadline = time.Now().Add(10 * time.Second)
	for second.Stats().Seen != int64(len(urls)) {
		if time.Now().After(deadline) {
			t.Fatalf("second instance: %+v, want %d seen", second.Stats(), len(urls))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if st := second.Stats(); st.Seeds != 0 || st.Duplicates != 0 {
		t.Errorf("second instance took seeds again: %+v (they were acknowledged at the stop)", st)
	}
	if err := stopSecond(); err != nil {
		t.Fatalf("second run: %v", err)
	}
}
