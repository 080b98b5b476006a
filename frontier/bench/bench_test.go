package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"trawl.dev/frontier/bench"
)

// TestRunSmall runs the benchmark at toy sizes and checks its report: the
// table, and one JSON line with the keys the issue names.
func TestRunSmall(t *testing.T) {
	r, err := bench.Run(context.Background(), bench.Options{Dir: t.TempDir(), Sizes: []int64{20_000, 60_000},
		Window: 8_000, Batch: 512, Hosts: 1000, NoSync: true, Baselines: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 2 || r.Points[0].ChecksPerS <= 0 || r.Points[1].NewShare < 0.05 || r.Points[1].NewShare > 0.35 {
		t.Fatalf("points: got %+v; want two, with 10-30%% new URLs", r.Points)
	}
	var out bytes.Buffer
	if err := bench.Report(&out, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out.String())
	}
	for _, k := range []string{"checks_per_s_1m", "checks_per_s_10m", "peak_rss_bytes", "disk_bytes_per_url",
		"map_checks_per_s_10m", "bbolt_single_checks_per_s_1m"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON line lacks %s", k)
		}
	}
	if m["map_checks_per_s_10m"].(float64) <= 0 || m["bbolt_single_checks_per_s_1m"].(float64) <= 0 || m["disk_bytes_per_url"].(float64) <= 0 {
		t.Errorf("baselines not measured: %s", lines[len(lines)-1])
	}
	if !strings.Contains(out.String(), "extrapolated to 1B URLs over 64 partitions") {
		t.Errorf("no extrapolation in\n%s", out.String())
	}
}

// TestStreamRepeats checks that a duplicate is a URL emitted before.
func TestStreamRepeats(t *testing.T) {
	g := bench.NewStream(100, 1.1, 1)
	seen := map[string]bool{}
	var dups int
	for _, u := range g.Next(nil, 20000, 0.8) {
		if seen[u] {
			dups++
		}
		seen[u] = true
	}
	if uint64(len(seen)) != g.Emitted() || dups < 15000 || dups > 17000 {
		t.Fatalf("got %d distinct (emitted %d), %d repeats; want 80%% repeats of emitted URLs", len(seen), g.Emitted(), dups)
	}
}
