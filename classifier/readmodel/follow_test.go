package readmodel_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/classifier/readmodel"
	"trawl.dev/classifier/readmodel/gen"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

// follow runs ix.Follow until the test ends or stop is called.
func follow(t *testing.T, ix *readmodel.Index, js jetstream.JetStream) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ix.Follow(ctx, js, nil) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("follow: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitApplied(t *testing.T, ix *readmodel.Index, stream string, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ix.WaitApplied(ctx, stream, seq); err != nil {
		t.Fatalf("index at %d of %s: %v", ix.Applied(stream), stream, err)
	}
}

func publish(t *testing.T, js jetstream.JetStream, subject string, data []byte) uint64 {
	t.Helper()
	ack, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Data: data})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return ack.Sequence
}

func TestFollowReplicasRestartAndRebuild(t *testing.T) {
	ns := natstest.MustStart(t)
	_, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	g := &gen.Generator{Seed: 3, FlaggedPercent: 20}
	const n = 300
	for i := range n {
		if err := bus.Publish(ctx, js, proto.VerdictSubject(g.Site(i)), g.Verdict(i), ""); err != nil {
			t.Fatal(err)
		}
	}
	lastV := publish(t, js, proto.VerdictSubject("broken.example"), []byte{0xff, 0x01})
	site := g.Site(0)
	ev := readmodel.LabelEvent{ID: "first", Site: site, Label: readmodel.LabelConfirmed, Reviewer: "ann", At: time.Now()}
	if err := bus.Publish(ctx, js, proto.LabelSubject(site), readmodel.LabelToProto(&ev), ""); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "replica-a.db")
	a, err := readmodel.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := MustOpen(t) // a second replica, its own file and consumers
	stopA := follow(t, a, js)
	follow(t, b, js)
	for _, ix := range []*readmodel.Index{a, b} {
		waitApplied(t, ix, proto.StreamVerdicts, lastV)
		waitApplied(t, ix, proto.StreamLabels, 1)
		if err := ix.Ready(); err != nil {
			t.Fatalf("caught up but not ready: %v", err)
		}
		st, err := ix.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Sites != n || st.Malformed != 1 || st.Labelled[readmodel.LabelConfirmed] != 1 {
			t.Fatalf("stats of a replica: got %+v, want %d sites, 1 malformed, 1 confirmed", st, n)
		}
	}
	dead, err := js.Stream(ctx, proto.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := dead.Info(ctx); info.State.Msgs != 1 {
		t.Fatalf("dead letters from two replicas rejecting one message: got %d, want 1", info.State.Msgs)
	}

	// Stop replica a, change a verdict while it is down, start it again:
	// it resumes after the last sequence it applied.
	stopA()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	v := g.Verdict(1)
	v.Version += 100
	v.StoreScore = 0.123
	if err := bus.Publish(ctx, js, proto.VerdictSubject(v.Site), v, ""); err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, proto.StreamVerdicts)
	info, _ := s.Info(ctx)
	for _, rebuild := range []bool{false, true} {
		a, err = readmodel.Open(path, &readmodel.Options{Rebuild: rebuild})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Applied(proto.StreamVerdicts); rebuild && got != 0 || !rebuild && got != lastV {
			t.Fatalf("rebuild %v: applied sequence after opening: got %d", rebuild, got)
		}
		stop := follow(t, a, js)
		waitApplied(t, a, proto.StreamVerdicts, info.State.LastSeq)
		waitApplied(t, a, proto.StreamLabels, 1)
		d, err := a.Detail(ctx, v.Site)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := a.Stats(ctx)
		if d.StoreScore != 0.123 || st.Sites != n || st.Labelled[readmodel.LabelConfirmed] != 1 {
			t.Fatalf("rebuild %v: got score %v, %d sites, labels %v; want 0.123, %d sites, one confirmed",
				rebuild, d.StoreScore, st.Sites, st.Labelled, n)
		}
		stop()
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFollowResetsWhenTheStreamWasRecreated(t *testing.T) {
	ns := natstest.MustStart(t)
	_, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	ix := MustOpen(t)
	// The index has applied far more than the (new) stream holds.
	mustApply(t, ix, proto.StreamVerdicts, records(t, 500, &trawlpb.Verdict{Site: "old.example", Version: 1}))
	seq := publish(t, js, proto.VerdictSubject("new.example"), records(t, 1, &trawlpb.Verdict{Site: "new.example", Version: 1})[0].Data)
	follow(t, ix, js)
	deadline := time.Now().Add(20 * time.Second)
	for ix.Applied(proto.StreamVerdicts) != seq || ix.Ready() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("index at %d of VERDICTS, want %d (ready: %v)", ix.Applied(proto.StreamVerdicts), seq, ix.Ready())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := ix.Detail(ctx, "old.example"); err == nil {
		t.Fatalf("a site from before the stream was recreated is still there")
	}
	if _, err := ix.Detail(ctx, "new.example"); err != nil {
		t.Fatalf("new site: %v", err)
	}
}

// TestRebuildKeepsVerdictHistory checks that a read model built again from
// the VERDICTS stream has each site's recent verdict history, not only its
// latest verdict: as many versions as the stream keeps per site.
func TestRebuildKeepsVerdictHistory(t *testing.T) {
	ns := natstest.MustStart(t)
	_, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rm.db")
	live, err := readmodel.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := follow(t, live, js)

	// A site seen 25 times: plain at first, a flagged store from version 10.
	// The live replica applies each before the next is published: the
	// stream drops a site's oldest verdicts as new ones come.
	const site, versions = "tunes.example", 25
	for v := int64(1); v <= versions; v++ {
		pv := &trawlpb.Verdict{Site: site, Version: v, Class: "other", Pages: int32(v),
			StoreScore: float64(v) / 100, UpdatedUnixMs: 1_700_000_000_000 + v*60_000}
		if v >= 10 {
			pv.Class, pv.Flagged, pv.RussiaScore = "store", true, 0.9
		}
		waitApplied(t, live, proto.StreamVerdicts, publish(t, js, proto.VerdictSubject(site), records(t, 0, pv)[0].Data))
	}
	s, _ := js.Stream(ctx, proto.StreamVerdicts)
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != proto.DefaultVerdictHistory {
		t.Fatalf("stream holds %d verdicts of the site, want the last %d", info.State.Msgs, proto.DefaultVerdictHistory)
	}
	waitApplied(t, live, proto.StreamVerdicts, info.State.LastSeq)
	check := func(name string, ix *readmodel.Index, want int) {
		t.Helper()
		d, err := ix.Detail(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.History) != want {
			t.Fatalf("%s: got %d history entries, want %d", name, len(d.History), want)
		}
		for i, h := range d.History {
			if wantV := int64(versions - i); h.Version != wantV || h.Flagged != (wantV >= 10) || h.Pages != int(wantV) {
				t.Fatalf("%s: history entry %d is version %d (flagged %v, %d pages), want version %d, newest first",
					name, i, h.Version, h.Flagged, h.Pages, wantV)
			}
		}
		if !d.Flagged || d.Version != versions {
			t.Fatalf("%s: got version %d flagged %v, want the latest, %d, flagged", name, d.Version, d.Flagged, versions)
		}
	}
	check("live", live, versions) // it saw every version as it came
	stop()
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}

	rebuilt, err := readmodel.Open(path, &readmodel.Options{Rebuild: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if got := rebuilt.Applied(proto.StreamVerdicts); got != 0 {
		t.Fatalf("rebuilt index starts at sequence %d, want 0", got)
	}
	stop = follow(t, rebuilt, js)
	defer stop()
	waitApplied(t, rebuilt, proto.StreamVerdicts, info.State.LastSeq)
	// The stream's 20: versions 6 to 25, the change to flagged among them.
	check("rebuilt", rebuilt, proto.DefaultVerdictHistory)
}
