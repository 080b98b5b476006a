// Package bench measures the frontier's seen set in process, without NATS:
// URL uniqueness checks per second at 1M and 10M seen URLs, peak RSS and
// bytes on disk per URL, against a plain Go map and against one bbolt write
// per URL, as IRLbot (DRUM: about 111,000 checks/s on one 2008 server)
// measured its own. It is `frontier bench`.
//
// Caveats: it measures the seen set (frontier/bolt Store.Check: hashing, the
// bloom filter, the seen log committed per batch with an fsync, the merges),
// not the host queues an admission also writes; it fills the set to each
// size with new URLs only, then measures a window of the realistic stream
// (70–90% already seen) there, timing the checks and not the generation of
// URLs (reported apart as the floor); and numbers from a shared machine vary
// by ±30% or more.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/frontier/bolt"
)

// Options configure a run. Zero fields take the defaults beside them.
type Options struct {
	Dir        string  // where the bbolt files go; a temporary directory
	Sizes      []int64 // seen-set sizes to measure at; 1M and 10M
	Window     int     // checks measured at each size; 4M
	Batch      int     // URLs per transaction (one fsync each); 2048
	Hosts      int     // distinct hosts in the stream; 1M
	ZipfS      float64 // Zipf exponent of host popularity; 1.1
	DupMin     float64 // share of already-seen URLs, drawn per batch in [DupMin, DupMax]; 0.7
	DupMax     float64 // 0.9
	NoSync     bool    // skip fsync (not what a frontier does)
	Baselines  bool    // also run the map and one-write-per-URL baselines
	Partitions int     // for the extrapolation; 64
	Target     int64   // URLs for the extrapolation; 1B
	Progress   io.Writer
}

func (o Options) withDefaults() Options {
	if len(o.Sizes) == 0 {
		o.Sizes = []int64{1_000_000, 10_000_000}
	}
	if o.Window <= 0 {
		o.Window = 4_000_000
	}
	if o.Batch <= 0 {
		o.Batch = 2048
	}
	if o.Hosts <= 0 {
		o.Hosts = 1_000_000
	}
	if o.ZipfS <= 1 {
		o.ZipfS = 1.1
	}
	if o.DupMin <= 0 && o.DupMax <= 0 {
		o.DupMin, o.DupMax = 0.7, 0.9
	}
	if o.Partitions <= 0 {
		o.Partitions = 64
	}
	if o.Target <= 0 {
		o.Target = 1_000_000_000
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Point is the measurement at one seen-set size.
type Point struct {
	Seen       int64   `json:"seen"`       // at the window's start
	SeenAfter  int64   `json:"seen_after"` // at its end
	ChecksPerS float64 `json:"checks_per_s"`
	NewShare   float64 `json:"new_share"`   // share of the window's checks that were new
	FileBytes  int64   `json:"file_bytes"`  // bbolt file size after the window
	BloomBytes int     `json:"bloom_bytes"` // bloom filter size
	Pending    int     `json:"pending"`     // unmerged hashes after the window
	Merges     int64   `json:"merges"`      // merge rounds so far
	FillPerS   float64 `json:"fill_per_s"`  // new URLs per second while filling to Seen
	WindowSecs float64 `json:"window_s"`    // length of the window
}

// Result is what a run measured; its JSON form is the one line the command prints.
type Result struct {
	ChecksPerS1M            float64 `json:"checks_per_s_1m"`
	ChecksPerS10M           float64 `json:"checks_per_s_10m"`
	PeakRSSBytes            int64   `json:"peak_rss_bytes"`
	DiskBytesPerURL         float64 `json:"disk_bytes_per_url"`
	MapChecksPerS10M        float64 `json:"map_checks_per_s_10m"`
	BboltSingleChecksPerS1M float64 `json:"bbolt_single_checks_per_s_1m"`

	StreamPerS      float64       `json:"stream_per_s"`      // URLs generated and hashed per second, nothing checked
	MapHeapBytes    int64         `json:"map_heap_bytes"`    // Go heap of the map at its size
	MapSeen         int64         `json:"map_seen"`          // size of the map baseline (the last size)
	BboltSingleSeen int64         `json:"bbolt_single_seen"` // size of the one-write-per-URL baseline
	Batch           int           `json:"batch"`
	Fsync           bool          `json:"fsync"`
	Hosts           int           `json:"hosts"`
	DupShare        string        `json:"dup_share"`
	Points          []Point       `json:"points"`
	GOMAXPROCS      int           `json:"gomaxprocs"`
	Extrapolation   Extrapolation `json:"extrapolation"`
}

// Extrapolation scales the run to Target URLs over Partitions partitions.
type Extrapolation struct {
	URLs                int64   `json:"urls"`
	Partitions          int     `json:"partitions"`
	PerPartition        int64   `json:"per_partition"`
	DiskBytes           int64   `json:"disk_bytes"`             // seen sets, all partitions
	BloomBytes          int64   `json:"bloom_bytes"`            // bloom filters, all partitions, at their largest
	PendingBytes        int64   `json:"pending_bytes"`          // unmerged hashes, all partitions, at their largest
	ChecksPerSPartition float64 `json:"checks_per_s_partition"` // one core, one partition of that size
}

// Run runs the benchmark, writing progress to o.Progress.
func Run(ctx context.Context, o Options) (Result, error) {
	o = o.withDefaults()
	res := Result{Batch: o.Batch, Fsync: !o.NoSync, Hosts: o.Hosts, GOMAXPROCS: runtime.GOMAXPROCS(0),
		DupShare: fmt.Sprintf("%.0f-%.0f%%", 100*o.DupMin, 100*o.DupMax)}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "frontier-bench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	res.StreamPerS = streamRate(o)
	resetPeakRSS()
	if err := runSeenSet(ctx, o, dir, &res); err != nil {
		return res, err
	}
	res.PeakRSSBytes = peakRSS()
	for _, p := range res.Points {
		switch p.Seen {
		case 1_000_000:
			res.ChecksPerS1M = p.ChecksPerS
		case 10_000_000:
			res.ChecksPerS10M = p.ChecksPerS
		}
	}
	if n := len(res.Points); n > 0 {
		last := res.Points[n-1]
		res.DiskBytesPerURL = float64(last.FileBytes) / float64(last.Seen)
	}
	res.Extrapolation = extrapolate(o, res)
	if o.Baselines {
		var err error
		if res.BboltSingleChecksPerS1M, err = runBboltSingle(ctx, o, dir); err != nil {
			return res, err
		}
		res.MapChecksPerS10M, res.MapHeapBytes = runMap(ctx, o)
		res.MapSeen, res.BboltSingleSeen = o.Sizes[len(o.Sizes)-1], 1_000_000
		if !slices.Contains(o.Sizes, 1_000_000) {
			res.BboltSingleSeen = o.Sizes[0]
		}
	}
	return res, nil
}

// streamRate measures generating and hashing alone, the floor under every
// other number.
func streamRate(o Options) float64 {
	g := NewStream(o.Hosts, o.ZipfS, 7)
	var buf []string
	var sink uint64
	start := time.Now()
	const n = 500_000
	for done := 0; done < n; done += o.Batch {
		buf = g.Next(buf[:0], o.Batch, (o.DupMin+o.DupMax)/2)
		for _, u := range buf {
			sink ^= bolt.Hash(u)
		}
	}
	_ = sink
	return n / time.Since(start).Seconds()
}

func dupAt(o Options, batch int) float64 {
	return o.DupMin + (o.DupMax-o.DupMin)*float64(mix(uint64(batch))>>11)/(1<<53)
}

// runSeenSet fills the seen set to each size and measures a window there.
func runSeenSet(ctx context.Context, o Options, dir string, res *Result) error {
	path := filepath.Join(dir, "seen.db")
	st, err := bolt.Open(path, &bolt.Options{NoSync: o.NoSync})
	if err != nil {
		return err
	}
	defer st.Close()
	g := NewStream(o.Hosts, o.ZipfS, 1)
	var buf []string
	batch := 0
	check := func(urls []string) (int, error) {
		fresh, err := st.Check(urls)
		if err != nil {
			return 0, err
		}
		if _, err := st.Maintain(); err != nil {
			return 0, err
		}
		n := 0
		for _, f := range fresh {
			if f {
				n++
			}
		}
		return n, nil
	}
	for _, size := range o.Sizes {
		// Fill with new URLs only.
		start, before := time.Now(), int64(g.Emitted())
		for int64(g.Emitted()) < size {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := int(min(int64(o.Batch), size-int64(g.Emitted())))
			if _, err := check(g.New(buf[:0], n)); err != nil {
				return err
			}
			if g.Emitted()%(1<<20) < uint64(o.Batch) {
				fmt.Fprintf(o.Progress, "  filling: %d seen\n", g.Emitted())
			}
		}
		fill := float64(int64(g.Emitted())-before) / time.Since(start).Seconds()
		// The window: the realistic stream.
		// The window: the realistic stream. Only the seen set's work is
		// timed; generating the URLs is the floor reported apart.
		var checks, fresh int
		var spent time.Duration
		window := int(min(int64(o.Window), 2*size))
		for checks < window {
			if err := ctx.Err(); err != nil {
				return err
			}
			buf = g.Next(buf[:0], o.Batch, dupAt(o, batch))
			batch++
			t := time.Now()
			n, err := check(buf)
			spent += time.Since(t)
			if err != nil {
				return err
			}
			checks += len(buf)
			fresh += n
		}
		secs := spent.Seconds()
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		ss := st.SeenStats()
		p := Point{Seen: size, SeenAfter: int64(g.Emitted()), ChecksPerS: float64(checks) / secs, NewShare: float64(fresh) / float64(checks),
			FileBytes: fi.Size(), BloomBytes: ss.BloomBytes, Pending: ss.Pending, Merges: ss.Merges,
			FillPerS: fill, WindowSecs: secs}
		// The window added URLs; the next size counts from there.
		fmt.Fprintf(o.Progress, "  at %d seen: %.0f checks/s (%.1f%% new) over %.1fs; filled at %.0f/s\n",
			size, p.ChecksPerS, 100*p.NewShare, secs, fill)
		res.Points = append(res.Points, p)
	}
	return nil
}

// runBboltSingle is the naive baseline: one bbolt transaction per URL, a
// Get and, for a new URL, a Put, on a set preloaded to the first size.
func runBboltSingle(ctx context.Context, o Options, dir string) (float64, error) {
	db, err := bbolt.Open(filepath.Join(dir, "single.db"), 0o644, &bbolt.Options{NoSync: o.NoSync,
		NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	bucket := []byte("seen")
	size := o.Sizes[0]
	if slices.Contains(o.Sizes, 1_000_000) {
		size = 1_000_000
	}
	g := NewStream(o.Hosts, o.ZipfS, 1)
	// Preload in large sorted transactions: not what is measured.
	var buf []string
	for int64(g.Emitted()) < size {
		buf = g.New(buf[:0], int(min(200_000, size-int64(g.Emitted()))))
		keys := make([]uint64, len(buf))
		for i, u := range buf {
			keys[i] = bolt.Hash(u)
		}
		slices.Sort(keys)
		err := db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := b.Put(key8(k), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	fmt.Fprintf(o.Progress, "  bbolt, one write per URL: preloaded %d\n", size)
	var checks int
	var spent time.Duration
	for batch := 0; spent < 5*time.Second && checks < o.Window; batch++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		buf = g.Next(buf[:0], 256, dupAt(o, batch))
		t := time.Now()
		for _, u := range buf {
			k := key8(bolt.Hash(u))
			err := db.Update(func(tx *bbolt.Tx) error {
				b := tx.Bucket(bucket)
				if b.Get(k) != nil {
					return nil
				}
				return b.Put(k, nil)
			})
			if err != nil {
				return 0, err
			}
			checks++
		}
		spent += time.Since(t)
	}
	return float64(checks) / spent.Seconds(), nil
}

func key8(h uint64) []byte {
	return []byte{byte(h >> 56), byte(h >> 48), byte(h >> 40), byte(h >> 32), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h)}
}

// runMap is the in-memory baseline: a map of hashes, no durability, filled
// to the last size.
func runMap(ctx context.Context, o Options) (float64, int64) {
	size := o.Sizes[len(o.Sizes)-1]
	seen := make(map[uint64]struct{})
	g := NewStream(o.Hosts, o.ZipfS, 1)
	var buf []string
	for int64(g.Emitted()) < size {
		buf = g.New(buf[:0], int(min(int64(o.Batch), size-int64(g.Emitted()))))
		for _, u := range buf {
			seen[bolt.Hash(u)] = struct{}{}
		}
	}
	var checks int
	var spent time.Duration
	for batch := 0; checks < o.Window && ctx.Err() == nil; batch++ {
		buf = g.Next(buf[:0], o.Batch, dupAt(o, batch))
		t := time.Now()
		for _, u := range buf {
			h := bolt.Hash(u)
			if _, ok := seen[h]; !ok {
				seen[h] = struct{}{}
			}
		}
		spent += time.Since(t)
		checks += len(buf)
	}
	rate := float64(checks) / spent.Seconds()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(seen)
	return rate, int64(ms.HeapAlloc)
}

// extrapolate scales the run: disk and bloom linearly in URLs, and the
// check rate along the line through the measured points (a merge round
// rewrites the whole set, so its cost per check grows with the set).
func extrapolate(o Options, res Result) Extrapolation {
	e := Extrapolation{URLs: o.Target, Partitions: o.Partitions, PerPartition: o.Target / int64(o.Partitions)}
	e.DiskBytes = int64(res.DiskBytesPerURL * float64(o.Target))
	// A filter is rebuilt for twice the set when the set outgrows it.
	bitsPerURL := -math.Log(bolt.DefaultBloomFPRate) / (math.Ln2 * math.Ln2)
	e.BloomBytes = int64(2 * bitsPerURL / 8 * float64(o.Target))
	e.PendingBytes = int64(o.Partitions) * 4 * bolt.DefaultMergeThreshold * 16
	if n := len(res.Points); n >= 2 {
		a, b := res.Points[n-2], res.Points[n-1]
		// Time per check is linear in the set's size: t = t0 + k·seen.
		ta, tb := 1/a.ChecksPerS, 1/b.ChecksPerS
		k := (tb - ta) / float64(b.Seen-a.Seen)
		t := tb + max(k, 0)*float64(e.PerPartition-b.Seen)
		e.ChecksPerSPartition = 1 / t
	} else if n == 1 {
		e.ChecksPerSPartition = res.Points[0].ChecksPerS
	}
	return e
}

// Report writes the table and the JSON line.
func Report(w io.Writer, r Result) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "frontier bench: seen-set checks, %s already seen, Zipf hosts (%d), batches of %d, fsync %v, GOMAXPROCS %d\n",
		r.DupShare, r.Hosts, r.Batch, r.Fsync, r.GOMAXPROCS)
	fmt.Fprintf(bw, "%-44s %14s %12s %14s %10s\n", "what", "seen URLs", "checks/s", "file bytes", "B/URL")
	for _, p := range r.Points {
		fmt.Fprintf(bw, "%-44s %14s %12.0f %14d %10.1f\n", "seen set: bloom + log + sorted merge (bbolt)",
			count(p.Seen)+"→"+count(p.SeenAfter), p.ChecksPerS, p.FileBytes, float64(p.FileBytes)/float64(p.Seen))
	}
	if r.MapChecksPerS10M > 0 {
		fmt.Fprintf(bw, "%-44s %14s %12.0f %14s %10s\n", "baseline: Go map (memory only)", count(r.MapSeen), r.MapChecksPerS10M,
			"heap "+strconv.FormatInt(r.MapHeapBytes>>20, 10)+"M", "-")
	}
	if r.BboltSingleChecksPerS1M > 0 {
		fmt.Fprintf(bw, "%-44s %14s %12.0f %14s %10s\n", "baseline: bbolt, one transaction per URL", count(r.BboltSingleSeen), r.BboltSingleChecksPerS1M, "-", "-")
	}
	fmt.Fprintf(bw, "%-44s %14s %12.0f\n", "floor: generate and hash only", "-", r.StreamPerS)
	for _, p := range r.Points {
		fmt.Fprintf(bw, "  at %s: %.1f%% new, bloom %d KiB, %d unmerged, %d merge rounds so far, filled at %.0f new URLs/s\n",
			count(p.Seen), 100*p.NewShare, p.BloomBytes>>10, p.Pending, p.Merges, p.FillPerS)
	}
	fmt.Fprintf(bw, "peak RSS %d MiB; %.1f bytes on disk per URL\n", r.PeakRSSBytes>>20, r.DiskBytesPerURL)
	e := r.Extrapolation
	fmt.Fprintf(bw, "extrapolated to %s URLs over %d partitions (%s each): seen sets %.1f GiB on disk, bloom filters ≤ %.1f GiB, unmerged ≤ %.1f GiB;\n",
		count(e.URLs), e.Partitions, count(e.PerPartition), gib(e.DiskBytes), gib(e.BloomBytes), gib(e.PendingBytes))
	fmt.Fprintf(bw, "  one core checks ≈ %.0f URLs/s against a partition of %s (linear in the set's size from the last two points); %d such cores ≈ %.0f/s\n",
		e.ChecksPerSPartition, count(e.PerPartition), r.GOMAXPROCS, e.ChecksPerSPartition*float64(r.GOMAXPROCS))
	js, err := json.Marshal(r)
	if err != nil {
		return err
	}
	bw.Write(js)
	bw.WriteByte('\n')
	return bw.Flush()
}

func gib(b int64) float64 { return float64(b) / (1 << 30) }

func count(n int64) string {
	switch {
	case n >= 1_000_000_000 && n%1_000_000_000 == 0:
		return strconv.FormatInt(n/1_000_000_000, 10) + "B"
	case n >= 1_000_000 && n%100_000 == 0:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64), ".0") + "M"
	case n >= 1000 && n%100 == 0:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64), ".0") + "k"
	}
	return strconv.FormatInt(n, 10)
}

// peakRSS returns the process's peak resident set (VmHWM), or 0 when the
// system does not report it.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// resetPeakRSS starts VmHWM again from the current RSS (Linux), so that what
// ran before (building the table of the stream rate) does not count.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
