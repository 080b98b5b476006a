package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"trawl.dev/simweb"
)

const usage = `usage: simweb serve [flags]

Serves a deterministic synthetic web on loopback addresses (127.1.0.0 upward) with a DNS server on
127.0.0.1, until interrupted.

flags:
`

// Main runs the simweb command with args (without the program name) and returns the exit status:
// 0 on success, 1 on failure, 2 on bad usage. It returns when ctx is done.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "simweb: missing command\n"+usage)
		printDefaults(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		printDefaults(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "simweb: unknown command %q\n%s", args[0], usage)
	printDefaults(stderr)
	return 2
}

type serveConfig struct {
	sites    int
	seed     int64
	port     int
	latency  time.Duration
	truth    string
	mmdb     string
	asnMMDB  string
	verbose  bool
	dns      string
	seedsOut string
	reqLog   string
	shard    int
	shards   int
	noDNS    bool
}

func serveFlags(out io.Writer) (*flag.FlagSet, *serveConfig) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("simweb serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.IntVar(&c.sites, "sites", 1000, "number of sites to generate")
	fs.Int64Var(&c.seed, "seed", 0, "generator seed; the same seed and sites give the same web")
	fs.IntVar(&c.port, "port", 0, "HTTP port on every site IP; 0 picks a free one")
	fs.DurationVar(&c.latency, "latency", 0, "delay added to every HTTP response, such as 50ms")
	fs.StringVar(&c.truth, "truth", "", "write the ground truth as JSON Lines to this file")
	fs.StringVar(&c.mmdb, "mmdb", "", "write a GeoLite2-Country-shaped database of the site IPs to this file")
	fs.StringVar(&c.asnMMDB, "asn-mmdb", "", "write a GeoLite2-ASN-shaped database of the site IPs to this file")
	fs.BoolVar(&c.verbose, "v", false, "log every request to stderr")
	fs.StringVar(&c.dns, "dns", "", "serve DNS on this loopback host:port (default: a free port on 127.0.0.1)")
	fs.StringVar(&c.seedsOut, "seeds-out", "", "write the seed URLs, one a line, to this file once serving")
	fs.IntVar(&c.shard, "shard", 0, "with --shards: which share of the site IPs this process serves (0 … shards-1)")
	fs.IntVar(&c.shards, "shards", 0, "serve only a share of the site IPs, for webs with more IPs than one process may listen on (every shard needs the same --port)")
	fs.BoolVar(&c.noDNS, "no-dns", false, "serve HTTP only (another simweb process answers DNS)")
	fs.StringVar(&c.reqLog, "request-log", "", "append every HTTP request as a JSON line (time, host, path, status, remote) to this file")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs, c
}

func printDefaults(out io.Writer) {
	fs, _ := serveFlags(out)
	fs.PrintDefaults()
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := serveFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "simweb serve: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case c.sites < 1:
		return bad("--sites must be at least 1, got %d", c.sites)
	case c.port < 0 || c.port > 65535:
		return bad("--port must be 0..65535, got %d", c.port)
	case c.latency < 0:
		return bad("--latency must not be negative, got %v", c.latency)
	}

	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	web := simweb.Generate(simweb.Options{Sites: c.sites, Seed: c.seed})
	if err := writeFiles(web, c); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	opts := simweb.ServeOptions{Port: c.port, DNSAddr: c.dns, Latency: c.latency, Logger: logger,
		Shard: c.shard, Shards: c.shards, NoDNS: c.noDNS}
	if c.reqLog != "" {
		rl, err := openRequestLog(c.reqLog)
		if err != nil {
			fmt.Fprintf(stderr, "simweb serve: request log: %v\n", err)
			return 1
		}
		defer func() {
			if err := rl.Close(); err != nil {
				fmt.Fprintf(stderr, "simweb serve: request log: %v\n", err)
			}
		}()
		opts.OnRequest = rl.write
	}
	srv, err := web.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if c.seedsOut != "" {
		if err := os.WriteFile(c.seedsOut, []byte(strings.Join(srv.Seeds(), "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "simweb serve: seeds: %v\n", err)
			srv.Close()
			return 1
		}
	}
	fmt.Fprintf(stdout, "port %d\n", srv.Port())
	fmt.Fprintf(stdout, "dns %s\n", srv.DNSAddr())
	for _, u := range srv.Seeds() {
		fmt.Fprintf(stdout, "seed %s\n", u)
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func writeFiles(web *simweb.Web, c *serveConfig) error {
	if c.truth != "" {
		f, err := os.Create(c.truth)
		if err != nil {
			return fmt.Errorf("simweb serve: truth: %w", err)
		}
		if err := web.WriteTruth(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("simweb serve: truth: %w", err)
		}
	}
	if c.mmdb != "" {
		if err := web.WriteMMDB(c.mmdb); err != nil {
			return err
		}
	}
	if c.asnMMDB != "" {
		if err := web.WriteASNMMDB(c.asnMMDB); err != nil {
			return err
		}
	}
	return nil
}

// requestLog appends one JSON line per request to a file. Each line is one
// write, so a reader of the growing file (another process, or the host
// through a bind mount) sees whole lines only, up to a last partial one.
type requestLog struct {
	mu  sync.Mutex
	f   *os.File
	err error // the first write error, reported by Close
}

// requestLine is one line of the request log.
type requestLine struct {
	Time   time.Time `json:"time"`
	Host   string    `json:"host"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
	Remote string    `json:"remote"`
}

func openRequestLog(path string) (*requestLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &requestLog{f: f}, nil
}

func (l *requestLog) write(r simweb.RequestLog) {
	b, err := json.Marshal(requestLine{Time: r.Time, Host: r.Host, Path: r.Path, Status: r.Status, Remote: r.RemoteAddr})
	if err != nil {
		return // plain strings and numbers always marshal
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(b, '\n')); err != nil && l.err == nil {
		l.err = err
	}
}

// Close closes the file and returns the first error of any write or of the
// close.
func (l *requestLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.err, l.f.Close())
}
