package node_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"trawl.dev/deploy/node"
	"trawl.dev/simweb"
)

// crawl is one crawl of a small simweb by a whole node.
type crawl struct {
	web  *simweb.Web
	srv  *simweb.Server
	node *node.Node

	mu       sync.Mutex
	requests map[string]int // host+path → requests, robots.txt excluded
}

func startCrawl(t *testing.T, sites int, seed int64) *crawl {
	t.Helper()
	c := &crawl{requests: make(map[string]int)}
	c.web = simweb.Generate(simweb.Options{Sites: sites, Seed: seed})
	dir := t.TempDir()
	mmdb := filepath.Join(dir, "country.mmdb")
	if err := c.web.WriteMMDB(mmdb); err != nil {
		t.Fatal(err)
	}
	srv, err := c.web.Start(context.Background(), simweb.ServeOptions{OnRequest: func(r simweb.RequestLog) {
		if r.Path == "/robots.txt" {
			return
		}
		c.mu.Lock()
		c.requests[strings.ToLower(r.Host)+r.Path]++
		c.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c.srv = srv
	n, err := node.Start(context.Background(), node.Options{
		DataDir: dir, NumPartitions: 8, Concurrency: 16, MinDelay: 20 * time.Millisecond,
		FetchTimeout: 2 * time.Second, Resolver: srv.DNSAddr(), AllowLoopback: true, GeoIPDB: mmdb,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close node: %v", err)
		}
	})
	c.node = n
	return c
}

func (c *crawl) seed(t *testing.T, extra ...string) {
	t.Helper()
	urls := append(slices.Clone(c.srv.Seeds()), extra...)
	if err := c.node.Frontier.Seed(context.Background(), urls...); err != nil {
		t.Fatal(err)
	}
}

func (c *crawl) wait(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := c.node.WaitIdle(ctx, time.Second, nil); err != nil {
		t.Fatalf("crawl did not drain: %v (frontier %+v)", err, c.node.Frontier.Stats())
	}
}

func (c *crawl) requestCounts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.requests)
}

func TestPipelineFlagsExactlyTheTruth(t *testing.T) {
	c := startCrawl(t, 120, 7)
	// A seed nobody can resolve must end as a recorded failed fetch.
	c.seed(t, fmt.Sprintf("http://no-such-site-anywhere.ru:%d/", c.srv.Port()))
	c.wait(t)

	verdicts, err := node.Verdicts(context.Background(), c.node.JetStream())
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, v := range verdicts {
		if v.Flagged {
			got = append(got, v.Site)
			if len(v.Evidence) < 3 {
				t.Errorf("%s: flagged with %d evidence items, want at least 3", v.Site, len(v.Evidence))
			}
		}
	}
	for _, s := range c.web.Sites() {
		if s.Flagged {
			want = append(want, s.Truth().Site)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(want) == 0 {
		t.Fatal("simweb has no site to flag: the test would prove nothing")
	}
	if !slices.Equal(got, want) {
		t.Errorf("flagged sites:\n got  %v\n want %v", got, want)
	}
	if f := c.node.Frontier.Stats().Failed; f == 0 {
		t.Errorf("failed fetches: got 0, want the unresolvable seed recorded as failed")
	}
	if dups := c.duplicates(); len(dups) > 0 {
		t.Errorf("pages fetched more than once: %v", dups)
	}
}

// duplicates lists pages requested more than once, leaving out hostile
// hosts: a redirect loop reaches the same page from every start, and a
// failing host is retried by design.
func (c *crawl) duplicates() []string {
	var out []string
	for k, n := range c.requestCounts() {
		host, _, _ := strings.Cut(k, "/")
		if s, ok := c.web.Lookup(strings.TrimPrefix(host, "www.")); ok && s.Kind.Hostile() {
			continue
		}
		if n > 1 {
			out = append(out, fmt.Sprintf("%s×%d", k, n))
		}
	}
	sort.Strings(out)
	return out
}

func TestFrontierRestartLosesNothing(t *testing.T) {
	const sites, seed = 80, 11
	calm := startCrawl(t, sites, seed)
	calm.seed(t)
	calm.wait(t)
	want := calm.requestCounts()

	c := startCrawl(t, sites, seed)
	c.seed(t)
	// Restart the frontier twice while the crawl runs.
	for i := 0; i < 2; i++ {
		deadline := time.Now().Add(time.Minute)
		for c.node.Crawler.Stats().Fetched < int64((i+1)*len(want)/3) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := c.node.RestartFrontier(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	c.wait(t)
	got := c.requestCounts()
	var lost, extra []string
	for k, n := range want {
		if got[k] < n {
			lost = append(lost, k)
		}
	}
	for k, n := range got {
		if n > want[k] {
			extra = append(extra, fmt.Sprintf("%s %d>%d", k, n, want[k]))
		}
	}
	sort.Strings(lost)
	sort.Strings(extra)
	if len(lost) > 0 {
		t.Errorf("%d of %d pages lost after a frontier restart: %v", len(lost), len(want), lost)
	}
	if len(extra) > 0 {
		t.Errorf("%d pages fetched more often than in the undisturbed crawl: %v", len(extra), extra)
	}
}
