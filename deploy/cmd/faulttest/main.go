// Command faulttest crawls simweb with Trawl's services as separate
// processes, once undisturbed and once while killing and freezing them, and
// compares the two crawls: fetched pages, flagged sites, duplicate fetches.
//
//	go run ./deploy/cmd/faulttest --sites 1000
//	go run ./deploy/cmd/faulttest --scenario rolling
//
// The "faults" scenario kills a crawler, the frontier owning most
// partitions, a classifier (and with --nats-nodes 3 the NATS node leading
// most streams), each started again after a pause, and freezes another
// crawler for a while. The "rolling" scenario adds a crawler and splits
// frontier-0's partitions with a new frontier instance, then restarts
// every service gracefully, one at a time, a few seconds apart; the two
// crawls' elapsed times (and, when the last change comes early enough, the
// rate after it) show the rate recovering.
//
// It prints a report and one JSON line; it exits 1 when the crawls differ or
// duplicates reach 1%.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"trawl.dev/deploy/fault"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("faulttest", flag.ContinueOnError)
	var (
		root      = fs.String("root", ".", "workspace root (the directory with go.work)")
		sites     = fs.Int("sites", 1000, "simweb sites")
		seed      = fs.Int64("seed", 1, "simweb seed")
		parts     = fs.Int("num-partitions", 16, "partitions")
		frontiers = fs.Int("frontiers", 2, "frontier instances")
		crawlers  = fs.Int("crawlers", 3, "crawler processes")
		conc      = fs.Int("concurrency", 16, "workers per crawler")
		delay     = fs.Duration("min-delay", 50*time.Millisecond, "per-host minimum delay")
		timeout   = fs.Duration("timeout", 15*time.Minute, "limit for each crawl")
		keep      = fs.String("work", "", "keep data and logs in this directory (default: a temporary one)")
		scenario  = fs.String("scenario", "faults", `"faults" (kill and freeze) or "rolling" (a crawler and a frontier added, then a rolling restart)`)
		natsNodes = fs.Int("nats-nodes", 1, "3: a natsd cluster with R3 streams and buckets (the node leading most streams is killed and restarted); 1: one NATS server in this process")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *crawlers < 2 || *frontiers < 1 || *sites < 30 || (*natsNodes != 1 && *natsNodes != 3) ||
		(*scenario != "faults" && *scenario != "rolling") {
		fmt.Fprintln(os.Stderr, "faulttest: want --crawlers ≥ 2, --frontiers ≥ 1, --sites ≥ 30, --nats-nodes 1 or 3, --scenario faults or rolling")
		return 2
	}
	work := *keep
	if work == "" {
		tmp, err := os.MkdirTemp("", "trawl-faulttest-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "faulttest:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		work = tmp
	}
	bins, err := fault.Build(ctx, *root, filepath.Join(work, "bin"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		return 1
	}
	cfg := fault.Config{Bins: bins, Sites: *sites, Seed: *seed, NumPartitions: *parts, Frontiers: *frontiers,
		Crawlers: *crawlers, Concurrency: *conc, NATSNodes: *natsNodes, MinDelay: *delay, Timeout: *timeout, Log: os.Stdout,
		WorkDir: filepath.Join(work, "calm")}
	calm, err := fault.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest: undisturbed crawl:", err)
		return 1
	}
	cfg.WorkDir, cfg.ExpectPages = filepath.Join(work, "disturbed"), calm.Pages()
	cfg.Faults = fault.DefaultFaults(*natsNodes)
	if *scenario == "rolling" {
		cfg.Faults = fault.RollingFaults(cfg)
	}
	got, err := fault.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest: disturbed crawl:", err)
		return 1
	}
	cmp := fault.Compare(calm, got)
	fmt.Println(cmp.String())
	for _, l := range []struct {
		what  string
		pages []string
	}{{"lost", cmp.Lost}, {"extra", cmp.Extra}} {
		for i, p := range l.pages {
			if i == 20 {
				fmt.Printf("%s: … %d more\n", l.what, len(l.pages)-i)
				break
			}
			fmt.Printf("%s: %s\n", l.what, p)
		}
	}
	// The rate after the last change, against the undisturbed crawl over
	// the same stretch (from there to 90% of the pages).
	from := float64(got.LastFaultPages) / float64(calm.Pages())
	rateAfter, calmRate := got.Rate(from, 0.9, calm.Pages()), calm.Rate(from, 0.9, calm.Pages())
	if from < 0.9 {
		fmt.Printf("rate after the last change (%.0f%% → 90%% of pages): %.1f pages/s; undisturbed over the same stretch: %.1f pages/s\n",
			100*from, rateAfter, calmRate)
	}
	line, _ := json.Marshal(map[string]any{
		"scenario": *scenario, "rate_after_last_change": rateAfter, "undisturbed_rate_same_stretch": calmRate,
		"pages_undisturbed": cmp.CalmPages, "pages_disturbed": cmp.Pages, "lost": len(cmp.Lost), "extra": len(cmp.Extra),
		"same_fetched": cmp.SameFetched(), "same_flagged": cmp.SameFlagged, "flagged": len(cmp.Flagged),
		"duplicates": cmp.Duplicates, "fetches": cmp.Fetches, "duplicate_rate": cmp.DuplicateRate(),
		"trap_pages_undisturbed": cmp.CalmTrapPages, "trap_pages_disturbed": cmp.TrapPages,
		"faults": got.Faults, "elapsed_undisturbed_s": calm.Elapsed.Seconds(), "elapsed_disturbed_s": got.Elapsed.Seconds(),
	})
	fmt.Println(string(line))
	if !cmp.SameFetched() || !cmp.SameFlagged || cmp.DuplicateRate() >= 0.01 {
		return 1
	}
	return 0
}
