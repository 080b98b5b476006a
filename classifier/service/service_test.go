package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/classifier"
	"trawl.dev/classifier/internal/testsites"
	"trawl.dev/classifier/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

const numPartitions = 4

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// pageFacts converts a test site's pages to the wire, as the crawler would
// publish them.
func pageFacts(tb testing.TB, file string) []*trawlpb.PageFacts {
	tb.Helper()
	_, pages, err := testsites.Load(file)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*trawlpb.PageFacts
	for _, p := range pages {
		pf := &trawlpb.PageFacts{Url: p.URL, Host: p.Host, Site: p.Site, Partition: int32(proto.Partition(p.Site, numPartitions)),
			StatusCode: 200, Ip: p.IP, Title: p.Title, Lang: p.Lang, Text: p.Text, LinkPaths: p.LinkPaths,
			TrackerIds: p.TrackerIDs, OutHosts: p.OutHosts, FetchedUnixMs: p.Fetched.UnixMilli(), Depth: int32(p.Depth)}
		for _, pr := range p.Prices {
			pf.Prices = append(pf.Prices, &trawlpb.Price{Amount: pr.Amount, Currency: pr.Currency, Unit: pr.Unit, Snippet: pr.Snippet})
		}
		out = append(out, pf)
	}
	return out
}

func publishPage(tb testing.TB, js jetstream.JetStream, pf *trawlpb.PageFacts, id string) {
	tb.Helper()
	subj := proto.Partitioned(proto.SubjectPage, int(pf.Partition))
	if err := bus.Publish(context.Background(), js, subj, pf, id); err != nil {
		tb.Fatal(err)
	}
}

func publishRaw(tb testing.TB, js jetstream.JetStream, p int, data []byte) {
	tb.Helper()
	if _, err := js.Publish(context.Background(), proto.Partitioned(proto.SubjectPage, p), data); err != nil {
		tb.Fatal(err)
	}
}

// waitFor polls cond until it holds; it fails the test after a generous
// deadline (a hang, not a timing assertion).
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startService runs a service until the test ends and returns it with a
// function that stops it and returns Run's error.
func startService(tb testing.TB, nc *nats.Conn, o service.Options) (*service.Service, func() error) {
	tb.Helper()
	svc, err := service.New(nc, o)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	stopped := false
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	tb.Cleanup(func() { stop() })
	return svc, stop
}

func lastVerdict(tb testing.TB, js jetstream.JetStream, site string) (*trawlpb.Verdict, bool) {
	tb.Helper()
	st, err := js.Stream(context.Background(), proto.StreamVerdicts)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := st.GetLastMsgForSubject(context.Background(), proto.VerdictSubject(site))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, false
	}
	if err != nil {
		tb.Fatal(err)
	}
	var v trawlpb.Verdict
	if err := gproto.Unmarshal(m.Data, &v); err != nil {
		tb.Fatal(err)
	}
	if want := service.VerdictMsgID(service.VerdictFromProto(&v)); m.Header.Get(jetstream.MsgIDHeader) != want {
		tb.Errorf("verdict of %s: got Msg-Id %q, want %q (site+version)", site, m.Header.Get(jetstream.MsgIDHeader), want)
	}
	return &v, true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestServiceFlagsStoreNotDecoys(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, stop := startService(t, nc, service.Options{DataDir: t.TempDir(), NumPartitions: numPartitions,
		IPDB: testsites.Countries(), Logger: quiet, HTTPAddr: "127.0.0.1:0"})

	store := pageFacts(t, "store-en-ru-hosted.txt")
	blog := pageFacts(t, "blog-en.txt")
	radio := pageFacts(t, "radio-ru.txt")
	total := 0
	for _, pfs := range [][]*trawlpb.PageFacts{store, blog, radio} {
		for _, pf := range pfs {
			publishPage(t, js, pf, proto.MsgID("page", pf.Url))
			total++
		}
	}

	// Three kinds of bad message on a partition the service owns.
	storeSite, storeP := store[0].Site, int(store[0].Partition)
	publishRaw(t, js, storeP, []byte("\xff\xff\xff\xff"))
	noURL, _ := gproto.Marshal(&trawlpb.PageFacts{Host: "x.example"})
	publishRaw(t, js, storeP, noURL)
	wrongP := (storeP + 1) % numPartitions
	misrouted := gproto.Clone(store[0]).(*trawlpb.PageFacts)
	misrouted.Partition = int32(wrongP)
	publishPage(t, js, misrouted, "misrouted")

	waitFor(t, "every page and bad message handled", func() bool {
		st := svc.Stats()
		return st.Pages == int64(total) && st.Dead == 3
	})
	st := svc.Stats()
	if st.Malformed != 3 || st.Sites != 3 || st.Flagged != 1 {
		t.Errorf("got stats %+v, want 3 malformed, 3 sites, 1 flagged", st)
	}

	v, ok := lastVerdict(t, js, storeSite)
	if !ok {
		t.Fatalf("no verdict published for %s", storeSite)
	}
	// The last pages may not change the verdict materially: the published
	// version can be older than the stored one.
	if !v.Flagged || v.Class != "store" || len(v.Evidence) < 3 || v.Version < 1 || v.Version > int64(len(store)) {
		t.Errorf("verdict of %s: got class %s flagged %v, %d evidence, version %d; want a flagged store with 3+ evidence, version 1-%d",
			storeSite, v.Class, v.Flagged, len(v.Evidence), v.Version, len(store))
	}
	for _, e := range v.Evidence {
		if e.Snippet == "" || e.Url == "" || e.Signal == "" {
			t.Errorf("incomplete evidence %v", e)
		}
	}
	for _, decoy := range []string{blog[0].Site, radio[0].Site} {
		if dv, ok := lastVerdict(t, js, decoy); ok && (dv.Flagged || dv.Class == "store") {
			t.Errorf("decoy %s: got class %s flagged %v, want neither store nor flagged", decoy, dv.Class, dv.Flagged)
		}
	}

	// The frontier is asked to focus on the store and not on the decoys.
	focus, err := js.CreateOrUpdateConsumer(ctx, proto.StreamFocus, jetstream.ConsumerConfig{
		Durable: "test-focus", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := focus.FetchNoWait(100)
	if err != nil {
		t.Fatal(err)
	}
	var hinted []string
	for m := range batch.Messages() {
		var h trawlpb.FocusHint
		if err := gproto.Unmarshal(m.Data(), &h); err != nil {
			t.Fatal(err)
		}
		if m.Subject() != proto.Partitioned(proto.SubjectFocus, int(h.Partition)) {
			t.Errorf("focus hint for %s on %s, want partition %d", h.Site, m.Subject(), h.Partition)
		}
		hinted = append(hinted, h.Site)
		_ = m.Ack()
	}
	if len(hinted) != 1 || hinted[0] != storeSite {
		t.Errorf("got focus hints for %v, want only %s", hinted, storeSite)
	}

	// Malformed messages are in the dead-letter stream.
	dead, err := js.Stream(ctx, proto.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	info, err := dead.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 {
		t.Errorf("got %d dead letters, want 3", info.State.Msgs)
	}

	// The HTTP API and metrics are served while the service runs.
	waitFor(t, "the HTTP server", func() bool { return svc.HTTPAddr() != "" })
	base := "http://" + svc.HTTPAddr()
	var list classifier.List
	httpGet(t, base+"/api/v1/sites?flagged=true", http.StatusOK, &list)
	if len(list.Sites) != 1 || list.Sites[0].Site != storeSite {
		t.Errorf("flagged sites over HTTP: got %+v, want only %s", list.Sites, storeSite)
	}
	httpGet(t, base+"/api/v1/sites/"+blog[0].Site, http.StatusOK, nil)
	httpGet(t, base+"/readyz", http.StatusOK, nil)
	if body := httpGet(t, base+"/metrics", http.StatusOK, nil); !strings.Contains(body, "trawl_classifier_flagged_sites 1") {
		t.Errorf("metrics lack trawl_classifier_flagged_sites 1:\n%.500s", body)
	}

	// A page delivered again (new message ID, so the stream keeps it)
	// changes nothing.
	publishPage(t, js, store[0], "again")
	waitFor(t, "the duplicate page", func() bool { return svc.Stats().Duplicates == 1 })
	vs, err := svc.Verdicts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]*classifier.Verdict)
	for _, v := range vs {
		got[v.Site] = v
	}
	if len(got) != 3 || got[storeSite] == nil || !got[storeSite].Flagged || got[storeSite].Version != int64(len(store)) ||
		got[storeSite].Pages != len(store) {
		t.Errorf("Verdicts: got %d sites, store %+v; want 3 sites, %s flagged with %d pages", len(got), got[storeSite], storeSite, len(store))
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Verdicts still reads after Run returned.
	vs, err = svc.Verdicts(ctx)
	if err != nil || len(vs) != 3 {
		t.Errorf("Verdicts after Run: got %d, %v; want 3 verdicts", len(vs), err)
	}
}

func httpGet(t *testing.T, url string, want int, into any) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: got %d, want %d: %s", url, resp.StatusCode, want, body)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return string(body)
}

func TestServiceResumesAfterRestart(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := service.Options{DataDir: dir, NumPartitions: numPartitions, IPDB: testsites.Countries(), Logger: quiet}
	pages := pageFacts(t, "store-ru.txt")
	svc, stop := startService(t, nc, o)
	publishPage(t, js, pages[0], "p0")
	waitFor(t, "the first page", func() bool { return svc.Stats().Pages == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	svc, _ = startService(t, nc, o)
	if st := svc.Stats(); st.Sites != 1 {
		// Sites are counted from the files when Run starts.
		waitFor(t, "sites counted from the files", func() bool { return svc.Stats().Sites == 1 })
	}
	for i, pf := range pages {
		publishPage(t, js, pf, "again-"+strconv.Itoa(i))
	}
	waitFor(t, "the rest of the pages", func() bool {
		st := svc.Stats()
		return st.Pages == int64(len(pages)-1) && st.Duplicates == 1
	})
	// The last page did not change the verdict materially, so the last one
	// published may be older; the stored one has every page.
	if v, ok := lastVerdict(t, js, pages[0].Site); !ok || !v.Flagged {
		t.Errorf("published verdict: got %v, %v; want a flagged one", v != nil && v.Flagged, ok)
	}
	vs, err := svc.Verdicts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("got %d stored verdicts, want 1", len(vs))
	}
	if !vs[0].Flagged || vs[0].Version != int64(len(pages)) || vs[0].Pages != len(pages) {
		t.Errorf("stored verdict: got flagged %v version %d pages %d; want flagged at version %d with %d pages",
			vs[0].Flagged, vs[0].Version, vs[0].Pages, len(pages), len(pages))
	}
}

func TestNewValidates(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, _ := natstest.MustConnect(t, ns)
	tests := []struct {
		name string
		o    service.Options
	}{
		{"partition out of range", service.Options{NumPartitions: 4, Partitions: []int{4}}},
		{"negative partitions", service.Options{NumPartitions: -1}},
		{"negative workers", service.Options{Workers: -1}},
		{"threshold above 1", service.Options{Scoring: classifier.Scoring{RussiaThreshold: 1.5}}},
	}
	for _, tc := range tests {
		if _, err := service.New(nc, tc.o); err == nil {
			t.Errorf("%s: got nil error", tc.name)
		}
	}
	if _, err := service.New(nil, service.Options{}); err == nil {
		t.Error("nil connection: got nil error")
	}
	if _, err := service.New(nc, service.Options{}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"bad flag", []string{"run", "--no-such-flag"}, "flag provided but not defined"},
		{"bad log level", []string{"run", "--log-level", "loud"}, "--log-level"},
		{"bad threshold", []string{"run", "--russia-threshold", "2"}, "--russia-threshold"},
		{"extra argument", []string{"run", "extra"}, "unexpected arguments"},
		{"negative verdict history", []string{"run", "--verdict-history", "-1"}, "--verdict-history"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if code := service.Main(context.Background(), tc.args, &stdout, &stderr); code != 2 {
			t.Errorf("%s: got exit %d, want 2", tc.name, code)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: stderr %q does not mention %q", tc.name, stderr.String(), tc.want)
		}
	}
}

func TestMainRunsUntilCancelled(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, _ := natstest.MustConnect(t, ns)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- service.Main(ctx, []string{"run", "--nats", ns.ClientURL(), "--data", t.TempDir(),
			"--num-partitions", "4", "--partitions", "0-3", "--log-level", "warn"}, &stdout, &stderr)
	}()
	var stats service.Stats
	waitFor(t, "the stats endpoint", func() bool {
		msg, err := nc.Request(proto.SubjectControl+".classifier.stats", nil, time.Second)
		return err == nil && json.Unmarshal(msg.Data, &stats) == nil
	})
	msg, err := nc.Request(proto.SubjectControl+".classifier.verdict", []byte("unknown.example"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code := msg.Header.Get("Nats-Service-Error-Code"); code != "404" {
		t.Errorf("verdict of an unknown site: got error code %q, want 404", code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("Main: got exit %d, want 0; stderr %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "classifier: 0 pages") {
		t.Errorf("stdout %q lacks the final stats line", stdout.String())
	}
}
