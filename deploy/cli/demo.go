package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"trawl.dev/deploy/node"
	"trawl.dev/proto/trawlpb"
	"trawl.dev/simweb"
)

func demo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var (
		sites       = fs.Int("sites", 1000, "number of simulated sites")
		seed        = fs.Int64("seed", 1, "simweb generator seed")
		dataDir     = fs.String("data", "", "data directory (default: a temporary one, removed at exit)")
		out         = fs.String("out", "", "write every verdict as JSONL to this file")
		concurrency = fs.Int("concurrency", 64, "crawler workers")
		minDelay    = fs.Duration("min-delay", 200*time.Millisecond, "minimum delay between requests to one host")
		latency     = fs.Duration("latency", 0, "simweb per-response latency")
		fetchTO     = fs.Duration("fetch-timeout", 3*time.Second, "total time one fetch may take")
		partitions  = fs.Int("num-partitions", 16, "partitions of the new cluster")
		httpAddr    = fs.String("http", "", "serve the classifier API on this address during the demo (e.g. 127.0.0.1:8080)")
		uiAddr      = fs.String("ui", "127.0.0.1:0", "serve the investigators' web UI on this address (empty: none)")
		warcDir     = fs.String("warc-dir", "", "write every response to rolling WARC files here, which evidence cites (empty: none)")
		serve       = fs.Bool("serve", false, "after the crawl, keep serving the UI and API until interrupted")
		timeout     = fs.Duration("timeout", 10*time.Minute, "give up when the crawl has not drained by then")
		quiet       = fs.Bool("quiet", false, "no live progress")
		logLevel    = fs.String("log-level", "info", "log level of the service log")
	)
	if code := parse(fs, args, stderr); code >= 0 {
		return code
	}
	if *sites < 10 || *sites > 1_000_000 {
		fmt.Fprintf(stderr, "trawl demo: --sites %d: want 10 to 1000000\n", *sites)
		return 2
	}
	if *concurrency < 1 || *partitions < 1 || *minDelay < 0 || *fetchTO <= 0 || *timeout <= 0 {
		fmt.Fprintln(stderr, "trawl demo: --concurrency, --num-partitions, --fetch-timeout and --timeout must be positive, --min-delay not negative")
		return 2
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "trawl-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "trawl demo: %v\n", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "trawl demo: %v\n", err)
		return 1
	}
	logFile, err := os.Create(filepath.Join(dir, "trawl.log"))
	if err != nil {
		fmt.Fprintf(stderr, "trawl demo: %v\n", err)
		return 1
	}
	defer logFile.Close()
	log, err := newLogger(logFile, *logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "trawl demo: %v\n", err)
		return 2
	}

	start := time.Now()
	web := simweb.Generate(simweb.Options{Sites: *sites, Seed: *seed})
	mmdb := filepath.Join(dir, "simweb-country.mmdb")
	if err := web.WriteMMDB(mmdb); err != nil {
		fmt.Fprintf(stderr, "trawl demo: %v\n", err)
		return 1
	}
	srv, err := web.Start(ctx, simweb.ServeOptions{Latency: *latency, Logger: log.With("svc", "simweb")})
	if err != nil {
		fmt.Fprintf(stderr, "trawl demo: start simweb: %v\n", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "simweb: %d sites, DNS on %s, %d seeds; data in %s\n", *sites, srv.DNSAddr(), len(srv.Seeds()), dir)

	n, err := node.Start(ctx, node.Options{
		DataDir: dir, NumPartitions: *partitions, Concurrency: *concurrency, MinDelay: *minDelay,
		FetchTimeout: *fetchTO, Resolver: srv.DNSAddr(), AllowLoopback: true, GeoIPDB: mmdb,
		HTTPAddr: *httpAddr, InvestigateAddr: *uiAddr, WARCDir: *warcDir, NoSync: true, Logger: log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "trawl demo: %v\n", err)
		return 1
	}
	defer n.Close()
	if *httpAddr != "" {
		fmt.Fprintf(stdout, "api: http://%s/api/v1/sites?flagged=true\n", *httpAddr)
	}
	if inv := n.Investigate; inv != nil {
		fmt.Fprintf(stdout, "investigators' UI: http://%s/  admin token: %s\n", inv.Addr(), inv.AdminToken())
	}
	if err := n.Frontier.Seed(ctx, srv.Seeds()...); err != nil {
		fmt.Fprintf(stderr, "trawl demo: seed: %v\n", err)
		return 1
	}

	crawlCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	p := newProgress(stdout, n, *quiet)
	err = n.WaitIdle(crawlCtx, 750*time.Millisecond, p.tick)
	p.done()
	if err != nil {
		fmt.Fprintf(stderr, "trawl demo: crawl did not finish: %v\n", err)
		return 1
	}
	verdicts, err := node.Verdicts(ctx, n.JetStream())
	if err != nil {
		fmt.Fprintf(stderr, "trawl demo: %v\n", err)
		return 1
	}
	if *out != "" {
		if err := writeJSONL(*out, verdicts); err != nil {
			fmt.Fprintf(stderr, "trawl demo: %v\n", err)
			return 1
		}
	}
	truth := make(map[string]bool)
	for _, s := range web.Sites() {
		if s.Flagged {
			truth[s.Truth().Site] = true
		}
	}
	printFlagged(stdout, verdicts, truth)
	fetched := n.Crawler.Stats().Fetched
	prec, rec := score(verdicts, truth)
	line := fmt.Sprintf("demo: pages=%d sites=%d flagged=%d precision=%.3f recall=%.3f elapsed=%.1fs",
		fetched, len(verdicts), countFlagged(verdicts), prec, rec, time.Since(start).Seconds())
	if *serve {
		fmt.Fprintln(stdout, "serving until interrupted")
		<-ctx.Done()
	}
	fmt.Fprintln(stdout, line)
	return 0
}

func countFlagged(vs []*trawlpb.Verdict) int {
	n := 0
	for _, v := range vs {
		if v.Flagged {
			n++
		}
	}
	return n
}

// score returns the precision and recall of the flagged verdicts against the
// set of sites that should be flagged.
func score(vs []*trawlpb.Verdict, truth map[string]bool) (precision, recall float64) {
	var tp, fp int
	for _, v := range vs {
		if !v.Flagged {
			continue
		}
		if truth[v.Site] {
			tp++
		} else {
			fp++
		}
	}
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if len(truth) > 0 {
		recall = float64(tp) / float64(len(truth))
	}
	return precision, recall
}

func printFlagged(w io.Writer, vs []*trawlpb.Verdict, truth map[string]bool) {
	flagged := make([]*trawlpb.Verdict, 0)
	for _, v := range vs {
		if v.Flagged {
			flagged = append(flagged, v)
		}
	}
	sort.Slice(flagged, func(i, j int) bool {
		if flagged[i].StoreScore != flagged[j].StoreScore {
			return flagged[i].StoreScore > flagged[j].StoreScore
		}
		return flagged[i].Site < flagged[j].Site
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tSTORE\tRUSSIA\tPAGES\tHOSTED\tTRUTH\tTOP EVIDENCE")
	for _, v := range flagged {
		var ev []string
		for i, e := range v.Evidence {
			if i == 3 {
				break
			}
			ev = append(ev, e.Signal)
		}
		t := "store"
		if !truth[v.Site] {
			t = "NOT FLAGGED IN TRUTH"
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%d\t%s\t%s\t%s\n", v.Site, v.StoreScore, v.RussiaScore, v.Pages,
			strings.Join(v.Countries, ","), t, strings.Join(ev, ", "))
	}
	tw.Flush()
	var missed []string
	got := make(map[string]bool)
	for _, v := range flagged {
		got[v.Site] = true
	}
	for s := range truth {
		if !got[s] {
			missed = append(missed, s)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		fmt.Fprintf(w, "missed (flagged in truth, not by trawl): %s\n", strings.Join(missed, " "))
	}
}

func writeJSONL(path string, vs []*trawlpb.Verdict) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write verdicts: %w", err)
	}
	bw := bufio.NewWriter(f)
	opts := protojson.MarshalOptions{UseProtoNames: true}
	for _, v := range vs {
		b, err := opts.Marshal(v)
		if err != nil {
			f.Close()
			return fmt.Errorf("write verdicts: %w", err)
		}
		// protojson output is not stable across runs; compact it through
		// encoding/json so each verdict is one line.
		var buf json.RawMessage = b
		line, err := json.Marshal(buf)
		if err != nil {
			f.Close()
			return fmt.Errorf("write verdicts: %w", err)
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write verdicts: %w", err)
	}
	return f.Close()
}
