package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"trawl.dev/proto/natsconn"
)

// Main is the crawler binary: it parses args (flags, with TRAWL_*
// environment variables as defaults), connects to NATS and runs a Service
// until ctx ends or the process gets SIGINT or SIGTERM, then drains (see
// Service.Run). It returns the process exit code: 0 after a clean stop, 2
// for bad flags or options, 1 for a failure at run time.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crawler", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := envDefaults{}
	var (
		_             = fs.String("data", env.str("TRAWL_DATA", ""), "data directory; unused, the crawler keeps no state (env TRAWL_DATA)")
		_             = fs.String("partitions", env.str("TRAWL_PARTITIONS", "all"), "accepted for uniformity; a crawler serves every partition (env TRAWL_PARTITIONS)")
		numPartitions = fs.Int("num-partitions", env.int("TRAWL_NUM_PARTITIONS", 0), "cluster partition count, checked against the cluster's; 0 takes the cluster's, or records the default 64 on a new cluster (env TRAWL_NUM_PARTITIONS)")
		replicas      = fs.Int("replicas", env.int("TRAWL_REPLICAS", 0), "stream and bucket replicas (3 on a cluster); 0 keeps what the cluster has, 1 for a new stream (env TRAWL_REPLICAS)")
		logLevel      = fs.String("log-level", env.str("TRAWL_LOG_LEVEL", "info"), "debug, info, warn or error (env TRAWL_LOG_LEVEL)")
		concurrency   = fs.Int("concurrency", env.int("TRAWL_CONCURRENCY", 32), "fetches at once (env TRAWL_CONCURRENCY)")
		resolver      = fs.String("resolver", env.str("TRAWL_RESOLVER", ""), "DNS server host:port; empty uses the system resolver (env TRAWL_RESOLVER)")
		allowLoopback = fs.Bool("allow-loopback", env.bool("TRAWL_ALLOW_LOOPBACK"), "allow fetching loopback addresses (env TRAWL_ALLOW_LOOPBACK)")
		allowPrivate  = fs.Bool("allow-private", env.bool("TRAWL_ALLOW_PRIVATE"), "allow fetching private and link-local addresses (env TRAWL_ALLOW_PRIVATE)")
		userAgent     = fs.String("user-agent", env.str("TRAWL_USER_AGENT", ""), "User-Agent header (env TRAWL_USER_AGENT)")
		allowNets     = fs.String("allow-net", env.str("TRAWL_ALLOW_NET", ""), "comma-separated CIDRs to allow besides public addresses, e.g. 127.1.0.0/16 (env TRAWL_ALLOW_NET)")
		maxBody       = fs.Int64("max-body", int64(env.int("TRAWL_MAX_BODY", 4<<20)), "bytes of a body kept, after decompression (env TRAWL_MAX_BODY)")
		maxWireBody   = fs.Int64("max-wire-body", int64(env.int("TRAWL_MAX_WIRE_BODY", 0)), "bytes of a body read off the network; 0 = --max-body (env TRAWL_MAX_WIRE_BODY)")
		maxHeader     = fs.Int64("max-header-bytes", int64(env.int("TRAWL_MAX_HEADER_BYTES", 64<<10)), "bytes of response headers (env TRAWL_MAX_HEADER_BYTES)")
		timeout       = fs.Duration("timeout", env.duration("TRAWL_TIMEOUT", 15*time.Second), "time for one fetch, redirects included (env TRAWL_TIMEOUT)")
		firstByte     = fs.Duration("first-byte-timeout", env.duration("TRAWL_FIRST_BYTE_TIMEOUT", 10*time.Second), "time from request to response headers (env TRAWL_FIRST_BYTE_TIMEOUT)")
		connect       = fs.Duration("connect-timeout", env.duration("TRAWL_CONNECT_TIMEOUT", 10*time.Second), "TCP connect and TLS handshake (env TRAWL_CONNECT_TIMEOUT)")
		maxRedirects  = fs.Int("max-redirects", env.int("TRAWL_MAX_REDIRECTS", 5), "redirects followed; negative follows none (env TRAWL_MAX_REDIRECTS)")
		dnsCache      = fs.Int("dns-cache-size", env.int("TRAWL_DNS_CACHE_SIZE", 10000), "host names whose addresses are cached (env TRAWL_DNS_CACHE_SIZE)")
		dnsTTL        = fs.Duration("dns-cache-ttl", env.duration("TRAWL_DNS_CACHE_TTL", 5*time.Minute), "how long an address is cached (env TRAWL_DNS_CACHE_TTL)")
		robotsTTL     = fs.Duration("robots-ttl", env.duration("TRAWL_ROBOTS_TTL", time.Hour), "how long a robots.txt is cached (env TRAWL_ROBOTS_TTL)")
		warcDir       = fs.String("warc-dir", env.str("TRAWL_WARC_DIR", ""), "write every response to rolling WARC files here; empty writes none (env TRAWL_WARC_DIR)")
		warcMax       = fs.Int64("warc-max-size", int64(env.int("TRAWL_WARC_MAX_SIZE", 1<<30)), "bytes of one WARC file before the next (env TRAWL_WARC_MAX_SIZE)")
		drain         = fs.Duration("drain-timeout", env.duration("TRAWL_DRAIN_TIMEOUT", 10*time.Second), "on SIGTERM, time given to fetches in flight before they are cut and naked (env TRAWL_DRAIN_TIMEOUT)")
	)
	natsOpts := natsconn.Flags(fs, "nats://127.0.0.1:4222")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := errors.Join(env.errs...); err != nil {
		fmt.Fprintf(stderr, "crawler: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "crawler: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *numPartitions < 0 || *replicas < 0 {
		fmt.Fprintln(stderr, "crawler: --num-partitions and --replicas must not be negative")
		return 2
	}
	if err := natsOpts.Validate(); err != nil {
		fmt.Fprintf(stderr, "crawler: %v\n", err)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "crawler: --log-level %q: want debug, info, warn or error\n", *logLevel)
		return 2
	}
	nets, err := parseNets(*allowNets)
	if err != nil {
		fmt.Fprintf(stderr, "crawler: --allow-net: %v\n", err)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	nc, err := natsconn.Connect(natsOpts, "trawl-crawler", logger)
	if err != nil {
		fmt.Fprintf(stderr, "crawler: %v\n", err)
		return 1
	}
	defer nc.Close()
	svc, err := New(nc, Options{
		Concurrency: *concurrency, Resolver: *resolver, AllowLoopback: *allowLoopback, AllowPrivate: *allowPrivate,
		AllowNets: nets, UserAgent: *userAgent, MaxBody: *maxBody, MaxWireBody: *maxWireBody, MaxHeaderBytes: *maxHeader,
		Timeout: *timeout, FirstByte: *firstByte, ConnectTimeout: *connect, MaxRedirects: *maxRedirects,
		DNSCacheSize: *dnsCache, DNSCacheTTL: *dnsTTL, RobotsTTL: *robotsTTL, WARCDir: *warcDir, WARCMaxSize: *warcMax,
		DrainTimeout: *drain, NumPartitions: *numPartitions, Replicas: *replicas, Logger: logger,
	})
	if err != nil {
		fmt.Fprintf(stderr, "crawler: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "crawler: running against %s\n", natsconn.Redacted(natsOpts.URL))
	err = svc.Run(ctx)
	// Acks and naks of the last tasks must reach the server before Close.
	if ferr := nc.FlushTimeout(5 * time.Second); ferr != nil {
		logger.Warn("crawler: flush on exit", "err", ferr)
	}
	if err != nil {
		logger.Error("crawler stopped", "err", err)
		return 1
	}
	st := svc.Stats()
	fmt.Fprintf(stdout, "crawler: stopped after %d fetched, %d pages, %d links; %d cut by the drain deadline\n",
		st.Fetched, st.Pages, st.Links, st.Aborted)
	return 0
}

// parseNets reads a comma-separated list of CIDR prefixes.
func parseNets(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// envDefaults reads TRAWL_* variables as flag defaults, collecting errors.
type envDefaults struct{ errs []error }

func (e *envDefaults) str(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func (e *envDefaults) int(key string, def int) int {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not a number", key, v))
		return def
	}
	return n
}

func (e *envDefaults) bool(key string) bool {
	v, ok := os.LookupEnv(key)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not a boolean", key, v))
	}
	return b
}

func (e *envDefaults) duration(key string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: not a duration", key, v))
		return def
	}
	return d
}
