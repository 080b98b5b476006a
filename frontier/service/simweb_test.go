package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/frontier/service"
	"trawl.dev/proto"
	"trawl.dev/simweb"
)

// startSimweb serves a small synthetic web (every kind of site, including
// 5xx robots.txt, hanging hosts and an endless calendar) with latency, and
// records its requests.
func startSimweb(t *testing.T, sites int, latency time.Duration) (*simweb.Web, *simweb.Server, *requestLog[simweb.RequestLog]) {
	t.Helper()
	w := simweb.Generate(simweb.Options{Sites: sites, Seed: 3})
	log := new(requestLog[simweb.RequestLog])
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := w.Start(ctx, simweb.ServeOptions{Latency: latency, OnRequest: log.add})
	if err != nil {
		cancel()
		t.Fatalf("simweb: %v", err)
	}
	t.Cleanup(func() { cancel(); srv.Close() })
	return w, srv, log
}

// homePages returns the home page of every site.
func homePages(w *simweb.Web, srv *simweb.Server) []string {
	var out []string
	for _, s := range w.Sites() {
		out = append(out, srv.URL(s.Host))
	}
	return out
}

// waitSettled waits until no host has work and no message waits in the
// streams: the crawl has done all it can.
func waitSettled(t *testing.T, js jetstream.JetStream, ctl *service.Control, timeout time.Duration) []service.PartitionReply {
	t.Helper()
	deadline := time.Now().Add(timeout)
	calm := 0
	for {
		reps, err := ctl.Each(context.Background(), nil, service.PartitionRequest{Op: service.OpStats})
		ok := err == nil
		for _, r := range reps {
			for _, n := range r.Waiting {
				if n > 0 {
					ok = false
				}
			}
		}
		if ok {
			for _, name := range []string{proto.StreamLinks, proto.StreamOutcomes, proto.StreamFetch, proto.StreamSeeds} {
				st, err := js.Stream(context.Background(), name)
				if err != nil {
					t.Fatal(err)
				}
				info, err := st.Info(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if info.State.Msgs != 0 {
					ok = false
				}
			}
		}
		if calm = map[bool]int{true: calm + 1, false: 0}[ok]; calm == 3 {
			return reps
		}
		if time.Now().After(deadline) {
			t.Fatalf("crawl did not settle in %v: %+v", timeout, reps)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestCrawlSimwebPolitely crawls a synthetic web with per-host latency
// through one frontier instance and checks simweb's own request log: no host
// fetched again before MinDelay after its last response, no address fetched
// while another host on it is being fetched or within IPMinDelay after, no
// page fetched twice, the endless calendar cut off by its site's budget, and
// hosts whose robots.txt fails parked with a doubling wait, then given up.
func TestCrawlSimwebPolitely(t *testing.T) {
	const latency = 20 * time.Millisecond
	nc, js, _ := mustConnect(t)
	w, srv, log := startSimweb(t, 60, latency)
	o := options(t.TempDir())
	o.MinDelay, o.IPMinDelay, o.MaxPerIP, o.AdaptiveFactor = 300*time.Millisecond, 100*time.Millisecond, 1, 1
	o.SiteBudget, o.BudgetPerLinkingSite, o.MaxSiteBudget = 10, 1, 16
	o.RobotsPark, o.MaxParks, o.MaxBackoff, o.MaxAttempts, o.MaxInFlight = 400*time.Millisecond, 3, 2*time.Second, 2, 64
	o.Resolver = srv.DNSAddr()
	s, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	run(t, s)
	startWebCrawler(t, js, srv.Resolver(), 16)
	if err := s.Seed(context.Background(), homePages(w, srv)...); err != nil {
		t.Fatal(err)
	}
	ctl := service.NewControl(nc, numPartitions)
	waitSettled(t, js, ctl, 60*time.Second)
	reqs := log.all()

	// Politeness per host: page requests (robots.txt belongs to the visit
	// that follows it) at least MinDelay after the previous response.
	byHost := map[string][]simweb.RequestLog{}
	byIP := map[string][]simweb.RequestLog{}
	fetched := map[string]int{}
	for _, r := range reqs {
		byIP[r.LocalIP] = append(byIP[r.LocalIP], r)
		if r.Path != "/robots.txt" {
			byHost[r.Host] = append(byHost[r.Host], r)
			if r.Status == 200 {
				fetched[r.Host+r.Path]++
			}
		}
	}
	hostPairs, ipPairs := 0, 0
	for host, rs := range byHost {
		slices.SortFunc(rs, func(a, b simweb.RequestLog) int { return a.Time.Compare(b.Time) })
		for i := 1; i < len(rs); i++ {
			hostPairs++
			if gap := rs[i].Time.Sub(rs[i-1].Time); gap < o.MinDelay+latency {
				t.Errorf("host %s: %s %v after %s; want ≥ %v (min delay after a %v response)", host, rs[i].Path, gap, rs[i-1].Path, o.MinDelay+latency, latency)
			}
		}
	}
	// Politeness per IP: a request for one host at least IPMinDelay after
	// the response to another host on the same address.
	for ip, rs := range byIP {
		slices.SortFunc(rs, func(a, b simweb.RequestLog) int { return a.Time.Compare(b.Time) })
		for i := 1; i < len(rs); i++ {
			if rs[i].Host == rs[i-1].Host {
				continue
			}
			ipPairs++
			if gap := rs[i].Time.Sub(rs[i-1].Time); gap < o.IPMinDelay+latency {
				t.Errorf("address %s: %s%s %v after %s%s; want ≥ %v", ip, rs[i].Host, rs[i].Path, gap, rs[i-1].Host, rs[i-1].Path, o.IPMinDelay+latency)
			}
		}
	}
	if hostPairs < 100 || ipPairs < 30 {
		t.Errorf("checked %d successive fetches of one host and %d of one address: too few to prove anything", hostPairs, ipPairs)
	}
	for u, n := range fetched {
		if n > 1 {
			t.Errorf("%s fetched %d times, want once", u, n)
		}
	}

	var traps, parked int
	for _, site := range w.Sites() {
		var pages, robots []simweb.RequestLog
		for _, host := range []string{site.Host, "www." + site.Host} {
			pages = append(pages, byHost[host]...)
			for _, r := range byIP[site.IP.String()] {
				if r.Host == host && r.Path == "/robots.txt" {
					robots = append(robots, r)
				}
			}
		}
		switch site.Kind {
		case simweb.KindCalendarTrap:
			traps++
			if len(pages) < int(o.SiteBudget) || len(pages) > int(o.MaxSiteBudget) {
				t.Errorf("calendar trap %s: %d pages fetched; want its budget, %d to %d", site.Host, len(pages), o.SiteBudget, o.MaxSiteBudget)
			}
		case simweb.KindServerError:
			parked++
			if len(pages) != 0 || len(robots) != int(o.MaxParks) {
				t.Errorf("%s (robots.txt answers 5xx): %d pages and %d robots.txt requests; want none and %d (parked, then given up)",
					site.Host, len(pages), len(robots), o.MaxParks)
			}
			slices.SortFunc(robots, func(a, b simweb.RequestLog) int { return a.Time.Compare(b.Time) })
			for i := 1; i < len(robots); i++ {
				want := min(o.RobotsPark<<(i-1), o.MaxBackoff)
				if gap := robots[i].Time.Sub(robots[i-1].Time); gap < want {
					t.Errorf("%s: robots.txt asked again after %v, want ≥ %v (parked, doubling)", site.Host, gap, want)
				}
			}
		}
	}
	st := s.Stats()
	if traps == 0 || parked == 0 || st.OverBudget == 0 || st.Parked < int64(2*parked) || st.Dropped < int64(parked) || st.Queued != 0 {
		t.Errorf("%d trap sites, %d robots-failing sites, stats %+v: want some of each, links over budget, parked URLs given up, nothing left", traps, parked, st)
	}
	t.Logf("%d requests; %d host pairs and %d address pairs checked; stats %+v", len(reqs), hostPairs, ipPairs, st)
}
