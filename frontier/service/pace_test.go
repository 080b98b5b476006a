package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/frontier/service"
	"trawl.dev/proto"
)

// TestPacing: with crawlers that take nothing, the frontier leaves only
// about the backlog it aims at waiting in FETCH, where without pacing it
// issues a lease to every due host; once the crawlers take tasks, the
// paced frontier issues more.
func TestPacing(t *testing.T) {
	const hosts = 120
	seeds := make([]string, hosts)
	for i := range seeds {
		seeds[i] = fmt.Sprintf("http://pace%d.example.ru/", i)
	}
	for _, tc := range []struct {
		name     string
		backlog  int
		min, max uint64
	}{
		{"paced", 10, 10, 10 + 4*8}, // the aim, plus at most one grant per partition in flight
		{"unpaced", -1, hosts, hosts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, js, _ := mustConnect(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// The crawlers' consumer exists and pulls nothing yet.
			cons, err := js.CreateOrUpdateConsumer(ctx, proto.StreamFetch, jetstream.ConsumerConfig{
				Durable: proto.CrawlerDurable, AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 1000})
			if err != nil {
				t.Fatal(err)
			}
			o := options(t.TempDir())
			o.MaxInFlight = 1000
			o.FetchBacklog = tc.backlog
			s, err := service.New(js.Conn(), o)
			if err != nil {
				t.Fatal(err)
			}
			run(t, s)
			if err := s.Seed(ctx, seeds...); err != nil {
				t.Fatal(err)
			}
			pending := func() uint64 {
				info, err := cons.Info(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return info.NumPending
			}
			// Wait until every seed is queued and the frontier has stopped
			// issuing.
			var n uint64
			for stable := 0; stable < 10; {
				time.Sleep(50 * time.Millisecond)
				st := s.Stats()
				if now := pending(); now == n && st.Seen == hosts {
					stable++
				} else {
					n, stable = now, 0
				}
				if ctx.Err() != nil {
					t.Fatalf("seeds not all admitted: %+v", st)
				}
			}
			if n < tc.min || n > tc.max {
				t.Fatalf("%d tasks waiting in FETCH, want %d to %d", n, tc.min, tc.max)
			}
			if tc.backlog < 0 {
				return
			}
			// Take some: the frontier refills to its aim.
			batch, err := cons.FetchNoWait(int(n))
			if err != nil {
				t.Fatal(err)
			}
			taken := 0
			for m := range batch.Messages() {
				taken++
				_ = m.Ack()
			}
			deadline := time.Now().Add(10 * time.Second)
			for pending() < tc.min {
				if time.Now().After(deadline) {
					t.Fatalf("took %d tasks; FETCH not refilled: %d waiting", taken, pending())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := pending(); got > tc.max {
				t.Fatalf("after taking %d: %d tasks waiting, want at most %d", taken, got, tc.max)
			}
		})
	}
}
