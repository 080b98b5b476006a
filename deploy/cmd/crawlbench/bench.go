package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"trawl.dev/simweb"
)

// config is what every contender is told, as JSON in a file.
type config struct {
	DNS           string            `json:"dns"`   // simweb's DNS server
	Seeds         []string          `json:"seeds"` // home pages of the seed hubs, with the port
	Hosts         map[string]string `json:"hosts"` // every simweb host (and www alias) → its IP
	Concurrency   int               `json:"concurrency"`
	MinDelay      time.Duration     `json:"min_delay"`    // between two requests to one host
	MaxPerIP      int               `json:"max_per_ip"`   // requests in flight to one IP; 0: no per-IP rule
	IPMinDelay    time.Duration     `json:"ip_min_delay"` // between two requests to one IP
	Timeout       time.Duration     `json:"timeout"`      // one fetch
	MaxDepth      int               `json:"max_depth"`    // link hops from a seed
	SiteBudget    int               `json:"site_budget"`
	NumPartitions int               `json:"num_partitions"`
	DataDir       string            `json:"data_dir"`
	MMDB          string            `json:"mmdb"`
	URLFile       string            `json:"url_file"` // colly writes the URLs it fetched; the ceiling reads them
	UserAgent     string            `json:"user_agent"`
}

// result is a contender's report: one JSON line on its stdout.
type result struct {
	Name      string  `json:"name"`
	Pages     int64   `json:"pages"`  // HTTP responses to page requests (robots.txt not counted)
	WallS     float64 `json:"wall_s"` // until the crawl had nothing left
	T95S      float64 `json:"t95_s"`  // until 95% of Pages had arrived
	PagesPerS float64 `json:"pages_per_s"`
	Note      string  `json:"note,omitempty"`

	// Filled in by the parent from the child's rusage.
	CPUS      float64 `json:"cpu_s"`
	PeakRSSMB float64 `json:"peak_rss_mib"`
}

var contenders = []string{"trawl", "colly", "scrapy", "ceiling", "crawler-stage"}

// Main runs the benchmark, or one contender when args start with the
// hidden "contender" command.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) >= 3 && args[0] == "contender" {
		return runContender(ctx, args[1], args[2], stdout, stderr)
	}
	fs := flag.NewFlagSet("crawlbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sites       = fs.Int("sites", 2000, "simweb sites")
		seed        = fs.Int64("seed", 1, "simweb generator seed")
		concurrency = fs.Int("concurrency", 32, "fetches at once, for every contender")
		minDelay    = fs.Duration("min-delay", 20*time.Millisecond, "between two requests to one host, for every contender")
		perIP       = fs.Int("per-ip", 1, "requests in flight to one IP, for every contender (Trawl's default); 0: no per-IP rule")
		ipDelay     = fs.Duration("ip-min-delay", -1, "between two requests to one IP, for every contender; default min-delay/4 (Trawl's default)")
		timeout     = fs.Duration("timeout", 5*time.Second, "one fetch")
		maxDepth    = fs.Int("max-depth", 16, "link hops from a seed")
		budget      = fs.Int("site-budget", 1000, "pages per site")
		partitions  = fs.Int("num-partitions", 16, "Trawl's partitions")
		only        = fs.String("contenders", strings.Join(contenders, ","), "which contenders to run, in order")
		maxTime     = fs.Duration("max-time", 15*time.Minute, "a contender still running after this is stopped")
		keep        = fs.Bool("keep", false, "keep the work directory")
		runs        = fs.Int("runs", 1, "rounds: every contender runs once per round, and the table reports each one's median round (by pages/s)")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *perIP < 0 {
		fmt.Fprintln(stderr, "crawlbench: --per-ip must be 0 (no rule) or more")
		return 2
	}
	if *ipDelay < 0 {
		*ipDelay = *minDelay / 4
	}
	run := strings.Split(*only, ",")
	for _, c := range run {
		if !slices.Contains(contenders, c) {
			fmt.Fprintf(stderr, "crawlbench: unknown contender %q (want some of %v)\n", c, contenders)
			return 2
		}
	}
	if (slices.Contains(run, "ceiling") || slices.Contains(run, "crawler-stage")) && !slices.Contains(run, "colly") {
		fmt.Fprintln(stderr, "crawlbench: the ceiling and crawler-stage fetch colly's pages: run colly too")
		return 2
	}
	dir, err := os.MkdirTemp("", "crawlbench-")
	if err != nil {
		fmt.Fprintf(stderr, "crawlbench: %v\n", err)
		return 1
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}

	web := simweb.Generate(simweb.Options{Sites: *sites, Seed: *seed})
	srv, err := web.Start(ctx, simweb.ServeOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "crawlbench: %v\n", err)
		return 1
	}
	defer srv.Close()
	cfg := config{
		DNS: srv.DNSAddr(), Seeds: srv.Seeds(), Hosts: map[string]string{},
		Concurrency: *concurrency, MinDelay: *minDelay, MaxPerIP: *perIP, IPMinDelay: *ipDelay,
		Timeout: *timeout, MaxDepth: *maxDepth,
		SiteBudget: *budget, NumPartitions: *partitions,
		MMDB: filepath.Join(dir, "country.mmdb"), URLFile: filepath.Join(dir, "colly-urls.txt"),
		UserAgent: "TrawlBench/0.1",
	}
	for _, s := range web.Sites() {
		cfg.Hosts[s.Host] = s.IP.String()
		if s.WWW {
			cfg.Hosts["www."+s.Host] = s.IP.String()
		}
	}
	if err := web.WriteMMDB(cfg.MMDB); err != nil {
		fmt.Fprintf(stderr, "crawlbench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "crawlbench: simweb %d sites (%d hosts) on port %d, DNS %s; concurrency %d, per host 1 request with min delay %v, per IP %s, timeout %v\n",
		*sites, len(cfg.Hosts), srv.Port(), srv.DNSAddr(), *concurrency, *minDelay, perIPText(*perIP, *ipDelay), *timeout)

	if *runs < 1 {
		fmt.Fprintln(stderr, "crawlbench: --runs must be at least 1")
		return 2
	}
	// Rounds interleave the contenders, so that a shared machine's drift
	// weighs on all of them alike.
	all := map[string][]*result{}
	for round := 1; round <= *runs; round++ {
		for _, name := range run {
			c := cfg
			c.DataDir = filepath.Join(dir, name)
			if *runs > 1 {
				c.DataDir += "-" + strconv.Itoa(round)
			}
			res, err := runChild(ctx, name, c, dir, *maxTime, stderr)
			if err != nil {
				fmt.Fprintf(stderr, "crawlbench: %s: %v\n", name, err)
				if ctx.Err() != nil {
					return 1
				}
				continue
			}
			all[name] = append(all[name], res)
			fmt.Fprintf(stdout, "crawlbench: %-13s %7d pages in %6.1fs (95%% in %6.1fs): %7.0f pages/s, %5.2f CPU s/1000 pages, peak RSS %4.0f MiB %s\n",
				name, res.Pages, res.WallS, res.T95S, res.PagesPerS, cpuPer1000(res), res.PeakRSSMB, res.Note)
		}
	}
	printTable(stdout, run, all)
	return 0
}

// median returns the run with the median pages/s (the lower of the two
// middle ones for an even count).
func median(rs []*result) *result {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b *result) int { return cmp.Compare(a.PagesPerS, b.PagesPerS) })
	return sorted[(len(sorted)-1)/2]
}

func perIPText(n int, delay time.Duration) string {
	if n == 0 {
		return "no limit"
	}
	return fmt.Sprintf("%d request(s) with min delay %v", n, delay)
}

func cpuPer1000(r *result) float64 {
	if r.Pages == 0 {
		return 0
	}
	return r.CPUS / float64(r.Pages) * 1000
}

// printTable prints each contender's median round, and the ratios between
// them, from every round's results.
func printTable(w io.Writer, run []string, all map[string][]*result) {
	results := map[string]*result{}
	for name, rs := range all {
		results[name] = median(rs)
	}
	fmt.Fprintf(w, "\n| contender | pages | wall s | 95%% s | pages/s | CPU s / 1000 pages | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|\n")
	out := map[string]any{}
	for _, name := range run {
		r := results[name]
		if r == nil {
			fmt.Fprintf(w, "| %s | failed | | | | | |\n", name)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.0f | %.2f | %.0f |\n", name, r.Pages, r.WallS, r.T95S, r.PagesPerS, cpuPer1000(r), r.PeakRSSMB)
		key := strings.ReplaceAll(name, "-", "_")
		out[key+"_pages_per_s"] = round(r.PagesPerS, 1)
		out[key+"_cpu_s_per_1000"] = round(cpuPer1000(r), 3)
		out[key+"_peak_rss_mib"] = round(r.PeakRSSMB, 0)
		if rs := all[name]; len(rs) > 1 {
			var each []float64
			for _, x := range rs {
				each = append(each, round(x.PagesPerS, 1))
			}
			out[key+"_pages_per_s_runs"] = each
		}
	}
	ratio := func(other string) any {
		t, o := results["trawl"], results[other]
		if t == nil || o == nil || o.PagesPerS == 0 {
			return nil
		}
		return round(t.PagesPerS/o.PagesPerS, 3)
	}
	out["trawl_over_colly"] = ratio("colly")
	out["trawl_over_scrapy"] = ratio("scrapy")
	out["trawl_over_ceiling"] = ratio("ceiling")
	if s, c := results["crawler-stage"], results["ceiling"]; s != nil && c != nil && c.PagesPerS > 0 {
		out["crawler_stage_over_ceiling"] = round(s.PagesPerS/c.PagesPerS, 3)
	}
	line, _ := json.Marshal(out)
	fmt.Fprintf(w, "\n%s\n", line)
}

func round(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// runChild runs one contender as a child process and measures it.
func runChild(ctx context.Context, name string, cfg config, dir string, maxTime time.Duration, stderr io.Writer) (*result, error) {
	cfgPath := filepath.Join(dir, name+".json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, maxTime)
	defer cancel()
	var cmd *exec.Cmd
	if name == "scrapy" {
		py, err := ensureScrapy(ctx, stderr)
		if err != nil {
			return nil, err
		}
		script := filepath.Join(dir, "spider.py")
		if err := os.WriteFile(script, spiderPy, 0o644); err != nil {
			return nil, err
		}
		cmd = exec.CommandContext(ctx, py, script, cfgPath)
	} else {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = exec.CommandContext(ctx, self, "contender", name, cfgPath)
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w; output: %s", err, tail(out.String(), 2000))
	}
	res, err := lastResult(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w; output: %s", err, tail(out.String(), 2000))
	}
	if res.Pages == 0 {
		return nil, fmt.Errorf("fetched no page; output: %s", tail(out.String(), 2000))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.CPUS = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		res.PeakRSSMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return res, nil
}

func lastResult(out []byte) (*result, error) {
	var res *result
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if !bytes.HasPrefix(line, []byte(`{"name"`)) {
			continue
		}
		var r result
		if err := json.Unmarshal(line, &r); err == nil {
			res = &r
		}
	}
	if res == nil {
		return nil, errors.New("no result line")
	}
	return res, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// runContender is the child side: it crawls and prints its result line.
func runContender(ctx context.Context, name, cfgPath string, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "crawlbench %s: %v\n", name, err)
		return 1
	}
	var cfg config
	if err := json.Unmarshal(b, &cfg); err != nil {
		fmt.Fprintf(stderr, "crawlbench %s: %v\n", name, err)
		return 1
	}
	if path := os.Getenv("CRAWLBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path + "." + name)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	var res *result
	switch name {
	case "trawl":
		res, err = runTrawl(ctx, cfg, stderr)
	case "colly":
		res, err = runColly(ctx, cfg)
	case "ceiling":
		res, err = runCeiling(ctx, cfg)
	case "crawler-stage":
		res, err = runCrawlerStage(ctx, cfg, stderr)
	default:
		err = fmt.Errorf("unknown contender %q", name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "crawlbench %s: %v\n", name, err)
		return 1
	}
	res.Name = name
	line, _ := json.Marshal(res)
	fmt.Fprintf(stdout, "%s\n", line)
	return 0
}

// progress records when each page arrived, to find the time of the 95th
// percentile page.
type progress struct {
	start time.Time
	ch    chan time.Duration
	times []time.Duration
	done  chan struct{}
}

func newProgress() *progress {
	p := &progress{start: time.Now(), ch: make(chan time.Duration, 4096), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for d := range p.ch {
			p.times = append(p.times, d)
		}
	}()
	return p
}

func (p *progress) page() { p.ch <- time.Since(p.start) }

// finish fills in Pages, WallS, T95S and PagesPerS.
func (p *progress) finish(res *result, wall time.Duration) {
	close(p.ch)
	<-p.done
	fillResult(res, p.times, wall)
}

func fillResult(res *result, times []time.Duration, wall time.Duration) {
	slices.Sort(times)
	res.Pages = int64(len(times))
	res.WallS = wall.Seconds()
	if len(times) == 0 {
		return
	}
	k := max(0, (len(times)*95+99)/100-1)
	res.T95S = times[k].Seconds()
	if res.T95S > 0 {
		res.PagesPerS = float64(k+1) / res.T95S
	}
}

// resolverFor returns a resolver that asks simweb's DNS server only.
func resolverFor(cfg config) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, cfg.DNS)
	}}
}

// known reports whether raw is an http(s) URL on a simweb host.
func (cfg config) known(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false
	}
	_, ok := cfg.Hosts[strings.ToLower(u.Hostname())]
	return u, ok
}
