// Command soak runs the whole pipeline on the embedded default against a
// large simweb for a fixed time and samples the process every few seconds:
// resident memory, Go heap, goroutines, open files and the size of the
// bbolt and JetStream files. It writes the samples as CSV and a PNG plot,
// and prints how RSS moved between two points in the run.
//
//	go run ./deploy/cmd/soak --sites 50000 --duration 30m --out soak
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"trawl.dev/deploy/node"
	simcli "trawl.dev/simweb/cli"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "simweb" {
		// The child: simweb serve with the rest of the arguments.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := simcli.Main(ctx, append([]string{"serve"}, os.Args[2:]...), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

type sample struct {
	At         time.Duration
	RSS, Heap  uint64
	Live       uint64 // Go heap live at the last GC: what is kept, not what awaits collection
	Anon, File uint64 // RSS split: anonymous memory and mapped files (bbolt, JetStream)
	Goroutines int
	Files      int
	BoltBytes  int64
	NATSBytes  int64
	Fetched    int64
	Hosts      int64 // the frontier's hosts with queued URLs: its in-memory host index
	Queued     int64 // URLs waiting in the frontier's host queues (on disk)
	Unmerged   int64 // seen-set hashes held in memory until merged
}

func run(ctx context.Context, args []string) int {
	fset := flag.NewFlagSet("soak", flag.ContinueOnError)
	var (
		sites    = fset.Int("sites", 50000, "simweb sites")
		duration = fset.Duration("duration", 30*time.Minute, "how long to crawl")
		every    = fset.Duration("every", 5*time.Second, "sampling interval")
		out      = fset.String("out", "soak", "directory for soak.csv, soak.png and the data")
		// A soak measures a crawl that is busy for its whole duration: the
		// pipeline crawls 50,000 sites in about 17 minutes and idles after.
		// Above 35,000 sites simweb runs as several processes (shards), since
		// one may not listen on that many addresses.
		conc   = fset.Int("concurrency", 16, "crawler workers")
		delay  = fset.Duration("min-delay", time.Second, "per-host minimum delay (the frontier's default)")
		warm   = fset.Duration("warm", 5*time.Minute, "compare RSS from this point to the end")
		window = fset.Duration("window", time.Minute, "each end of the comparison is the median of the samples over this long")
		noSync = fset.Bool("no-sync", false, "skip fsync of the frontier's bbolt files")
	)
	if err := fset.Parse(args); err != nil {
		return 2
	}
	if *duration <= 0 || *every <= 0 || *warm < 0 || *warm+*window > *duration || *window < *every {
		fmt.Fprintln(os.Stderr, "soak: want --duration ≥ --warm + --window, --warm ≥ 0 and --window ≥ --every > 0")
		return 2
	}
	data := filepath.Join(*out, "data")
	if err := os.RemoveAll(data); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	logf, err := os.Create(filepath.Join(*out, "soak.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	defer logf.Close()
	log := slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// simweb runs in its own process, so that what is sampled here is
	// Trawl's memory alone.
	mmdb := filepath.Join(data, "country.mmdb")
	web, err := startWeb(ctx, *sites, mmdb, filepath.Join(data, "seeds.txt"), logf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	defer web.stop()
	n, err := node.Start(ctx, node.Options{DataDir: data, NumPartitions: 16, Concurrency: *conc, MinDelay: *delay,
		FetchTimeout: 3 * time.Second, Resolver: web.dns, AllowLoopback: true, GeoIPDB: mmdb, NoSync: *noSync, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	defer n.Close()
	if err := n.Frontier.Seed(ctx, web.seeds...); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	fmt.Printf("soak: %d sites, %v, sampling every %v into %s\n", *sites, *duration, *every, *out)

	var samples []sample
	warmProfiled := false
	// A heap profile every five minutes after the warm point as well, so
	// that two busy moments can be compared (the end may be idle).
	nextProfile := *warm + 5*time.Minute
	start := time.Now()
	t := time.NewTicker(*every)
	defer t.Stop()
	for time.Since(start) < *duration {
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "soak: interrupted")
			return 1
		case <-t.C:
		}
		s := measure(data)
		s.At = time.Since(start)
		s.Fetched = n.Crawler.Stats().Fetched
		fs := n.Frontier.Stats()
		s.Hosts, s.Queued, s.Unmerged = fs.Hosts, fs.Queued, fs.Unmerged
		samples = append(samples, s)
		if s.At >= *warm && !warmProfiled {
			warmProfiled = true
			writeHeapProfile(filepath.Join(*out, "heap-warm.pb.gz"))
		}
		if warmProfiled && s.At >= nextProfile {
			writeHeapProfile(filepath.Join(*out, fmt.Sprintf("heap-%02dm.pb.gz", int(nextProfile.Minutes()))))
			nextProfile += 5 * time.Minute
		}
		fmt.Printf("%7.0fs rss=%6.1fMiB anon=%6.1fMiB heap=%6.1fMiB live=%6.1fMiB goroutines=%d files=%d bolt=%6.1fMiB nats=%6.1fMiB fetched=%d hosts=%d queued=%d unmerged=%d\n",
			s.At.Seconds(), mib(s.RSS), mib(s.Anon), mib(s.Heap), mib(s.Live), s.Goroutines, s.Files, mib(uint64(s.BoltBytes)), mib(uint64(s.NATSBytes)), s.Fetched,
			s.Hosts, s.Queued, s.Unmerged)
	}
	writeHeapProfile(filepath.Join(*out, "heap-end.pb.gz"))
	if err := writeCSV(filepath.Join(*out, "soak.csv"), samples); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	if err := writePlot(filepath.Join(*out, "soak.png"), samples); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	// One sample swings with every collection cycle, so each end of the
	// comparison is the median over a window: the minute after the warm
	// point, and the last minute.
	at := medianOver(samples, *warm, *warm+*window)
	end := medianOver(samples, samples[len(samples)-1].At-*window, samples[len(samples)-1].At)
	change := func(f func(sample) uint64) float64 { return (float64(f(end)) - float64(f(at))) / float64(f(at)) }
	rss, anon, file, live := change(func(s sample) uint64 { return s.RSS }), change(func(s sample) uint64 { return s.Anon }),
		change(func(s sample) uint64 { return s.File }), change(func(s sample) uint64 { return s.Live })
	fmt.Printf("soak: medians over %v after %v and over the last %v:\n", *window, *warm, *window)
	fmt.Printf("  RSS            %7.1f → %7.1f MiB  %+6.1f%%\n", mib(at.RSS), mib(end.RSS), 100*rss)
	fmt.Printf("  RSS anonymous  %7.1f → %7.1f MiB  %+6.1f%%  (the process's own memory)\n", mib(at.Anon), mib(end.Anon), 100*anon)
	fmt.Printf("  RSS files      %7.1f → %7.1f MiB  %+6.1f%%  (the binary and the bbolt pages mapped since their last release)\n", mib(at.File), mib(end.File), 100*file)
	fmt.Printf("  Go heap live   %7.1f → %7.1f MiB  %+6.1f%%\n", mib(at.Live), mib(end.Live), 100*live)
	fmt.Printf("  bbolt files    %7.1f → %7.1f MiB\n", mib(uint64(at.BoltBytes)), mib(uint64(end.BoltBytes)))
	fmt.Printf("  frontier hosts %7d → %7d    (hosts with queued URLs: %d → %d URLs queued)\n", at.Hosts, end.Hosts, at.Queued, end.Queued)
	fmt.Printf("soak: pages %d; csv %s; plot %s; heap profiles heap-warm.pb.gz, heap-end.pb.gz and every 5 minutes (heap-NNm.pb.gz)\n", samples[len(samples)-1].Fetched,
		filepath.Join(*out, "soak.csv"), filepath.Join(*out, "soak.png"))
	line, _ := json.Marshal(map[string]any{"rss_warm_bytes": at.RSS, "rss_end_bytes": end.RSS, "rss_change": rss,
		"rss_anon_warm_bytes": at.Anon, "rss_anon_end_bytes": end.Anon, "rss_anon_change": anon,
		"rss_file_change": file, "live_heap_warm_bytes": at.Live, "live_heap_end_bytes": end.Live, "live_heap_change": live,
		"hosts_warm": at.Hosts, "hosts_end": end.Hosts, "warm_s": warm.Seconds(), "window_s": window.Seconds(), "end_s": samples[len(samples)-1].At.Seconds(),
		"pages": samples[len(samples)-1].Fetched, "goroutines_end": end.Goroutines,
		"files_end": end.Files, "bolt_bytes_end": end.BoltBytes})
	fmt.Println(string(line))
	return 0
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// measure samples this process and the data directory.
func measure(data string) sample {
	var s sample
	if f, err := os.Open("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			for key, dst := range map[string]*uint64{"VmRSS:": &s.RSS, "RssAnon:": &s.Anon, "RssFile:": &s.File} {
				if v, ok := strings.CutPrefix(sc.Text(), key); ok {
					kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
					*dst = kb << 10
				}
			}
		}
		f.Close()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.Heap = ms.HeapAlloc
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() == metrics.KindUint64 {
		s.Live = live[0].Value.Uint64()
	}
	s.Goroutines = runtime.NumGoroutine()
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		s.Files = len(fds)
	}
	filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		switch {
		case strings.HasSuffix(p, ".db"):
			s.BoltBytes += info.Size()
		case strings.Contains(p, string(filepath.Separator)+"nats"+string(filepath.Separator)):
			s.NATSBytes += info.Size()
		}
		return nil
	})
	return s
}

func writeCSV(path string, samples []sample) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"seconds", "rss_bytes", "rss_anon_bytes", "rss_file_bytes", "heap_bytes", "live_heap_bytes", "goroutines", "open_files", "bolt_bytes", "nats_bytes", "fetched", "frontier_hosts", "frontier_queued", "seen_unmerged"})
	for _, s := range samples {
		w.Write([]string{strconv.FormatFloat(s.At.Seconds(), 'f', 1, 64), strconv.FormatUint(s.RSS, 10),
			strconv.FormatUint(s.Anon, 10), strconv.FormatUint(s.File, 10),
			strconv.FormatUint(s.Heap, 10), strconv.FormatUint(s.Live, 10), strconv.Itoa(s.Goroutines), strconv.Itoa(s.Files),
			strconv.FormatInt(s.BoltBytes, 10), strconv.FormatInt(s.NATSBytes, 10), strconv.FormatInt(s.Fetched, 10),
			strconv.FormatInt(s.Hosts, 10), strconv.FormatInt(s.Queued, 10), strconv.FormatInt(s.Unmerged, 10)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writePlot draws memory and file sizes in MiB (top) and goroutines and
// open files (bottom) against time.
func writePlot(path string, samples []sample) error {
	series := func(f func(sample) float64) plotter.XYs {
		xy := make(plotter.XYs, len(samples))
		for i, s := range samples {
			xy[i].X, xy[i].Y = s.At.Minutes(), f(s)
		}
		return xy
	}
	top := plot.New()
	top.Title.Text = "Trawl soak: memory and state"
	top.X.Label.Text = "minutes"
	top.Y.Label.Text = "MiB"
	if err := plotutil.AddLines(top,
		"RSS", series(func(s sample) float64 { return mib(s.RSS) }),
		"RSS anonymous", series(func(s sample) float64 { return mib(s.Anon) }),
		"RSS mapped files", series(func(s sample) float64 { return mib(s.File) }),
		"Go heap", series(func(s sample) float64 { return mib(s.Heap) }),
		"Go heap live", series(func(s sample) float64 { return mib(s.Live) }),
		"bbolt files", series(func(s sample) float64 { return mib(uint64(s.BoltBytes)) }),
		"JetStream files", series(func(s sample) float64 { return mib(uint64(s.NATSBytes)) })); err != nil {
		return err
	}
	bottom := plot.New()
	bottom.Title.Text = "goroutines and open files"
	bottom.X.Label.Text = "minutes"
	if err := plotutil.AddLines(bottom,
		"goroutines", series(func(s sample) float64 { return float64(s.Goroutines) }),
		"open files", series(func(s sample) float64 { return float64(s.Files) })); err != nil {
		return err
	}
	img := vgimg.New(10*vg.Inch, 8*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// web is simweb serving in child processes: the first answers DNS, and each
// listens on a share of the site IPs.
type web struct {
	cmds  []*exec.Cmd
	dns   string
	seeds []string
}

// sitesPerShard bounds the sites one simweb process serves: 35,000 sites
// take about 10,000 listening addresses, well under this machine's hard
// limit of 20,000 open files per process, with room for connections.
const sitesPerShard = 35000

// startWeb starts simweb with sites sites, writing its country database to
// mmdb and its seeds to seedsFile, and waits until every shard serves.
func startWeb(ctx context.Context, sites int, mmdb, seedsFile string, logw io.Writer) (*web, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	shards := (sites + sitesPerShard - 1) / sitesPerShard
	w := &web{}
	port := "0"
	for shard := range shards {
		args := []string{"simweb", "--sites", strconv.Itoa(sites), "--seed", "1", "--port", port}
		if shards > 1 {
			args = append(args, "--shard", strconv.Itoa(shard), "--shards", strconv.Itoa(shards))
		}
		if shard == 0 {
			args = append(args, "--mmdb", mmdb, "--seeds-out", seedsFile)
		} else {
			args = append(args, "--no-dns")
		}
		cmd := exec.CommandContext(ctx, self, args...)
		cmd.Stderr = logw
		out, err := cmd.StdoutPipe()
		if err != nil {
			w.stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			w.stop()
			return nil, fmt.Errorf("start simweb: %w", err)
		}
		w.cmds = append(w.cmds, cmd)
		serving := false
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if p, ok := strings.CutPrefix(line, "port "); ok {
				port = p // every shard listens on the first one's port
			}
			if dns, ok := strings.CutPrefix(line, "dns "); ok {
				if shard == 0 {
					w.dns = dns
				}
				serving = true
				break
			}
		}
		go io.Copy(io.Discard, out)
		if !serving {
			w.stop()
			return nil, fmt.Errorf("simweb shard %d exited before serving (its log is in soak.log)", shard)
		}
	}
	b, err := os.ReadFile(seedsFile)
	if err != nil {
		w.stop()
		return nil, err
	}
	w.seeds = strings.Fields(string(b))
	return w, nil
}

func (w *web) stop() {
	for _, cmd := range w.cmds {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, cmd := range w.cmds {
		_ = cmd.Wait()
	}
}

// writeHeapProfile writes the Go heap profile to path, for `go tool pprof
// -diff_base heap-warm.pb.gz heap-end.pb.gz`.
func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: heap profile:", err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "soak: heap profile:", err)
	}
}

// medianOver returns, field by field, the median of the samples taken
// between from and to.
func medianOver(samples []sample, from, to time.Duration) sample {
	var in []sample
	for _, s := range samples {
		if s.At >= from && s.At <= to {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		return samples[len(samples)-1]
	}
	med := func(f func(sample) uint64) uint64 {
		v := make([]uint64, len(in))
		for i, s := range in {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	m := in[len(in)/2]
	m.RSS = med(func(s sample) uint64 { return s.RSS })
	m.Anon = med(func(s sample) uint64 { return s.Anon })
	m.File = med(func(s sample) uint64 { return s.File })
	m.Live = med(func(s sample) uint64 { return s.Live })
	m.Heap = med(func(s sample) uint64 { return s.Heap })
	return m
}
