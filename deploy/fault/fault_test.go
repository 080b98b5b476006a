package fault_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"trawl.dev/deploy/fault"
)

// TestKillEveryServiceLosesNothing is the fault-injection test in its small
// form: a crawl of simweb by real frontier, crawler and classifier processes,
// undisturbed and then with a crawler, the frontier owning most partitions
// and the classifier killed with SIGKILL and restarted, another crawler
// frozen for a while; then the same on a three-node NATS cluster, with the
// NATS node leading most streams killed and restarted as well.
func TestKillEveryServiceLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the services as processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bins, err := fault.Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := fault.Config{
		Bins: bins, Sites: 150, Seed: 5, NumPartitions: 8, Frontiers: 2, Crawlers: 2,
		Concurrency: 8, MinDelay: 20 * time.Millisecond, Timeout: 3 * time.Minute, Log: t.Output(),
	}
	cfg.WorkDir = filepath.Join(t.TempDir(), "calm")
	calm, err := fault.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("undisturbed crawl: %v", err)
	}
	if calm.Pages() < 300 || len(calm.Flagged) == 0 {
		t.Fatalf("undisturbed crawl fetched %d pages and flagged %d sites: too small to prove anything", calm.Pages(), len(calm.Flagged))
	}
	cfg.ExpectPages = calm.Pages()
	t.Run("one NATS server", func(t *testing.T) {
		disturbed(ctx, t, cfg, calm, fault.DefaultFaults(0))
	})
	// A crawler added and frontier-0's partitions split with a new
	// instance, then every service restarted gracefully, one at a time.
	t.Run("rolling restart and rescale", func(t *testing.T) {
		disturbed(ctx, t, cfg, calm, fault.RollingFaults(cfg))
	})
	// The same crawl on a three-node natsd cluster with R3 streams and
	// buckets, where the NATS node leading most streams is killed too. The
	// undisturbed crawl on one server is the reference: the set of pages
	// does not depend on how NATS is deployed.
	t.Run("three NATS nodes, one killed", func(t *testing.T) {
		if bins.NATSD == "" {
			t.Skip("no deploy/cmd/natsd to build")
		}
		cfg := cfg
		cfg.NATSNodes = 3
		disturbed(ctx, t, cfg, calm, fault.DefaultFaults(3))
	})
}

// disturbed crawls with faults and compares with calm.
func disturbed(ctx context.Context, t *testing.T, cfg fault.Config, calm fault.Result, faults []fault.Fault) {
	cfg.WorkDir = filepath.Join(t.TempDir(), "disturbed")
	cfg.Faults = faults
	got, err := fault.Run(ctx, cfg)
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(cfg.WorkDir, "*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			t.Logf("%s:\n%s", filepath.Base(l), tail(b, 2000))
		}
		t.Fatalf("disturbed crawl: %v", err)
	}
	if len(got.Faults) != len(cfg.Faults) {
		t.Fatalf("injected %d faults, want %d: %v", len(got.Faults), len(cfg.Faults), got.Faults)
	}
	cmp := fault.Compare(calm, got)
	t.Log(cmp.String())
	if !cmp.SameFetched() {
		t.Errorf("fetched sets differ: lost %v, extra %v", cmp.Lost, cmp.Extra)
	}
	if !cmp.SameFlagged {
		t.Errorf("flagged sets differ:\n undisturbed %v\n disturbed   %v", cmp.CalmFlagged, cmp.Flagged)
	}
	if r := cmp.DuplicateRate(); r >= 0.01 {
		t.Errorf("duplicate fetches: got %.2f%%, want under 1%%", 100*r)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
