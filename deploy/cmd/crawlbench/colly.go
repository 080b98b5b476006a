package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
)

// runColly is contender (b): plain colly, asynchronous, with the same
// concurrency, per-host politeness (one request at a time, MinDelay between
// two), robots.txt, depth and site budget as Trawl, extracting <a href>
// links and nothing else. Its connection pool is set like Trawl's.
func runColly(ctx context.Context, cfg config) (*result, error) {
	c := colly.NewCollector(
		colly.Async(true),
		colly.UserAgent(cfg.UserAgent),
		colly.MaxDepth(cfg.MaxDepth+1), // colly counts the seed as depth 1
		colly.ParseHTTPErrorResponse(),
		colly.StdlibContext(ctx),
	)
	c.IgnoreRobotsTxt = false
	c.SetRequestTimeout(cfg.Timeout)
	dialer := &net.Dialer{Resolver: resolverFor(cfg), Timeout: cfg.Timeout}
	c.WithTransport(&http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConns:        2048,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   true,
	})
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: cfg.Concurrency}); err != nil {
		return nil, err
	}

	gate := newHostGate(cfg.MinDelay, 1)
	var ipGate *hostGate // keyed by the host's IP, the same rule as Trawl's
	if cfg.MaxPerIP > 0 {
		ipGate = newHostGate(cfg.IPMinDelay, cfg.MaxPerIP)
	}
	var (
		mu      sync.Mutex
		seen    = map[string]bool{}
		perHost = map[string]int{}
		urls    []string
	)
	prog := newProgress()
	// Requests made from a page's callbacks share its colly.Context, so the
	// host held is kept by request ID.
	var held sync.Map // request ID → host
	c.OnRequest(func(r *colly.Request) {
		host := r.URL.Hostname()
		gate.acquire(host)
		if ipGate != nil {
			ipGate.acquire(cfg.Hosts[strings.ToLower(host)])
		}
		held.Store(r.ID, host)
	})
	release := func(r *colly.Request) {
		if host, ok := held.LoadAndDelete(r.ID); ok {
			gate.release(host.(string))
			if ipGate != nil {
				ipGate.release(cfg.Hosts[strings.ToLower(host.(string))])
			}
		}
	}
	// The host is free once the response has arrived: colly calls
	// OnResponseHeaders for every response, and OnError for failures
	// before one (a charset it cannot convert skips every later callback).
	c.OnResponseHeaders(func(r *colly.Response) { release(r.Request) })
	c.OnError(func(r *colly.Response, _ error) { release(r.Request) })
	c.OnResponse(func(r *colly.Response) {
		prog.page()
		mu.Lock()
		urls = append(urls, r.Request.URL.String())
		mu.Unlock()
	})
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		link := e.Request.AbsoluteURL(e.Attr("href"))
		u, ok := cfg.known(link)
		if !ok {
			return
		}
		u.Fragment = ""
		link = u.String()
		mu.Lock()
		host := strings.ToLower(u.Hostname())
		if seen[link] || perHost[host] >= cfg.SiteBudget {
			mu.Unlock()
			return
		}
		seen[link] = true
		perHost[host]++
		mu.Unlock()
		_ = e.Request.Visit(link)
	})
	start := time.Now()
	for _, s := range cfg.Seeds {
		mu.Lock()
		seen[s] = true
		mu.Unlock()
		_ = c.Visit(s)
	}
	c.Wait()
	res := &result{}
	prog.finish(res, time.Since(start))

	f, err := os.Create(cfg.URLFile)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	for _, u := range urls {
		w.WriteString(u + "\n")
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return res, f.Close()
}

// hostGate lets n requests per key (a host, or an IP) through at a time,
// each slot free again a minimum delay after its request's response: the
// politeness the frontier gives Trawl and CONCURRENT_REQUESTS_PER_DOMAIN
// (or _PER_IP) with DOWNLOAD_DELAY gives Scrapy.
type hostGate struct {
	delay time.Duration
	n     int
	mu    sync.Mutex
	hosts map[string]chan struct{}
}

func newHostGate(delay time.Duration, n int) *hostGate {
	return &hostGate{delay: delay, n: n, hosts: map[string]chan struct{}{}}
}

func (g *hostGate) slot(host string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch := g.hosts[host]
	if ch == nil {
		ch = make(chan struct{}, g.n)
		g.hosts[host] = ch
	}
	return ch
}

func (g *hostGate) acquire(host string) { g.slot(host) <- struct{}{} }

func (g *hostGate) release(host string) {
	ch := g.slot(host)
	if g.delay <= 0 {
		<-ch
		return
	}
	time.AfterFunc(g.delay, func() { <-ch })
}
