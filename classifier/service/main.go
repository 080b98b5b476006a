package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/classifier"
	"trawl.dev/proto"
	"trawl.dev/proto/natsconn"
)

// command is one subcommand of the classifier binary.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands are the subcommands. "eval" (scoring labelled sites offline)
// belongs here next to "run".
var commands = map[string]command{
	"run": {"consume page facts and publish verdicts until interrupted", runCommand},
}

// Main is the classifier binary: "classifier run [flags]". It returns the
// exit status: 0 after a clean shutdown, 1 when the service failed, 2 for a
// usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "classifier: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: classifier <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-6s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nrun \"classifier <command> -h\" for its flags")
}

// readRegistrars reads a WHOIS extract, reporting its bad lines on stderr;
// "" is no file and no registrars.
func readRegistrars(path string, stderr io.Writer) (classifier.Registrars, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, bad := classifier.ReadRegistrars(f)
	for _, e := range bad {
		fmt.Fprintf(stderr, "classifier: %s: %v (line skipped)\n", path, e)
	}
	return m, nil
}

// runFlags are the flags of "run"; each defaults to its TRAWL_* variable.
type runFlags struct {
	nats                                                                   *natsconn.Options
	data, partitions, logLevel, geoip, asn, httpAddr, trackers, registrars string
	numPartitions, replicas, workers, focusPriority                        int
	verdictHistory                                                         int
	storeThreshold, russiaThreshold                                        float64
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f runFlags
	var envErr error
	env := func(name, def string) string {
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			envErr = errors.Join(envErr, fmt.Errorf("%s=%q is not a number", name, v))
		}
		return n
	}
	envFloat := func(name string, def float64) float64 {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			envErr = errors.Join(envErr, fmt.Errorf("%s=%q is not a number", name, v))
		}
		return n
	}
	def := classifier.DefaultScoring()
	f.nats = natsconn.Flags(fs, nats.DefaultURL)
	fs.StringVar(&f.data, "data", env("TRAWL_DATA", "data"), "data directory; state goes in <data>/classifier (TRAWL_DATA)")
	fs.StringVar(&f.partitions, "partitions", env("TRAWL_PARTITIONS", "all"), `partitions to own: "all", "0-31", "0,2,5-7" (TRAWL_PARTITIONS)`)
	fs.IntVar(&f.numPartitions, "num-partitions", envInt("TRAWL_NUM_PARTITIONS", 0), "cluster partition count; 0 takes the cluster's (TRAWL_NUM_PARTITIONS)")
	fs.StringVar(&f.logLevel, "log-level", env("TRAWL_LOG_LEVEL", "info"), "debug, info, warn or error (TRAWL_LOG_LEVEL)")
	fs.IntVar(&f.replicas, "replicas", envInt("TRAWL_REPLICAS", 0), "stream and bucket replicas (3 on a cluster); 0 keeps what the cluster has, 1 for a new stream (TRAWL_REPLICAS)")
	fs.IntVar(&f.verdictHistory, "verdict-history", envInt("TRAWL_VERDICT_HISTORY", 0), "verdicts of each site the VERDICTS stream keeps for read models; 0 keeps the stream's, at least 20 (TRAWL_VERDICT_HISTORY)")
	fs.IntVar(&f.workers, "workers", envInt("TRAWL_CLASSIFIER_WORKERS", 16), "pages handled at a time per partition (TRAWL_CLASSIFIER_WORKERS)")
	fs.StringVar(&f.geoip, "geoip-db", env("TRAWL_GEOIP_DB", ""), "MaxMind-format country database; default: the embedded table (TRAWL_GEOIP_DB)")
	fs.StringVar(&f.asn, "asn-db", env("TRAWL_ASN_DB", ""), "MaxMind-format ASN database (TRAWL_ASN_DB)")
	fs.StringVar(&f.httpAddr, "http", env("TRAWL_CLASSIFIER_HTTP", ""), `serve the HTTP API on this address, e.g. "127.0.0.1:8083" (TRAWL_CLASSIFIER_HTTP)`)
	fs.StringVar(&f.registrars, "registrar-file", env("TRAWL_REGISTRAR_FILE", ""), "lines of domain<TAB>registrar from WHOIS: Russian registrars are a link to Russia (TRAWL_REGISTRAR_FILE)")
	fs.StringVar(&f.trackers, "known-trackers", env("TRAWL_KNOWN_TRACKERS", ""), "comma-separated analytics IDs of known stores (TRAWL_KNOWN_TRACKERS)")
	fs.IntVar(&f.focusPriority, "focus-priority", envInt("TRAWL_FOCUS_PRIORITY", 10), "priority asked of the frontier for likely stores (TRAWL_FOCUS_PRIORITY)")
	fs.Float64Var(&f.storeThreshold, "store-threshold", envFloat("TRAWL_STORE_THRESHOLD", def.StoreThreshold), "store_score of class store (TRAWL_STORE_THRESHOLD)")
	fs.Float64Var(&f.russiaThreshold, "russia-threshold", envFloat("TRAWL_RUSSIA_THRESHOLD", def.RussiaThreshold), "russia_score that flags a store (TRAWL_RUSSIA_THRESHOLD)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if envErr != nil {
		fmt.Fprintf(stderr, "classifier run: %v\n", envErr)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "classifier run: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		fmt.Fprintf(stderr, "classifier run: --log-level %q: want debug, info, warn or error\n", f.logLevel)
		return 2
	}
	for name, v := range map[string]float64{"--store-threshold": f.storeThreshold, "--russia-threshold": f.russiaThreshold} {
		if v <= 0 || v > 1 {
			fmt.Fprintf(stderr, "classifier run: %s %v: want a number in (0, 1]\n", name, v)
			return 2
		}
	}
	if f.numPartitions < 0 || f.workers < 1 || f.replicas < 0 {
		fmt.Fprintf(stderr, "classifier run: --workers must be positive, --num-partitions and --replicas not negative\n")
		return 2
	}
	if err := f.nats.Validate(); err != nil {
		fmt.Fprintf(stderr, "classifier run: %v\n", err)
		return 2
	}
	if f.verdictHistory < 0 {
		fmt.Fprintf(stderr, "classifier run: --verdict-history %d: want 0 (the stream's, at least 20) or more\n", f.verdictHistory)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	registrars, err := readRegistrars(f.registrars, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "classifier run: --registrar-file: %v\n", err)
		return 2
	}

	nc, err := natsconn.Connect(f.nats, Name, log)
	if err != nil {
		log.Error("classifier: connect to NATS", "err", err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Error("classifier: jetstream", "err", err)
		return 1
	}
	n, err := proto.EnsureCluster(ctx, js, f.numPartitions, f.replicas)
	if err != nil {
		log.Error("classifier: partition count", "err", err)
		return 1
	}
	parts, err := proto.ParsePartitions(f.partitions, n)
	if err != nil {
		fmt.Fprintf(stderr, "classifier run: --partitions: %v\n", err)
		return 2
	}
	trackers := splitList(f.trackers)
	svc, err := New(nc, Options{
		DataDir:        f.data,
		NumPartitions:  n,
		Partitions:     parts,
		Workers:        f.workers,
		Replicas:       f.replicas,
		VerdictHistory: int64(f.verdictHistory),
		GeoIPFile:      f.geoip,
		ASNFile:        f.asn,
		KnownTrackers:  trackers,
		Registrars:     registrars,
		Scoring:        classifier.Scoring{StoreThreshold: f.storeThreshold, RussiaThreshold: f.russiaThreshold},
		FocusPriority:  f.focusPriority,
		HTTPAddr:       f.httpAddr,
		Logger:         log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "classifier run: %v\n", err)
		return 2
	}
	if err := svc.Run(ctx); err != nil {
		log.Error("classifier: stopped with an error", "err", err)
		return 1
	}
	st := svc.Stats()
	fmt.Fprintf(stdout, "classifier: %d pages, %d sites, %d flagged, %d verdicts published, %d dead\n",
		st.Pages, st.Sites, st.Flagged, st.Verdicts, st.Dead)
	return 0
}
