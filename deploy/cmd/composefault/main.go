// Command composefault runs the fault test against the Docker Compose
// cluster (deploy/compose.yaml): 3 NATS nodes, 2 frontiers, 3 crawlers, 2
// classifiers, the investigators' API, simweb as the web. It crawls a small
// simweb once undisturbed and once while killing (SIGKILL) a crawler, the
// frontier owning most partitions, a classifier and the NATS node leading
// most streams, each started again after a pause, and cutting another
// crawler off the network for a while. It compares the two crawls: the set
// of fetched pages and the set of flagged sites must be the same, and
// duplicate fetches under 1%. It also checks that the investigators' API
// lists the flagged sites of VERDICTS, that every service instance answers
// NATS micro discovery ($SRV.INFO, what `nats micro ls` lists), that every
// stream keeps three replicas and that no service ended by itself.
//
//	go run ./deploy/cmd/composefault            # builds the images first
//	go run ./deploy/cmd/composefault --build=false --sites 500
//
// It prints a table and one JSON line and exits 1 on a failure. Each crawl
// is brought up under its own compose project and always torn down with
// `down -v`, also on failure or Ctrl-C.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"trawl.dev/deploy/fault"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

var projectName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("composefault", flag.ContinueOnError)
	var (
		root     = fs.String("root", ".", "repository root (the directory with go.work and deploy/compose.yaml)")
		sites    = fs.Int("sites", 500, "simweb sites (SIMWEB_SITES)")
		seed     = fs.Int64("seed", 1, "simweb seed (SIMWEB_SEED)")
		project  = fs.String("project", "trawlfault", "compose project name; the two crawls use NAME-calm and NAME-faults")
		tag      = fs.String("tag", "dev", "image tag (TRAWL_TAG)")
		build    = fs.Bool("build", true, "build the images first (deploy/docker/build.sh, without the Prometheus image)")
		minDelay = fs.Duration("min-delay", 100*time.Millisecond, "the frontiers' per-host delay (FRONTIER_MIN_DELAY); slow enough that the faults, one after the other, all fall inside the crawl")
		maxDepth = fs.Int("max-depth", 64, "the frontiers' link hops from a seed (FRONTIER_MAX_DEPTH); deep enough that no simweb page but the endless traps' meets it")
		timeout  = fs.Duration("timeout", 12*time.Minute, "limit for each crawl, from the cluster up to drained")
		settle   = fs.Duration("settle", 10*time.Second, "how long the cluster must stay idle to count as drained")
		work     = fs.String("work", "", "keep logs here (default: a temporary directory, removed after a pass)")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *sites < 30 || !projectName.MatchString(*project) || *minDelay < 0 || *maxDepth < 1 || *settle < time.Second {
		fmt.Fprintln(os.Stderr, "composefault: want no arguments, --sites ≥ 30, --project of a-z 0-9 _ -, --min-delay ≥ 0, --max-depth ≥ 1, --settle ≥ 1s")
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "composefault: "+format+"\n", a...)
		return 1
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		return fail("%v", err)
	}
	if _, err := os.Stat(filepath.Join(absRoot, "deploy", "compose.yaml")); err != nil {
		return fail("--root %s: %v", *root, err)
	}
	composeCmd, err := findCompose(ctx)
	if err != nil {
		return fail("%v", err)
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "trawl-composefault-"); err != nil {
			return fail("%v", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("%v", err)
	}
	code := test(ctx, testConfig{root: absRoot, dir: dir, composeCmd: composeCmd, project: *project, tag: *tag,
		build: *build, sites: *sites, seed: *seed, minDelay: *minDelay, maxDepth: *maxDepth, timeout: *timeout, settle: *settle})
	if code == 0 && *work == "" {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "composefault: logs (compose logs of each crawl, build log) in %s\n", dir)
	}
	return code
}

type testConfig struct {
	root, dir, project, tag string
	composeCmd              []string
	build                   bool
	sites                   int
	seed                    int64
	minDelay                time.Duration
	maxDepth                int
	timeout, settle         time.Duration
}

func test(ctx context.Context, t testConfig) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "composefault: "+format+"\n", a...)
		return 1
	}
	started := time.Now()
	if t.build {
		fmt.Printf("composefault: building trawl:%s (deploy/docker/build.sh; log in %s)\n", t.tag, filepath.Join(t.dir, "build.log"))
		if err := buildImages(ctx, t.root, t.tag, filepath.Join(t.dir, "build.log")); err != nil {
			return fail("%v", err)
		}
	} else if _, err := docker(ctx, time.Minute, "image", "inspect", "trawl:"+t.tag); err != nil {
		return fail("no image trawl:%s (run without --build=false, or deploy/docker/build.sh %s): %v", t.tag, t.tag, err)
	}
	cfg := config{root: t.root, composeCmd: t.composeCmd, tag: t.tag, sites: t.sites, seed: t.seed,
		minDelay: t.minDelay, maxDepth: t.maxDepth, timeout: t.timeout, settle: t.settle, log: os.Stdout,
		project: t.project + "-calm", workDir: filepath.Join(t.dir, "calm")}
	calm, err := crawl(ctx, cfg)
	if err != nil {
		return fail("undisturbed crawl: %v", err)
	}
	if calm.Pages() < t.sites || len(calm.Flagged) == 0 {
		return fail("the undisturbed crawl fetched %d pages and flagged %d sites: too small to prove anything", calm.Pages(), len(calm.Flagged))
	}
	cfg.project, cfg.workDir = t.project+"-faults", filepath.Join(t.dir, "faults")
	cfg.faults, cfg.expectPages = defaultFaults(), calm.Pages()
	got, err := crawl(ctx, cfg)
	if err != nil {
		return fail("disturbed crawl: %v", err)
	}
	cmp := fault.Compare(calm.Result, got.Result)
	ok := report(calm, got, cmp, time.Since(started))
	if !ok {
		return 1
	}
	return 0
}

// buildImages runs deploy/docker/build.sh (the trawl image only).
func buildImages(ctx context.Context, root, tag, logPath string) error {
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	bctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(bctx, filepath.Join(root, "deploy", "docker", "build.sh"), tag)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_PROMETHEUS=1")
	cmd.Stdout, cmd.Stderr = f, f
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(logPath)
		return fmt.Errorf("deploy/docker/build.sh: %v\n%s", err, tail(string(b), 3000))
	}
	return nil
}

// check is one line of the verdict.
type check struct {
	name string
	ok   bool
	note string
}

// report prints the table and the JSON line and says whether every check
// passed.
func report(calm, got outcome, cmp fault.Comparison, elapsed time.Duration) bool {
	repeats := func(r map[string]int) (n int) {
		for _, c := range r {
			n += c - 1
		}
		return n
	}
	requests := func(r map[string]int) (n int) {
		for _, c := range r {
			n += c
		}
		return n
	}
	r3 := func(o outcome) (n int, bad []string) {
		for name, r := range o.Replicas {
			if r == 3 {
				n++
			} else {
				bad = append(bad, fmt.Sprintf("%s R%d", name, r))
			}
		}
		sort.Strings(bad)
		return n, bad
	}
	// The seeder is a one-shot client whose restart policy (on-failure) is
	// its retry while the cluster places its streams: its restarts are
	// no crash.
	down := func(o outcome) (restarts int, notUp []string) {
		for _, s := range o.States {
			if s.Restarts > 0 && s.Service != "seed" {
				restarts += s.Restarts
				notUp = append(notUp, fmt.Sprintf("%s restarted by Docker %d times (see its log)", s.Service, s.Restarts))
			}
			if s.Service == "seed" {
				if s.Status != "exited" || s.ExitCode != 0 {
					notUp = append(notUp, fmt.Sprintf("seed %s %d", s.Status, s.ExitCode))
				}
			} else if s.Status != "running" {
				notUp = append(notUp, s.Service+" "+s.Status)
			}
		}
		sort.Strings(notUp)
		return restarts, notUp
	}
	svcLine := func(o outcome) string {
		got := countByName(o.Services)
		var parts []string
		for _, name := range sortedKeys(got) {
			parts = append(parts, fmt.Sprintf("%s %d", name, got[name]))
		}
		return strings.Join(parts, ", ")
	}
	calmR3, calmBad := r3(calm)
	gotR3, gotBad := r3(got)
	calmRestarts, calmDown := down(calm)
	gotRestarts, gotDown := down(got)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\n\tundisturbed\tdisturbed")
	fmt.Fprintf(tw, "pages fetched (distinct)\t%d\t%d\n", calm.Pages(), got.Pages())
	fmt.Fprintf(tw, "requests (robots.txt aside)\t%d\t%d\n", requests(calm.Requests), requests(got.Requests))
	fmt.Fprintf(tw, "repeated requests of a page\t%d\t%d\n", repeats(calm.Requests), repeats(got.Requests))
	fmt.Fprintf(tw, "endless-trap pages (not compared)\t%d\t%d\n", len(calm.TrapRequests), len(got.TrapRequests))
	fmt.Fprintf(tw, "flagged sites\t%d\t%d\n", len(calm.Flagged), len(got.Flagged))
	fmt.Fprintf(tw, "crawl time (up to idle)\t%.0fs\t%.0fs\n", calm.Elapsed.Seconds(), got.Elapsed.Seconds())
	fmt.Fprintf(tw, "frontier: leases expired and reissued\t%d\t%d\n", calm.Frontier.Expired, got.Frontier.Expired)
	fmt.Fprintf(tw, "frontier: publish errors, retried URLs\t%d, %d\t%d, %d\n", calm.Frontier.PublishErrors, calm.Frontier.Retried,
		got.Frontier.PublishErrors, got.Frontier.Retried)
	fmt.Fprintf(tw, "streams with 3 replicas\t%d of %d\t%d of %d\n", calmR3, len(calm.Replicas), gotR3, len(got.Replicas))
	fmt.Fprintf(tw, "services restarted by Docker (crashed)\t%d\t%d\n", calmRestarts, gotRestarts)
	fmt.Fprintf(tw, "seeder runs (restarted until the streams are there)\t%d\t%d\n", seedRuns(calm), seedRuns(got))
	fmt.Fprintf(tw, "micro services answering\t%d\t%d\n", len(calm.Services), len(got.Services))
	tw.Flush()
	fmt.Printf("\nservices answering $SRV.INFO at the end of the disturbed crawl: %s\n", svcLine(got))
	for _, i := range got.Services {
		fmt.Printf("  %-18s %-8s %s\n", i.Name, i.Version, i.ID)
	}
	fmt.Println("faults:")
	for _, f := range got.Faults {
		fmt.Println("  " + f)
	}

	checks := []check{
		{"same fetched set", cmp.SameFetched(), fmt.Sprintf("lost %d, extra %d%s", len(cmp.Lost), len(cmp.Extra), sample(cmp.Lost, cmp.Extra))},
		{"same flagged set", cmp.SameFlagged, fmt.Sprintf("undisturbed %v, disturbed %v", cmp.CalmFlagged, cmp.Flagged)},
		{"the investigators' API lists the flagged sites", slices.Equal(calm.APIFlagged, calm.Flagged) && slices.Equal(got.APIFlagged, got.Flagged),
			fmt.Sprintf("API: undisturbed %d, disturbed %d sites", len(calm.APIFlagged), len(got.APIFlagged))},
		{"duplicate fetches < 1%", cmp.DuplicateRate() < 0.01, fmt.Sprintf("%d of %d requests (%.2f%%) beyond the undisturbed crawl's count of the page", cmp.Duplicates, cmp.Fetches, 100*cmp.DuplicateRate())},
		{"every service answers micro discovery", len(calm.Missing) == 0 && len(got.Missing) == 0,
			orNote(len(calm.Missing)+len(got.Missing) == 0, wantLine()+" in both crawls",
				fmt.Sprintf("want %s; short: undisturbed %v, disturbed %v", wantLine(), calm.Missing, got.Missing))},
		{"every stream R3", len(calmBad) == 0 && len(gotBad) == 0 && len(got.Replicas) > 0,
			orNote(len(calmBad)+len(gotBad) == 0, fmt.Sprintf("%d streams and buckets in both crawls", len(got.Replicas)),
				strings.Join(append(calmBad, gotBad...), ", "))},
		{"every service running, none crashed", len(calmDown)+len(gotDown)+calmRestarts+gotRestarts == 0,
			orNote(len(calmDown)+len(gotDown)+calmRestarts+gotRestarts == 0, fmt.Sprintf("%d containers at the end of each crawl, the seeder exited 0, no service restarted by Docker", len(got.States)),
				fmt.Sprintf("undisturbed %v, disturbed %v", calmDown, gotDown))},
	}
	pass := true
	fmt.Println()
	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark, pass = "FAIL", false
		}
		fmt.Printf("%s %s: %s\n", mark, c.name, c.note)
	}
	line, _ := json.Marshal(map[string]any{
		"pages_undisturbed": calm.Pages(), "pages_disturbed": got.Pages(), "lost": len(cmp.Lost), "extra": len(cmp.Extra),
		"same_fetched": cmp.SameFetched(), "same_flagged": cmp.SameFlagged, "flagged": len(got.Flagged),
		"trap_pages_undisturbed": len(calm.TrapRequests), "trap_pages_disturbed": len(got.TrapRequests),
		"duplicates": cmp.Duplicates, "fetches": cmp.Fetches, "duplicate_rate": cmp.DuplicateRate(),
		"services": countByName(got.Services), "services_missing": len(calm.Missing) + len(got.Missing),
		"streams_r3": len(calmBad) == 0 && len(gotBad) == 0, "crash_restarts": calmRestarts + gotRestarts,
		"leases_expired_undisturbed": calm.Frontier.Expired, "leases_expired_disturbed": got.Frontier.Expired,
		"faults": got.Faults, "elapsed_undisturbed_s": calm.Elapsed.Seconds(), "elapsed_disturbed_s": got.Elapsed.Seconds(),
		"elapsed_total_s": elapsed.Seconds(), "pass": pass,
	})
	fmt.Println(string(line))
	return pass
}

func wantLine() string {
	var parts []string
	for _, name := range sortedKeys(wantServices) {
		parts = append(parts, fmt.Sprintf("%s %d", name, wantServices[name]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sample names a few of the pages that differ.
func sample(lost, extra []string) string {
	var s []string
	for _, l := range lost[:min(5, len(lost))] {
		s = append(s, "lost "+l)
	}
	for _, e := range extra[:min(5, len(extra))] {
		s = append(s, "extra "+e)
	}
	if len(s) == 0 {
		return ""
	}
	return " (" + strings.Join(s, ", ") + ")"
}

func orNote(ok bool, good, bad string) string {
	if ok {
		return good
	}
	return bad
}

// seedRuns is how many times the seeder ran.
func seedRuns(o outcome) int {
	for _, s := range o.States {
		if s.Service == "seed" {
			return 1 + s.Restarts
		}
	}
	return 0
}
