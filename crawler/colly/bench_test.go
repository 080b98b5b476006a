package colly_test

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
	"trawl.dev/simweb"
)

// BenchmarkCrawlSimweb crawls a 300-site simweb breadth first through the
// Crawler (robots.txt, fetch, parse) with 32 workers, up to 40 pages a
// site, and reports pages per second. No NATS: this is the fetcher's cost.
func BenchmarkCrawlSimweb(b *testing.B) {
	web := simweb.Generate(simweb.Options{Sites: benchSites(), Seed: 1})
	srv, err := web.Start(context.Background(), simweb.ServeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for b.Loop() {
		f := mustFetcher(b, colly.Options{Resolver: srv.DNSAddr(), Timeout: 2 * time.Second})
		c := crawler.New(f, nil)
		start := time.Now()
		pages := crawlAll(c, srv.Seeds(), 32, 40)
		b.ReportMetric(float64(pages)/time.Since(start).Seconds(), "pages/s")
		b.ReportMetric(float64(pages), "pages")
		b.ReportMetric(float64(colly.Dials(f)), "dials")
	}
}

// crawlAll crawls from seeds with n workers, one fetch per host at a time
// (as the frontier schedules them), at most perSite pages a host.
func crawlAll(c *crawler.Crawler, seeds []string, n, perSite int) int {
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		queues  = map[string][]string{}
		ready   []string // hosts with queued URLs and no fetch running
		busy    = map[string]bool{}
		seen    = map[string]bool{}
		perHost = map[string]int{}
		running int
		pages   int
	)
	add := func(raw string) {
		u, err := url.Parse(raw)
		if err != nil || seen[raw] || strings.HasPrefix(u.Path, "/calendar") || perHost[u.Host] >= perSite {
			return
		}
		seen[raw] = true
		perHost[u.Host]++
		if len(queues[u.Host]) == 0 && !busy[u.Host] {
			ready = append(ready, u.Host)
		}
		queues[u.Host] = append(queues[u.Host], raw)
	}
	for _, s := range seeds {
		add(s)
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			for {
				for len(ready) == 0 && running > 0 {
					cond.Wait()
				}
				if len(ready) == 0 {
					cond.Broadcast()
					return
				}
				host := ready[0]
				ready = ready[1:]
				u := queues[host][0]
				queues[host] = queues[host][1:]
				busy[host] = true
				running++
				mu.Unlock()
				res := c.Crawl(context.Background(), crawler.Task{URL: u, LeaseID: "b"})
				mu.Lock()
				running--
				busy[host] = false
				if len(queues[host]) > 0 {
					ready = append(ready, host)
				}
				if res.Outcome.StatusCode > 0 {
					pages++
				}
				if res.Page != nil {
					for _, l := range res.Page.Links {
						add(l.URL)
					}
				}
				cond.Broadcast()
			}
		})
	}
	wg.Wait()
	return pages
}

func benchSites() int {
	if n, err := strconv.Atoi(os.Getenv("TRAWL_BENCH_SITES")); err == nil && n > 0 {
		return n
	}
	return 300
}
