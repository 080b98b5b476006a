// Command crawlbench measures Trawl's crawl against plain colly, Scrapy and
// a bare HTTP load generator on the same synthetic web.
//
// It starts simweb (2,000 sites, no latency, by default) in its own process
// and crawls it, one contender at a time, each in a child process so that
// its CPU time and peak RSS are its own:
//
//   - trawl: the whole pipeline on the embedded default (trawl.dev/deploy/node:
//     embedded NATS, frontier, crawler, classifier; fetch, parse, dedup,
//     classify, persist);
//   - colly: plain gocolly with the same concurrency, one request per host
//     at a time with the same minimum delay, robots.txt, the same depth and
//     per-site limits, and <a href> extraction, nothing else;
//   - scrapy: Scrapy (Debian's python3-scrapy, installed with apt-get when
//     missing) with equivalent settings, resolving simweb's names from a
//     host map so that no query leaves the machine;
//   - ceiling: a Go load generator fetching the pages colly fetched as fast
//     as it can, without politeness or parsing;
//   - crawler-stage: Trawl's crawler service alone on an embedded NATS, given
//     those same pages as fetch tasks all at once (no frontier, no
//     classifier), to show what the crawler stage costs by itself.
//
// It prints pages/s, CPU seconds per 1,000 pages and peak RSS for each, then
// one JSON line with trawl_over_colly, trawl_over_scrapy, trawl_over_ceiling,
// crawler_stage_over_ceiling and every contender's <name>_pages_per_s.
//
// pages/s is 95% of a contender's pages over the time it took to fetch
// them: the last few per cent of any polite crawl are the slowest hosts
// (hanging sites, long Crawl-delays, retries), a tail that measures the
// web rather than the crawler. The whole wall time is printed too.
//
// Not part of the test run: `go run ./cmd/crawlbench` from deploy/.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
