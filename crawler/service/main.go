package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// Main is the crawler binary: it parses args (flags, with TRAWL_*
// environment variables as defaults), connects to NATS and runs a Service
// until ctx ends. It returns the process exit code: 0 after a clean stop, 2
// for bad flags or options, 1 for a failure at run time.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crawler", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := envDefaults{}
	var (
		natsURL       = fs.String("nats", env.str("TRAWL_NATS", "nats://127.0.0.1:4222"), "NATS server URL (env TRAWL_NATS)")
		_             = fs.String("data", env.str("TRAWL_DATA", ""), "data directory; unused, the crawler keeps no state (env TRAWL_DATA)")
		_             = fs.String("partitions", env.str("TRAWL_PARTITIONS", "all"), "accepted for uniformity; a crawler serves every partition (env TRAWL_PARTITIONS)")
		numPartitions = fs.Int("num-partitions", env.int("TRAWL_NUM_PARTITIONS", 0), "cluster partition count; 0 reads it from the cluster (env TRAWL_NUM_PARTITIONS)")
		logLevel      = fs.String("log-level", env.str("TRAWL_LOG_LEVEL", "info"), "debug, info, warn or error (env TRAWL_LOG_LEVEL)")
		concurrency   = fs.Int("concurrency", env.int("TRAWL_CONCURRENCY", 32), "fetches at once (env TRAWL_CONCURRENCY)")
		resolver      = fs.String("resolver", env.str("TRAWL_RESOLVER", ""), "DNS server host:port; empty uses the system resolver (env TRAWL_RESOLVER)")
		allowLoopback = fs.Bool("allow-loopback", env.bool("TRAWL_ALLOW_LOOPBACK"), "allow fetching loopback addresses (env TRAWL_ALLOW_LOOPBACK)")
		allowPrivate  = fs.Bool("allow-private", env.bool("TRAWL_ALLOW_PRIVATE"), "allow fetching private and link-local addresses (env TRAWL_ALLOW_PRIVATE)")
		userAgent     = fs.String("user-agent", env.str("TRAWL_USER_AGENT", ""), "User-Agent header (env TRAWL_USER_AGENT)")
		maxBody       = fs.Int64("max-body", int64(env.int("TRAWL_MAX_BODY", 4<<20)), "bytes of a body read (env TRAWL_MAX_BODY)")
		timeout       = fs.Duration("timeout", env.duration("TRAWL_TIMEOUT", 15*time.Second), "time for one fetch (env TRAWL_TIMEOUT)")
	)
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
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "crawler: --log-level %q: want debug, info, warn or error\n", *logLevel)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	nc, err := nats.Connect(*natsURL, nats.Name("trawl-crawler"))
	if err != nil {
		fmt.Fprintf(stderr, "crawler: connect to %s: %v\n", *natsURL, err)
		return 1
	}
	defer nc.Close()
	svc, err := New(nc, Options{
		Concurrency: *concurrency, Resolver: *resolver, AllowLoopback: *allowLoopback, AllowPrivate: *allowPrivate,
		UserAgent: *userAgent, MaxBody: *maxBody, Timeout: *timeout, NumPartitions: *numPartitions, Logger: logger,
	})
	if err != nil {
		fmt.Fprintf(stderr, "crawler: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "crawler: running against %s\n", *natsURL)
	if err := svc.Run(ctx); err != nil {
		logger.Error("crawler stopped", "err", err)
		return 1
	}
	st := svc.Stats()
	fmt.Fprintf(stdout, "crawler: stopped after %d fetched, %d pages, %d links\n", st.Fetched, st.Pages, st.Links)
	return 0
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
