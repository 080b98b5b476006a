package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"trawl.dev/deploy/node"
	"trawl.dev/proto/natsconn"
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var (
		seeds        = fs.String("seeds", "", "file of seed URLs, one a line (# starts a comment); required")
		natsPort     = fs.Int("nats-port", 4222, "client port of the embedded nats-server (0 picks a free one)")
		dataDir      = fs.String("data", "trawl-data", "data directory: JetStream files and bbolt state")
		concurrency  = fs.Int("concurrency", 64, "crawler workers")
		minDelay     = fs.Duration("min-delay", 2*time.Second, "minimum delay between requests to one host")
		fetchTO      = fs.Duration("fetch-timeout", 30*time.Second, "total time one fetch may take")
		resolver     = fs.String("resolver", "", "DNS resolver address host:port (default: the system's)")
		allowPrivate = fs.Bool("allow-private", false, "allow fetching private, loopback and link-local addresses")
		geoip        = fs.String("geoip-db", "", "MaxMind-format country database (default: the embedded one)")
		asn          = fs.String("asn-db", "", "MaxMind-format ASN database")
		httpAddr     = fs.String("http", "127.0.0.1:8080", "classifier API address (empty: none)")
		uiAddr       = fs.String("ui", "127.0.0.1:8090", "investigators' web UI and API address (empty: none)")
		warcDir      = fs.String("warc-dir", "", "write every response to rolling WARC files here, which evidence cites (empty: none)")
		partitions   = fs.Int("num-partitions", 0, "partitions of a new cluster (default 64; an existing cluster keeps its own)")
		logLevel     = fs.String("log-level", "info", "log level")
	)
	natsOpts := natsconn.Flags(fs, "")
	fs.Lookup("nats").Usage = "external NATS: every node's URL, comma-separated (default: run an embedded nats-server)"
	if code := parse(fs, args, stderr); code >= 0 {
		return code
	}
	if *seeds == "" {
		fmt.Fprintln(stderr, "trawl run: --seeds FILE is required")
		return 2
	}
	if *concurrency < 1 || *partitions < 0 || *minDelay < 0 || *fetchTO <= 0 {
		fmt.Fprintln(stderr, "trawl run: --concurrency and --fetch-timeout must be positive, --min-delay and --num-partitions not negative")
		return 2
	}
	if natsOpts.URL != "" {
		if err := natsOpts.Validate(); err != nil {
			fmt.Fprintf(stderr, "trawl run: %v\n", err)
			return 2
		}
	}
	urls, err := readSeeds(*seeds)
	if err != nil {
		fmt.Fprintf(stderr, "trawl run: %v\n", err)
		return 2
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "trawl run: %v\n", err)
		return 2
	}
	port := *natsPort
	if port == 0 {
		port = -1
	}
	n, err := node.Start(ctx, node.Options{
		NATSURL: natsOpts.URL, NATSAuth: natsOpts, NATSPort: port, DataDir: *dataDir, NumPartitions: *partitions,
		Concurrency: *concurrency, MinDelay: *minDelay, FetchTimeout: *fetchTO, Resolver: *resolver,
		AllowPrivate: *allowPrivate, AllowLoopback: *allowPrivate, GeoIPDB: *geoip, ASNDB: *asn, HTTPAddr: *httpAddr, InvestigateAddr: *uiAddr, WARCDir: *warcDir, Logger: log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "trawl run: %v\n", err)
		return 1
	}
	defer n.Close()
	if u := n.ClientURL(); u != "" {
		fmt.Fprintf(stdout, "nats: embedded server at %s\n", u)
	}
	if *httpAddr != "" {
		fmt.Fprintf(stdout, "api: http://%s/api/v1/sites?flagged=true\n", *httpAddr)
	}
	if inv := n.Investigate; inv != nil {
		fmt.Fprintf(stdout, "investigators' UI: http://%s/  admin token: %s\n", inv.Addr(), inv.AdminToken())
	}
	if err := n.Frontier.Seed(ctx, urls...); err != nil {
		fmt.Fprintf(stderr, "trawl run: seed: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "seeded %d URLs; crawling until interrupted\n", len(urls))
	p := newProgress(stdout, n, false)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.done()
			fmt.Fprintln(stdout, "draining…")
			if err := n.Close(); err != nil {
				fmt.Fprintf(stderr, "trawl run: %v\n", err)
				return 1
			}
			return 0
		case <-t.C:
			p.tick()
		}
	}
}

// readSeeds reads a seed file: one absolute http(s) URL a line, blank lines
// and # comments ignored. A bad line is an error naming the line.
func readSeeds(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seeds: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if i := strings.Index(s, "#"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("seeds: %s:%d: %q is not an absolute http(s) URL", path, line, s)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("seeds: %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("seeds: %s has no URL", path)
	}
	return out, nil
}
