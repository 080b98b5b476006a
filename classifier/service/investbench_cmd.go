package service

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"slices"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/classifier/investigate"
	"trawl.dev/classifier/readmodel"
	"trawl.dev/classifier/readmodel/gen"
	"trawl.dev/proto"
	"trawl.dev/proto/natsembed"
)

func init() {
	commands["investbench"] = command{"benchmark the investigators' API: search latency and a streamed CSV export over generated verdicts", investbenchCommand}
}

// benchQuery is one kind of search the benchmark times.
type benchQuery struct {
	Name  string `json:"name"`
	Query string `json:"query"`
	pages int    // pages walked with the cursor; the last one is timed
}

var benchQueries = []benchQuery{
	{Name: "review queue", Query: "flagged=true&label=none,needs-review"},
	{Name: "hosted in RU, newest", Query: "country=RU&sort=last_seen"},
	{Name: "RU content, oldest first", Query: "class=other&min_russia=0.5&sort=first_seen&order=asc"},
	{Name: "network + TLD, by name", Query: "asn=AS24940&tld=ru&sort=site"},
	{Name: "free text + country", Query: "q=roms+licence&country=RU"},
	{Name: "score band, by russia", Query: "flagged=false&min_store=0.1&max_store=0.2&sort=russia_score"},
	{Name: "page 20 of a listing", Query: "country=DE&sort=last_seen", pages: 20},
	{Name: "no match (walks all)", Query: "country=ZZ&sort=last_seen"},
}

// latency is what the benchmark measured of one query.
type latency struct {
	benchQuery
	N      int     `json:"n"`
	Sites  int     `json:"sites"`
	P50Ms  float64 `json:"p50_ms"`
	P95Ms  float64 `json:"p95_ms"`
	MaxMs  float64 `json:"max_ms"`
	Failed int     `json:"failed"`
}

// exportRun is what the benchmark measured of one export.
type exportRun struct {
	Query      string  `json:"query"`
	Rows       int64   `json:"rows"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_s"`
	PeakHeapMB float64 `json:"peak_live_heap_growth_mb"` // highest live heap during the export, over the live heap before it
}

// investbenchCommand is "classifier investbench".
func investbenchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier investbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sites = fs.Int("sites", 100_000, "generated verdicts")
		reps  = fs.Int("reps", 100, "times each query is run")
		limit = fs.Int("limit", 50, "sites per page")
		seed  = fs.Uint64("seed", 1, "generator seed")
		dir   = fs.String("dir", "", "working directory (default: a temporary one, removed at exit)")
		p95   = fs.Float64("target-p95-ms", 50, "p95 latency the search must stay under; exit 1 when it does not")
		prof  = fs.String("cpuprofile", "", "write a CPU profile of the timed searches to this file")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *sites < 100 || *reps < 1 || *limit < 1 || *limit > readmodel.MaxLimit || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "classifier investbench: want --sites ≥ 100, --reps ≥ 1, --limit 1-%d and no arguments\n", readmodel.MaxLimit)
		return 2
	}
	work := *dir
	if work == "" {
		tmp, err := os.MkdirTemp("", "trawl-investbench-")
		if err != nil {
			fmt.Fprintf(stderr, "classifier investbench: %v\n", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		work = tmp
	}
	res, err := runInvestbench(ctx, work, *sites, *reps, *limit, *seed, *prof, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "classifier investbench: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(stdout, "investbench: %d verdicts, published in %.1f s (%.0f/s), read model built in %.1f s (%.0f/s), %d MB on disk\n",
		res.Sites, res.PublishSeconds, float64(res.Sites)/res.PublishSeconds, res.IngestSeconds,
		float64(res.Sites)/res.IngestSeconds, res.IndexMB)
	fmt.Fprintln(tw, "query\tsites\truns\tp50 ms\tp95 ms\tmax ms\t")
	for _, l := range res.Queries {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t\n", l.Name, l.Sites, l.N, l.P50Ms, l.P95Ms, l.MaxMs)
	}
	fmt.Fprintf(tw, "all filtered, sorted pages\t\t%d\t%.2f\t%.2f\t%.2f\t\n", res.All.N, res.All.P50Ms, res.All.P95Ms, res.All.MaxMs)
	_ = tw.Flush()
	for _, e := range res.Exports {
		fmt.Fprintf(stdout, "export csv %-14s %7d rows %8.1f MB in %5.2f s (%6.0f rows/s), live heap +%.1f MB\n",
			e.Query, e.Rows, float64(e.Bytes)/1e6, e.Seconds, e.RowsPerSec, e.PeakHeapMB)
	}
	ok := res.All.P95Ms < *p95
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
	}
	fmt.Fprintf(stdout, "%s: p95 of a filtered, sorted page %.2f ms (target < %.0f ms)\n", verdict, res.All.P95Ms, *p95)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	if !ok {
		return 1
	}
	return 0
}

// benchResult is the benchmark's JSON line.
type benchResult struct {
	Bench          string      `json:"bench"`
	Sites          int         `json:"sites"`
	Limit          int         `json:"limit"`
	PublishSeconds float64     `json:"publish_s"`
	IngestSeconds  float64     `json:"ingest_s"`
	IndexMB        int64       `json:"index_mb"`
	Queries        []latency   `json:"queries"`
	All            latency     `json:"all"`
	Exports        []exportRun `json:"exports"`
	GoMaxProcs     int         `json:"gomaxprocs"`
}

func runInvestbench(ctx context.Context, dir string, sites, reps, limit int, seed uint64, prof string, stderr io.Writer) (*benchResult, error) {
	res := &benchResult{Bench: "investbench", Sites: sites, Limit: limit, GoMaxProcs: runtime.GOMAXPROCS(0)}
	ns, err := natsembed.Start(&natsembed.Options{StoreDir: dir + "/nats", MaxStore: 8 << 30})
	if err != nil {
		return nil, err
	}
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	}()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(8192))
	if err != nil {
		return nil, err
	}
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		return nil, err
	}

	// Publish the verdicts, a window of asynchronous publishes at a time.
	g := &gen.Generator{Seed: seed}
	start := time.Now()
	for i := 0; i < sites; i++ {
		v := g.Verdict(i)
		data, err := gproto.Marshal(v)
		if err != nil {
			return nil, err
		}
		if _, err := js.PublishMsgAsync(&nats.Msg{Subject: proto.VerdictSubject(v.Site), Data: data}, jetstream.WithStallWait(10*time.Second)); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		if i%2048 == 2047 {
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		return nil, errors.New("publish: not acknowledged within a minute")
	}
	res.PublishSeconds = time.Since(start).Seconds()
	s, err := js.Stream(ctx, proto.StreamVerdicts)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "investbench: published %d verdicts in %.1f s; building the read model…\n", sites, res.PublishSeconds)

	// Serve them: the read model follows the stream as in production.
	const token = "investbench-token-0123456789"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv, err := investigate.New(nc, investigate.Options{DataDir: dir, Listener: ln, NoSync: true,
		Tokens: []investigate.Token{{Name: "bench", Role: investigate.RoleViewer, Token: token}},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = srv.Run(rctx) })
	defer func() {
		cancel()
		wg.Wait()
	}()
	start = time.Now()
	select {
	case <-srv.Started():
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("server did not start: %v", runErr)
	}
	if err := srv.Index().WaitApplied(ctx, proto.StreamVerdicts, info.State.LastSeq); err != nil {
		return nil, err
	}
	res.IngestSeconds = time.Since(start).Seconds()
	if fi, err := os.Stat(srv.Index().Path()); err == nil {
		res.IndexMB = fi.Size() >> 20
	}
	base := "http://" + srv.Addr()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(q string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+q, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return nil, fmt.Errorf("%s: %s %s", q, resp.Status, b)
		}
		return resp, nil
	}
	page := func(q string) (readmodel.Page, error) {
		resp, err := get(q)
		if err != nil {
			return readmodel.Page{}, err
		}
		defer resp.Body.Close()
		var p readmodel.Page
		return p, json.NewDecoder(resp.Body).Decode(&p)
	}

	// Time the searches: each query reps times, over HTTP, JSON included.
	fmt.Fprintf(stderr, "investbench: read model built in %.1f s; timing searches…\n", res.IngestSeconds)
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	var all []float64
	for _, bq := range benchQueries {
		q := "/api/v1/sites?" + bq.Query + "&limit=" + fmt.Sprint(limit)
		for range bq.pages - 1 { // find the cursor of the page to time
			p, err := page(q)
			if err != nil {
				return nil, err
			}
			if p.NextCursor == "" {
				break
			}
			v, _ := url.ParseQuery(q[len("/api/v1/sites?"):])
			v.Set("cursor", p.NextCursor)
			q = "/api/v1/sites?" + v.Encode()
		}
		l := latency{benchQuery: bq}
		var ms []float64
		for range reps {
			t := time.Now()
			p, err := page(q)
			d := float64(time.Since(t).Microseconds()) / 1000
			if err != nil {
				l.Failed++
				continue
			}
			l.Sites = len(p.Sites)
			ms = append(ms, d)
		}
		if l.Failed > 0 {
			return nil, fmt.Errorf("query %q failed %d times", bq.Query, l.Failed)
		}
		l.N, l.P50Ms, l.P95Ms, l.MaxMs = len(ms), pct(ms, 50), pct(ms, 95), pct(ms, 100)
		res.Queries = append(res.Queries, l)
		all = append(all, ms...)
	}
	if prof != "" {
		pprof.StopCPUProfile()
	}
	res.All = latency{benchQuery: benchQuery{Name: "all"}, N: len(all), P50Ms: pct(all, 50), P95Ms: pct(all, 95), MaxMs: pct(all, 100)}

	// Export a tenth, then all of them, watching the heap.
	for _, q := range []string{fmt.Sprintf("max_store=%.2f", 0.025), ""} {
		e, err := timeExport(get, q)
		if err != nil {
			return nil, err
		}
		res.Exports = append(res.Exports, e)
	}
	return res, nil
}

// timeExport streams one CSV export to nowhere, watching the live heap: a
// garbage collection every 100 ms marks what is live, and the highest mark
// over the one before the export is its memory.
func timeExport(get func(string) (*http.Response, error), q string) (exportRun, error) {
	e := exportRun{Query: q}
	if q == "" {
		e.Query = "(all)"
	}
	live := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtime.GC()
	rtmetrics.Read(live)
	before := live[0].Value.Uint64()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		s := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			runtime.GC()
			rtmetrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-t.C:
			case <-stop:
				return
			}
		}
	})
	start := time.Now()
	resp, err := get("/api/v1/export.csv?" + q)
	if err == nil {
		cw := &countingWriter{}
		_, err = io.Copy(cw, resp.Body)
		resp.Body.Close()
		e.Bytes, e.Rows = cw.n, cw.lines-1
	}
	e.Seconds = time.Since(start).Seconds()
	runtime.GC() // a last mark, so the peak includes the export's end
	close(stop)
	wg.Wait()
	if err != nil {
		return e, fmt.Errorf("export %q: %w", q, err)
	}
	e.RowsPerSec = float64(e.Rows) / e.Seconds
	if peak > before {
		e.PeakHeapMB = float64(peak-before) / (1 << 20)
	}
	return e, nil
}

type countingWriter struct{ n, lines int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	for _, b := range p {
		if b == '\n' {
			c.lines++
		}
	}
	return len(p), nil
}

// pct is the p-th percentile (nearest rank) of ms.
func pct(ms []float64, p float64) float64 {
	if len(ms) == 0 {
		return 0
	}
	s := slices.Clone(ms)
	sort.Float64s(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
