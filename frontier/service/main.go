package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/natsconn"
)

const usage = `usage:
  frontier run [flags]                   run the frontier service
  frontier seed [--nats URL] URL...      publish seed URLs
  frontier stats [--partitions P]        totals per partition, and why hosts wait
  frontier hosts [--top N]               the hosts with the longest queues: next fetch, delay, backoff
  frontier pause|resume [--partitions P] stop or restart dispatching
  frontier override HOST [--delay D] [--budget N] [--block | --clear]
                                         a per-host setting, kept until replaced
  frontier bench [flags]                 the seen-set benchmark, in process
Run "frontier COMMAND -h" for a command's flags.
`

// Main is the frontier binary: it parses args (without the program name),
// runs the command until ctx ends or SIGINT/SIGTERM arrives, and returns the
// exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "seed":
		return seedCmd(ctx, args[1:], stdout, stderr)
	case "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	case "stats", "hosts", "pause", "resume", "override":
		return ctlCmd(ctx, args[0], args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "frontier: unknown command %q\n%s", args[0], usage)
		return 2
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(stderr io.Writer, name string, def int) (int, bool) {
	v := os.Getenv(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintf(stderr, "frontier: %s=%q is not a number\n", name, v)
		return 0, false
	}
	return n, true
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("frontier run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defNum, ok := envInt(stderr, "TRAWL_NUM_PARTITIONS", 0)
	if !ok {
		return 2
	}
	defReplicas, ok := envInt(stderr, "TRAWL_REPLICAS", 0)
	if !ok {
		return 2
	}
	var (
		o          Options
		natsOpts   = natsconn.Flags(fs, nats.DefaultURL)
		partitions = fs.String("partitions", env("TRAWL_PARTITIONS", "all"), `owned partitions: "all", "0-31", "0,2,5-7" (TRAWL_PARTITIONS)`)
		numParts   = fs.Int("num-partitions", defNum, "partition count of a new cluster; 0 takes the cluster's (TRAWL_NUM_PARTITIONS)")
		logLevel   = fs.String("log-level", env("TRAWL_LOG_LEVEL", "info"), "debug, info, warn or error")
		replicas   = fs.Int("replicas", defReplicas, "stream and bucket replicas (3 on a cluster); 0 keeps what the cluster has, 1 for a new stream (TRAWL_REPLICAS)")
	)
	fs.StringVar(&o.DataDir, "data", env("TRAWL_DATA", "data"), "data directory (TRAWL_DATA)")
	fs.DurationVar(&o.MinDelay, "min-delay", time.Second, "minimum delay between two fetches of a host")
	fs.Float64Var(&o.AdaptiveFactor, "adaptive-factor", 2, "host delay ≥ factor × last response time")
	fs.DurationVar(&o.MaxCrawlDelay, "max-crawl-delay", 30*time.Second, "cap on a robots.txt crawl-delay")
	fs.DurationVar(&o.LeaseTTL, "lease-ttl", 2*time.Minute, "reissue a fetch task without outcome after this")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", 256, "fetch tasks in flight per partition")
	fs.IntVar(&o.FetchBacklog, "fetch-backlog", 0, "fetch tasks to keep waiting for crawlers in FETCH (0: automatic, half of what the crawlers hold and at least 16; negative: no pacing)")
	fs.Int64Var(&o.SiteBudget, "site-budget", 1000, "URLs admitted per site")
	var maxDepth int
	fs.IntVar(&maxDepth, "max-depth", 16, "link hops from a seed")
	fs.IntVar(&o.MaxLinksPerPage, "max-links", 500, "links taken per page")
	fs.DurationVar(&o.IPMinDelay, "ip-min-delay", 0, "minimum gap between fetches from one IP (default min-delay/4; negative: none)")
	fs.IntVar(&o.MaxPerIP, "max-per-ip", 1, "fetches in flight per IP (negative: no limit)")
	fs.DurationVar(&o.RobotsPark, "robots-park", 0, "first wait of a host whose robots.txt fails, doubling (default 30 × min-delay)")
	var maxParks int
	fs.IntVar(&maxParks, "max-parks", 4, "robots.txt failures in a row before a URL is given up (negative: never)")
	fs.Int64Var(&o.BudgetPerLinkingSite, "budget-per-linking-site", 100, "site budget added per distinct site linking to it")
	fs.Int64Var(&o.MaxSiteBudget, "max-site-budget", 100_000, "cap on a site's budget")
	fs.DurationVar(&o.RecrawlInterval, "recrawl-interval", 24*time.Hour, "recrawl focused sites this often (negative: never)")
	fs.StringVar(&o.Resolver, "resolver", env("TRAWL_RESOLVER", ""), `look up new hosts before their first fetch: "system" or a DNS server "host:port" (TRAWL_RESOLVER)`)
	fs.StringVar(&o.MetricsAddr, "metrics", env("TRAWL_METRICS", ""), `serve /metrics, /healthz and /readyz at this address, e.g. ":9102" (TRAWL_METRICS)`)
	fs.IntVar(&o.Workers, "workers", 4, "handlers per consumer (four times as many for links)")
	fs.DurationVar(&o.AdmitDelay, "admit-delay", defaultAdmitDelay, "how long discovered links wait to share a commit (negative: none)")
	fs.DurationVar(&o.AckWait, "ack-wait", 30*time.Second, "redelivery delay of messages taken and not acknowledged (by a frontier that died)")
	fs.BoolVar(&o.NoSync, "no-sync", false, "skip bbolt fsync (faster; unsafe on power loss)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "frontier run: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "frontier run: --log-level: %v\n", err)
		return 2
	}
	if *replicas < 0 || *numParts < 0 {
		fmt.Fprintln(stderr, "frontier run: --replicas and --num-partitions must not be negative")
		return 2
	}
	if err := natsOpts.Validate(); err != nil {
		fmt.Fprintf(stderr, "frontier run: %v\n", err)
		return 2
	}
	o.MaxDepth = int32(maxDepth)
	o.MaxParks = int32(maxParks)
	o.Logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	o.Streams = proto.StreamOptions{Replicas: *replicas, Logger: o.Logger}

	nc, err := natsconn.Connect(natsOpts, "trawl-frontier", o.Logger)
	if err != nil {
		fmt.Fprintf(stderr, "frontier run: %v\n", err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "frontier run: %v\n", err)
		return 1
	}
	if o.NumPartitions, err = proto.EnsureCluster(ctx, js, *numParts, *replicas); err != nil {
		fmt.Fprintf(stderr, "frontier run: %v\n", err)
		return 1
	}
	if o.Partitions, err = proto.ParsePartitions(*partitions, o.NumPartitions); err != nil {
		fmt.Fprintf(stderr, "frontier run: --partitions: %v\n", err)
		return 2
	}
	s, err := New(nc, o)
	if err != nil {
		fmt.Fprintf(stderr, "frontier run: %v\n", err)
		return 2
	}
	if err := s.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "frontier run: %v\n", err)
		return 1
	}
	return 0
}

func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("frontier seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	natsOpts := natsconn.Flags(fs, nats.DefaultURL)
	source := fs.String("source", "cli", "recorded as the seeds' source")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "frontier seed: no URLs given")
		return 2
	}
	nc, err := natsconn.Connect(natsOpts, "trawl-frontier-seed", nil)
	if err != nil {
		fmt.Fprintf(stderr, "frontier seed: %v\n", err)
		return 1
	}
	defer nc.Close()
	s, err := New(nc, Options{SeedSource: *source})
	if err != nil {
		fmt.Fprintf(stderr, "frontier seed: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.Seed(ctx, fs.Args()...); err != nil {
		fmt.Fprintf(stderr, "frontier seed: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "seeded %d urls\n", fs.NArg())
	return 0
}
