package service_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl.dev/frontier/bolt"
	"trawl.dev/frontier/service"
	"trawl.dev/simweb"
)

// TestTwoInstancesAndAMovedPartition crawls simweb with one frontier owning
// every partition, stops it, moves two partitions' files to a second
// instance's data directory, and finishes the crawl with the two instances
// splitting the partitions: simweb's log shows no page fetched twice, and
// the moved files carried their state.
func TestTwoInstancesAndAMovedPartition(t *testing.T) {
	nc, js, _ := mustConnect(t)
	w, srv, log := startSimweb(t, 40, 10*time.Millisecond)
	dirA, dirB := t.TempDir(), t.TempDir()
	opts := func(dir string, parts []int) service.Options {
		o := options(dir)
		o.Partitions = parts
		o.MinDelay, o.IPMinDelay, o.AdaptiveFactor = 100*time.Millisecond, 20*time.Millisecond, 1
		o.SiteBudget, o.BudgetPerLinkingSite, o.MaxSiteBudget = 8, -1, 8
		o.RobotsPark, o.MaxBackoff, o.MaxAttempts, o.MaxInFlight = time.Second, 2*time.Second, 2, 32
		o.Resolver = srv.DNSAddr()
		return o
	}
	first, err := service.New(nc, opts(dirA, nil))
	if err != nil {
		t.Fatal(err)
	}
	stopFirst := run(t, first)
	startWebCrawler(t, js, srv.Resolver(), 16)
	if err := first.Seed(context.Background(), homePages(w, srv)...); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for first.Stats().Fetched < 60 {
		if time.Now().After(deadline) {
			t.Fatalf("crawl did not progress: %+v", first.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stopFirst(); err != nil {
		t.Fatal(err)
	}
	mid := first.Stats()
	if mid.Queued == 0 {
		t.Fatalf("stopped after the crawl ended (%+v): the test proves nothing", mid)
	}
	for _, p := range []int{2, 3} {
		from, to := bolt.PartitionPath(dirA, p), bolt.PartitionPath(dirB, p)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	a, err := service.New(nc, opts(dirA, []int{0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := service.New(nc, opts(dirB, []int{2, 3}))
	if err != nil {
		t.Fatal(err)
	}
	run(t, a)
	run(t, b)
	ctl := service.NewControl(nc, numPartitions)
	waitSettled(t, js, ctl, 60*time.Second)

	fetched := map[string]int{}
	for _, r := range log.all() {
		if r.Path != "/robots.txt" && r.Status == 200 {
			fetched[r.Host+r.Path]++
		}
	}
	for u, n := range fetched {
		if n > 1 {
			t.Errorf("%s fetched %d times, want once", u, n)
		}
	}
	for _, s := range w.Sites() {
		if !s.Kind.Hostile() && s.Kind != simweb.KindRobotsDenyAll && fetched[s.Host+"/"] == 0 {
			t.Errorf("home page of %s (%s) never fetched", s.Host, s.Kind)
		}
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.Seen == 0 || sb.Seen == 0 || sa.Seen+sb.Seen < mid.Seen || sb.Fetched == 0 {
		t.Errorf("after the move: instance A %+v, B %+v; want both crawling, holding at least the %d URLs seen before", sa, sb, mid.Seen)
	}
}

// TestKilledFrontierResumes kills a frontier process (SIGKILL, mid-crawl)
// and starts it again on the same data directory: every page of the graph
// is fetched exactly once.
func TestKilledFrontierResumes(t *testing.T) {
	nc, js, url := mustConnect(t)
	dir := t.TempDir()
	g := graph(8, 6)
	c, stopCrawler := startCrawler(t, context.Background(), js, g, 50*time.Millisecond)
	defer stopCrawler()
	args := fmt.Sprintf("run --nats %s --data %s --num-partitions %d --min-delay 50ms --adaptive-factor 1 --max-in-flight 8 --ack-wait 2s --log-level error",
		url, dir, numPartitions)
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFrontierProcess$")
		cmd.Env = append(os.Environ(), "FRONTIER_PROCESS="+args)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	child := start()
	seeder, err := service.New(nc, service.Options{NumPartitions: numPartitions})
	if err != nil {
		t.Fatal(err)
	}
	if err := seeder.Seed(context.Background(), "http://www.site0.ru/p0"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for c.fetched() < len(g)/3 {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("crawl did not progress: %d fetched", c.fetched())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	killedAt := c.fetched()
	if killedAt == len(g) {
		t.Fatal("killed after the crawl ended: the test proves nothing")
	}
	child = start()
	defer func() {
		child.Process.Signal(os.Interrupt)
		if err := child.Wait(); err != nil {
			t.Errorf("frontier process after SIGINT: %v", err)
		}
	}()
	ctl := service.NewControl(nc, numPartitions)
	deadline = time.Now().Add(45 * time.Second)
	for {
		reps, err := ctl.Each(context.Background(), nil, service.PartitionRequest{Op: service.OpStats})
		var queued, leased int64
		for _, r := range reps {
			queued += r.Counts.Queued
			leased += r.Counts.Leased
		}
		if err == nil && c.fetched() == len(g) && queued == 0 && leased == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: %d of %d fetched, %d queued, %d leased (%v)", c.fetched(), len(g), queued, leased, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.check(t)
	t.Logf("killed with %d of %d pages fetched; resumed and finished", killedAt, len(g))
}

// TestFrontierProcess is the frontier process of TestKilledFrontierResumes.
func TestFrontierProcess(t *testing.T) {
	args := os.Getenv("FRONTIER_PROCESS")
	if args == "" {
		t.Skip("runs only as the process TestKilledFrontierResumes starts")
	}
	os.Exit(service.Main(context.Background(), strings.Fields(args), os.Stdout, os.Stderr))
}
