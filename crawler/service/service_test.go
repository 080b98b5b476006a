package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/crawler/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

const numPartitions = 8

// linkedHosts are hosts on other sites, picked to land on different partitions.
var linkedHosts = []string{"a.example.com", "b.example.org", "shop.example.ru", "music.example.net", "mp3.example.su"}

func mustSite(t *testing.T) *httptest.Server {
	t.Helper()
	var links strings.Builder
	for _, h := range linkedHosts {
		fmt.Fprintf(&links, `<a href="http://%s/page">%s</a> `, h, h)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nCrawl-delay: 1\nDisallow: /private\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html lang="ru"><head><title>Магазин MP3</title></head><body>
			<p>Всего 15 руб. за трек</p><a href="/albums/1">Альбом</a> %s</body></html>`, links.String())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// runService starts a Service and stops it (checking Run's result) when t ends.
func runService(t *testing.T, nc *nats.Conn) *service.Service {
	t.Helper()
	svc, err := service.New(nc, service.Options{Concurrency: 4, AllowLoopback: true, NumPartitions: numPartitions,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: got %v, want nil after cancel", err)
		}
	})
	return svc
}

// collect pulls n messages from stream (acking them), failing after a
// generous deadline.
func collect(t *testing.T, js jetstream.JetStream, stream string, n int) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: "test-" + strings.ToLower(stream), AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatalf("consumer on %s: %v", stream, err)
	}
	var got []jetstream.Msg
	for len(got) < n && ctx.Err() == nil {
		batch, err := cons.Fetch(n-len(got), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			continue
		}
		for m := range batch.Messages() {
			m.Ack()
			got = append(got, m)
		}
	}
	if len(got) < n {
		t.Fatalf("%s: got %d messages, want %d", stream, len(got), n)
	}
	return got
}

// settled returns the service's stats once no task is in flight: the
// outcome is published just before the handler counts it.
func settled(t *testing.T, svc *service.Service) service.Stats {
	t.Helper()
	for range 600 {
		if st := svc.Stats(); st.InFlight == 0 {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("tasks still in flight: %+v", svc.Stats())
	return service.Stats{}
}

func decode(t *testing.T, m jetstream.Msg, into gproto.Message) {
	t.Helper()
	if err := gproto.Unmarshal(m.Data(), into); err != nil {
		t.Fatalf("decode %s: %v", m.Subject(), err)
	}
}

func publishTask(t *testing.T, js jetstream.JetStream, ft *trawlpb.FetchTask) {
	t.Helper()
	if err := bus.Publish(context.Background(), js, proto.Partitioned(proto.SubjectFetch, int(ft.Partition)), ft, ""); err != nil {
		t.Fatalf("publish task: %v", err)
	}
}

func TestServiceCrawlsATask(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	site := mustSite(t)
	svc := runService(t, nc)

	publishTask(t, js, &trawlpb.FetchTask{Url: site.URL + "/", Host: "127.0.0.1", Site: "127.0.0.1",
		Partition: 3, Depth: 2, LeaseId: "lease-1", Attempt: 1})

	out := collect(t, js, proto.StreamOutcomes, 1)[0]
	var o trawlpb.FetchOutcome
	decode(t, out, &o)
	if out.Subject() != "trawl.v1.fetched.3" || o.LeaseId != "lease-1" || o.StatusCode != 200 || o.ErrorCode != "" ||
		o.Ip != "127.0.0.1" || o.Links != int32(len(linkedHosts)+1) || o.RobotsCrawlDelayS != 1 || o.Depth != 2 {
		t.Errorf("got outcome on %s: %v, want a 200 with %d links on trawl.v1.fetched.3", out.Subject(), &o, len(linkedHosts)+1)
	}

	// Links: one message per owning partition, each on its partition's subject.
	wantHosts := append([]string{"127.0.0.1"}, linkedHosts...)
	wantParts := map[int]bool{}
	for _, h := range wantHosts {
		wantParts[proto.PartitionOfHost(h, numPartitions)] = true
	}
	var gotHosts []string
	for _, m := range collect(t, js, proto.StreamLinks, len(wantParts)) {
		var dl trawlpb.DiscoveredLinks
		decode(t, m, &dl)
		if m.Subject() != proto.Partitioned(proto.SubjectLinks, int(dl.Partition)) || dl.Depth != 2 || dl.FromUrl != site.URL+"/" {
			t.Errorf("got links on %s for partition %d depth %d from %q", m.Subject(), dl.Partition, dl.Depth, dl.FromUrl)
		}
		for _, l := range dl.Links {
			host := strings.Split(strings.TrimPrefix(l.Url, "http://"), "/")[0]
			host = strings.Split(host, ":")[0]
			if p := proto.PartitionOfHost(host, numPartitions); p != int(dl.Partition) {
				t.Errorf("link %s is in partition %d's message, want %d", l.Url, dl.Partition, p)
			}
			gotHosts = append(gotHosts, host)
		}
		if pm, _ := m.Metadata(); pm != nil {
			if om, _ := out.Metadata(); om != nil && pm.Timestamp.After(om.Timestamp) {
				t.Errorf("links published after the outcome")
			}
		}
	}
	sort.Strings(gotHosts)
	sort.Strings(wantHosts)
	if strings.Join(gotHosts, ",") != strings.Join(wantHosts, ",") {
		t.Errorf("got link hosts %v, want %v", gotHosts, wantHosts)
	}

	page := collect(t, js, proto.StreamPages, 1)[0]
	var pf trawlpb.PageFacts
	decode(t, page, &pf)
	wantPart := proto.PartitionOfHost("127.0.0.1", numPartitions)
	if page.Subject() != proto.Partitioned(proto.SubjectPage, wantPart) || pf.Title != "Магазин MP3" || pf.Lang != "ru" ||
		len(pf.Prices) != 1 || pf.Prices[0].Currency != "RUB" || pf.Prices[0].Unit != "track" || pf.Charset != "utf-8" ||
		len(pf.OutHosts) != len(linkedHosts) || len(pf.LinkPaths) != 1 || pf.Depth != 2 || pf.Partition != int32(wantPart) {
		t.Errorf("got page facts on %s: %v", page.Subject(), &pf)
	}
	if pm, _ := page.Metadata(); pm != nil {
		if om, _ := out.Metadata(); om != nil && pm.Timestamp.After(om.Timestamp) {
			t.Errorf("page facts published after the outcome")
		}
	}

	st := settled(t, svc)
	if st.Fetched != 1 || st.Pages != 1 || st.Links != int64(len(linkedHosts)+1) || st.Bytes == 0 {
		t.Errorf("got stats %+v, want 1 fetched, 1 page, %d links", st, len(linkedHosts)+1)
	}
	// The micro stats endpoint answers with the same counters.
	reply, err := nc.Request(service.StatsSubject, nil, 5*time.Second)
	if err != nil {
		t.Fatalf("stats request: %v", err)
	}
	var remote service.Stats
	if err := json.Unmarshal(reply.Data, &remote); err != nil || remote.Pages != 1 {
		t.Errorf("got stats reply %s (%v), want pages 1", reply.Data, err)
	}
}

func TestServiceOutcomesWithoutPages(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	site := mustSite(t)
	svc := runService(t, nc)

	publishTask(t, js, &trawlpb.FetchTask{Url: site.URL + "/private/x", Partition: 1, LeaseId: "robots-1"})
	publishTask(t, js, &trawlpb.FetchTask{Url: "http://10.0.0.1:9/", Partition: 2, LeaseId: "blocked-1"})

	got := map[string]*trawlpb.FetchOutcome{}
	for _, m := range collect(t, js, proto.StreamOutcomes, 2) {
		o := new(trawlpb.FetchOutcome)
		decode(t, m, o)
		if want := proto.Partitioned(proto.SubjectFetched, int(o.Partition)); m.Subject() != want {
			t.Errorf("got outcome on %s, want %s", m.Subject(), want)
		}
		got[o.LeaseId] = o
	}
	if o := got["robots-1"]; o == nil || o.ErrorCode != "robots" || o.StatusCode != 0 || o.RobotsCrawlDelayS != 1 {
		t.Errorf("got robots outcome %v, want error code robots with crawl delay 1", o)
	}
	if o := got["blocked-1"]; o == nil || o.ErrorCode != "blocked_ip" {
		t.Errorf("got blocked outcome %v, want error code blocked_ip", o)
	}
	st := settled(t, svc)
	if st.RobotsDenied != 1 || st.Failed["robots"] != 1 || st.Failed["blocked_ip"] != 1 || st.Pages != 0 {
		t.Errorf("got stats %+v, want 1 robots denial and 1 blocked_ip", st)
	}
	if info, err := js.Stream(context.Background(), proto.StreamPages); err != nil || info.CachedInfo().State.Msgs != 0 {
		t.Errorf("got page facts for pages that were not fetched (%v)", err)
	}
}

func TestServiceDeadLettersMalformedTasks(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	svc := runService(t, nc)
	ctx := context.Background()

	if _, err := js.Publish(ctx, "trawl.v1.fetch.0", []byte("\xff\xff not protobuf")); err != nil {
		t.Fatal(err)
	}
	publishTask(t, js, &trawlpb.FetchTask{Url: "ftp://x/", Partition: 0, LeaseId: "l"})
	publishTask(t, js, &trawlpb.FetchTask{Url: "http://x.ru/", Partition: 0})                           // no lease
	publishTask(t, js, &trawlpb.FetchTask{Url: "http://x.ru/", Partition: numPartitions, LeaseId: "l"}) // bad partition

	dead := collect(t, js, proto.StreamDead, 4)
	for _, m := range dead {
		var dl trawlpb.DeadLetter
		decode(t, m, &dl)
		if dl.Stream != proto.StreamFetch || !strings.Contains(dl.Reason, "malformed") {
			t.Errorf("got dead letter %v, want a malformed FETCH message", &dl)
		}
	}
	if st := settled(t, svc); st.Malformed != 4 {
		t.Errorf("got %d malformed, want 4", st.Malformed)
	}
	if info, err := js.Stream(ctx, proto.StreamOutcomes); err != nil || info.CachedInfo().State.Msgs != 0 {
		t.Errorf("got outcomes for malformed tasks (%v)", err)
	}
}

func TestServiceRedeliveredTaskIsDeduplicated(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	site := mustSite(t)
	runService(t, nc)

	// The same lease twice (a redelivery after a lost ack) publishes once.
	task := &trawlpb.FetchTask{Url: site.URL + "/", Partition: 5, LeaseId: "lease-dup"}
	publishTask(t, js, task)
	collect(t, js, proto.StreamOutcomes, 1)
	publishTask(t, js, task)
	// A second, different lease proves the first duplicate was handled.
	publishTask(t, js, &trawlpb.FetchTask{Url: site.URL + "/", Partition: 5, LeaseId: "lease-next"})
	got := collect(t, js, proto.StreamOutcomes, 1)
	var o trawlpb.FetchOutcome
	decode(t, got[0], &o)
	if o.LeaseId != "lease-next" {
		t.Errorf("got outcome for %q, want only lease-next (the duplicate deduplicated)", o.LeaseId)
	}
}

func TestNewValidates(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, _ := natstest.MustConnect(t, ns)
	tests := []struct {
		name string
		nc   *nats.Conn
		o    service.Options
	}{
		{"nil conn", nil, service.Options{}},
		{"negative concurrency", nc, service.Options{Concurrency: -1}},
		{"bad resolver", nc, service.Options{Resolver: "no-port"}},
	}
	for _, tt := range tests {
		if _, err := service.New(tt.nc, tt.o); err == nil {
			t.Errorf("%s: got nil error, want one", tt.name)
		}
	}
}

func TestMain(t *testing.T) {
	ns := natstest.MustStart(t)
	t.Run("bad flag", func(t *testing.T) {
		var stderr bytes.Buffer
		if code := service.Main(context.Background(), []string{"--no-such-flag"}, &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("got exit %d, want 2", code)
		}
		if !strings.Contains(stderr.String(), "no-such-flag") {
			t.Errorf("got stderr %q, want it to name the flag", stderr.String())
		}
	})
	t.Run("bad log level", func(t *testing.T) {
		if code := service.Main(context.Background(), []string{"--log-level", "loud"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
			t.Errorf("got exit %d, want 2", code)
		}
	})
	t.Run("runs until cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		var stdout bytes.Buffer
		go func() {
			done <- service.Main(ctx, []string{"--nats", ns.ClientURL(), "--num-partitions", "4", "--allow-loopback"}, &stdout, &bytes.Buffer{})
		}()
		nc, _ := natstest.MustConnect(t, ns)
		var err error
		for range 300 { // until Run has registered the endpoint
			if _, err = nc.Request(service.StatsSubject, nil, time.Second); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("stats endpoint never answered: %v", err)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("got exit %d, want 0", code)
		}
	})
}
