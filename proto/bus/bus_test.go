package bus_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natsembed"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

func TestConsumeAcksDeadLettersAndSurvivesPanics(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	subj := proto.Partitioned(proto.SubjectFocus, 3)
	for i, site := range []string{"a.ru", "b.ru", "panic.ru"} {
		h := &trawlpb.FocusHint{Site: site, Partition: 3, Priority: int32(i)}
		if err := bus.Publish(ctx, js, subj, h, proto.MsgID(site)); err != nil {
			t.Fatal(err)
		}
	}
	// A retried publish of the same content is dropped by the duplicate window.
	if err := bus.Publish(ctx, js, subj, &trawlpb.FocusHint{Site: "a.ru", Partition: 3}, proto.MsgID("a.ru")); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish(subj, []byte{0xff, 0xff, 0xff}); err != nil { // not protobuf
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		got  []string
		cnt  bus.Counters
		done = make(chan struct{})
	)
	runCtx, stop := context.WithCancel(ctx)
	go func() {
		defer close(done)
		err := bus.Consume(runCtx, js, bus.ConsumerOptions{
			Stream: proto.StreamFocus, Durable: "test", Workers: 4, Counters: &cnt,
		}, func(_ context.Context, m jetstream.Msg) error {
			var h trawlpb.FocusHint
			if err := bus.Decode(m.Data(), &h); err != nil {
				return err
			}
			if h.Site == "panic.ru" {
				panic("boom")
			}
			mu.Lock()
			got = append(got, h.Site)
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Errorf("consume: %v", err)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for cnt.Acked.Load()+cnt.Dead.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	<-done
	if a, d := cnt.Acked.Load(), cnt.Dead.Load(); a != 2 || d != 2 {
		t.Fatalf("acked %d, dead %d: want 2 and 2", a, d)
	}
	mu.Lock()
	if len(got) != 2 {
		t.Fatalf("handled %v, want a.ru and b.ru once each", got)
	}
	mu.Unlock()
	dead, err := js.Stream(ctx, proto.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	info, err := dead.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("dead letters: got %d, want 2", info.State.Msgs)
	}
	focus, _ := js.Stream(ctx, proto.StreamFocus)
	fi, _ := focus.Info(ctx)
	if fi.State.Msgs != 0 {
		t.Fatalf("focus stream after consuming: got %d messages, want 0 (all acked or terminated)", fi.State.Msgs)
	}
}

func TestEnsureClusterRecordsPartitionsOnce(t *testing.T) {
	ns := natstest.MustStart(t)
	_, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	n, err := proto.EnsureCluster(ctx, js, 16, 1)
	if err != nil || n != 16 {
		t.Fatalf("first: got %d, %v; want 16", n, err)
	}
	if n, err = proto.EnsureCluster(ctx, js, 0, 1); err != nil || n != 16 {
		t.Fatalf("any: got %d, %v; want 16", n, err)
	}
	if _, err = proto.EnsureCluster(ctx, js, 32, 1); !errors.Is(err, proto.ErrPartitionMismatch) {
		t.Fatalf("mismatch: got %v, want ErrPartitionMismatch", err)
	}
	// Streams can be ensured again and again.
	for range 2 {
		if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// A consumer whose state is in memory is lost when its server restarts:
// Consume creates it again and every message published before and after
// the restart is handled. A consumer created earlier with file state keeps
// it.
func TestConsumerInMemoryIsCreatedAgainAfterARestart(t *testing.T) {
	dir := t.TempDir()
	ns, err := natsembed.Start(&natsembed.Options{StoreDir: dir, MaxStore: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	url := ns.ClientURL()
	port := ns.Addr().(*net.TCPAddr).Port
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	publish := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			err := proto.Retry(ctx, nil, "publish", func(ctx context.Context) error {
				return bus.Publish(ctx, js, proto.Partitioned(proto.SubjectFocus, 1),
					&trawlpb.FocusHint{Site: fmt.Sprintf("s%d.ru", i), Partition: 1}, "")
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	// A file-state consumer made before keeps its storage.
	if _, err := js.CreateConsumer(ctx, proto.StreamFocus, jetstream.ConsumerConfig{Durable: "file",
		FilterSubject: proto.Partitioned(proto.SubjectFocus, 2), AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	fileCtx, stopFile := context.WithCancel(ctx)
	fileDone := make(chan error, 1)
	go func() {
		fileDone <- bus.Consume(fileCtx, js, bus.ConsumerOptions{Stream: proto.StreamFocus, Durable: "file",
			FilterSubject: proto.Partitioned(proto.SubjectFocus, 2), StateInMemory: true},
			func(context.Context, jetstream.Msg) error { return nil })
	}()

	var (
		mu   sync.Mutex
		seen = make(map[string]int)
	)
	handled := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- bus.Consume(runCtx, js, bus.ConsumerOptions{Stream: proto.StreamFocus, Durable: "mem",
			FilterSubject: proto.Partitioned(proto.SubjectFocus, 1), Workers: 2, StateInMemory: true,
			FetchWait: 100 * time.Millisecond},
			func(_ context.Context, m jetstream.Msg) error {
				var h trawlpb.FocusHint
				if err := bus.Decode(m.Data(), &h); err != nil {
					return err
				}
				time.Sleep(2 * time.Millisecond)
				mu.Lock()
				seen[h.Site]++
				mu.Unlock()
				return nil
			})
	}()
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); handled() < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("handled %d of %d", handled(), n)
			}
		}
	}
	publish(0, 200)
	waitFor(50)
	info, err := js.Consumer(ctx, proto.StreamFocus, "mem")
	if err != nil || !info.CachedInfo().Config.MemoryStorage {
		t.Fatalf("consumer mem: %v, memory storage %v; want in memory", err, err == nil && info.CachedInfo().Config.MemoryStorage)
	}
	if c, err := js.Consumer(ctx, proto.StreamFocus, "file"); err != nil || c.CachedInfo().Config.MemoryStorage {
		t.Fatalf("consumer file: %v; want it kept in a file", err)
	}
	stopFile()
	if err := <-fileDone; err != nil {
		t.Fatal(err)
	}

	ns.Shutdown()
	ns.WaitForShutdown()
	ns, err = natsembed.Start(&natsembed.Options{StoreDir: dir, MaxStore: 1 << 30, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	publish(200, 300)
	waitFor(300)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := js.Consumer(ctx, proto.StreamFocus, "mem"); err != nil {
		t.Fatalf("consumer after the restart: %v; want it created again", err)
	}
	s, _ := js.Stream(ctx, proto.StreamFocus)
	si, _ := s.Info(ctx)
	if si.State.Msgs != 0 {
		t.Fatalf("after consuming: %d messages left in the stream, want 0", si.State.Msgs)
	}
}
