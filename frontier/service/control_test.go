package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl.dev/frontier"
	"trawl.dev/frontier/service"
)

// TestControlCommands drives the CLI's control commands against a running
// frontier, and reads the same numbers from /metrics.
func TestControlCommands(t *testing.T) {
	nc, _, url := mustConnect(t)
	o := options(t.TempDir())
	o.MetricsAddr = "127.0.0.1:0"
	s, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	run(t, s)
	// No crawler: the first URL of each host stays in flight, the rest queued.
	if err := s.Seed(context.Background(), "http://www.site0.ru/p0", "http://www.site0.ru/p1", "http://www.site0.ru/p2", "http://shop.site1.ru/"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.Stats().InFlight < 2 || s.MetricsAddr() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("not dispatched: %+v", s.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cli := func(want int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := service.Main(context.Background(), append(args, "--nats", url), &out, &errOut); code != want {
			t.Fatalf("frontier %v: got exit code %d, want %d; stderr %s", args, code, want, errOut.String())
		}
		return out.String()
	}
	if out := cli(0, "stats"); !strings.Contains(out, "fetching 2") || !strings.Contains(out, "4 of 4") {
		t.Errorf("stats: got\n%s\nwant 4 of 4 partitions answering and 2 hosts fetching", out)
	}
	out := cli(0, "hosts", "--top", "5")
	if !strings.Contains(out, "www.site0.ru") || !strings.Contains(out, "fetching") {
		t.Errorf("hosts: got\n%s\nwant www.site0.ru, fetching", out)
	}
	var views []frontier.HostView
	if err := json.Unmarshal([]byte(cli(0, "hosts", "--top", "1", "--json")), &views); err != nil || len(views) != 1 ||
		views[0].Host != "www.site0.ru" || views[0].Queued != 2 {
		t.Errorf("hosts --top 1 --json: got %+v, %v; want www.site0.ru with 2 queued", views, err)
	}
	var rep service.PartitionReply
	if err := json.Unmarshal([]byte(cli(0, "override", "www.site0.ru", "--delay", "5s", "--block", "--json")), &rep); err != nil ||
		rep.Host == nil || !rep.Host.Override.Block || rep.Host.Override.Delay != 5*time.Second {
		t.Errorf("override: got %+v, %v; want the host blocked with a 5s delay", rep.Host, err)
	}
	if out := cli(0, "pause"); !strings.Contains(out, "paused 4 of 4") {
		t.Errorf("pause: got %q", out)
	}
	if st := s.Stats(); st.Paused != 4 {
		t.Errorf("stats after pause: got %d paused partitions, want 4", st.Paused)
	}
	cli(0, "resume")
	if st := s.Stats(); st.Paused != 0 {
		t.Errorf("stats after resume: got %d paused partitions, want 0", st.Paused)
	}
	cli(2, "override")
	cli(2, "override", "a.ru")
	cli(2, "hosts", "--top", "0")
	cli(2, "stats", "extra")

	// The same numbers as Prometheus metrics.
	base := "http://" + s.MetricsAddr()
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, `trawl_frontier_host_queued_urls{host="www.site0.ru"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{`trawl_frontier_queued_urls{partition=`, `trawl_frontier_in_flight_urls{partition=`,
		`trawl_frontier_hosts_waiting{partition=`, `why="fetching"`, `trawl_frontier_host_queued_urls{host="www.site0.ru"`,
		`trawl_frontier_host_next_eligible_seconds{`, `trawl_frontier_events_total{event="published"} 2`,
		`trawl_frontier_urls_total{kind="fetched"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: got %v, %v", path, resp, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}

// TestOverlappingInstanceWaits: an instance asked for a partition another
// one runs waits for it instead of splitting its messages.
func TestOverlappingInstanceWaits(t *testing.T) {
	nc, js, _ := mustConnect(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	oa := options(dirA)
	oa.OwnerTTL = 3 * time.Second
	a, err := service.New(nc, oa)
	if err != nil {
		t.Fatal(err)
	}
	stopA := run(t, a)
	ctl := service.NewControl(nc, numPartitions)
	owner := func() string {
		rep, err := ctl.Partition(context.Background(), 3, service.PartitionRequest{Op: service.OpStats})
		if err != nil {
			return ""
		}
		return rep.Owner.DataDir
	}
	deadline := time.Now().Add(10 * time.Second)
	for owner() == "" {
		if time.Now().After(deadline) {
			t.Fatal("partition 3 never served")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ob := options(dirB)
	ob.Partitions, ob.OwnerTTL = []int{3}, 3*time.Second
	b, err := service.New(nc, ob)
	if err != nil {
		t.Fatal(err)
	}
	run(t, b)
	time.Sleep(500 * time.Millisecond)
	owners, err := service.Owners(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	abs := func(d string) string { p, _ := filepath.Abs(d); return p }
	if got := owners[3].DataDir; got != abs(dirA) || owner() != abs(dirA) {
		t.Fatalf("with both running: partition 3 claimed by %q and served by %q, want the first instance %q", got, owner(), abs(dirA))
	}
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for owner() != abs(dirB) {
		if time.Now().After(deadline) {
			t.Fatalf("after the first instance stopped: partition 3 served by %q, want the second %q", owner(), abs(dirB))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
