package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"trawl.dev/deploy/node"
)

// runTrawl is contender (a): Trawl's whole pipeline on the embedded default
// (NATS, frontier, crawler, classifier in one process; fetch, parse, dedup,
// classify, persist), seeded with simweb's hubs, until it is idle.
func runTrawl(ctx context.Context, cfg config, stderr io.Writer) (*result, error) {
	n, err := node.Start(ctx, node.Options{
		DataDir: cfg.DataDir, NumPartitions: cfg.NumPartitions, Concurrency: cfg.Concurrency,
		MinDelay: cfg.MinDelay, MaxPerIP: trawlPerIP(cfg.MaxPerIP), IPMinDelay: cfg.IPMinDelay, FetchTimeout: cfg.Timeout, Resolver: cfg.DNS, AllowLoopback: true, GeoIPDB: cfg.MMDB,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return nil, err
	}
	defer n.Close()
	start := time.Now()
	if err := n.Frontier.Seed(ctx, cfg.Seeds...); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	// Pages are counted from the crawler's stats: responses of any status.
	var (
		mu    sync.Mutex
		times []time.Duration
		last  int64
	)
	sample := func() {
		f := n.Crawler.Stats().Fetched
		mu.Lock()
		defer mu.Unlock()
		for d := time.Since(start); last < f; last++ {
			times = append(times, d)
		}
	}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				sample()
			case <-stop:
				return
			}
		}
	}()
	// Done when idle, or when no page has arrived for quiet: what is left
	// then is hosts in backoff (hanging sites, errors) retried minutes
	// later, which colly and Scrapy (no retries) do not do at all.
	const settle = time.Second
	quiet := max(15*time.Second, 3*cfg.Timeout)
	waitCtx, stopWait := context.WithCancel(ctx)
	defer stopWait()
	var lastPage time.Time
	var lastCount int64
	var lastLog time.Time
	err = n.WaitIdle(waitCtx, settle, func() {
		f := n.Crawler.Stats().Fetched
		now := time.Now()
		if f != lastCount || lastPage.IsZero() {
			lastCount, lastPage = f, now
		}
		if now.Sub(lastLog) >= 2*time.Second {
			lastLog = now
			fs := n.Frontier.Stats()
			fmt.Fprintf(stderr, "crawlbench trawl: %4.0fs %d pages, frontier queued %d in flight %d (hosts by why they wait %v), crawler in flight %d\n",
				now.Sub(start).Seconds(), f, fs.Queued, fs.InFlight, n.Frontier.Waiting(), n.Crawler.Stats().InFlight)
		}
		if now.Sub(lastPage) >= quiet {
			stopWait()
		}
	})
	wall := time.Since(start)
	if waitCtx.Err() != nil && ctx.Err() == nil {
		err = nil // quiet: stopped
		wall = lastPage.Sub(start)
	} else {
		wall -= settle
	}
	close(stop)
	<-sampled
	sample()
	if err != nil {
		return nil, fmt.Errorf("wait for the crawl: %w", err)
	}
	res := &result{}
	fillResult(res, times, wall)
	st := n.Crawler.Stats()
	res.Note = fmt.Sprintf("(%d pages to the classifier, %d links, failures %v)", st.Pages, st.Links, st.Failed)
	return res, nil
}

// trawlPerIP maps the benchmark's "0: no per-IP rule" to the frontier's
// negative value.
func trawlPerIP(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
