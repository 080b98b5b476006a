package proto_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/natstest"
)

// TestVerdictHistoryGrowsOnAnExistingStream starts from a VERDICTS stream
// as it was when it kept one verdict per site, and checks that services
// ensuring the streams without a history setting raise it to the default,
// keep a longer one an operator chose, and that an explicit setting wins.
func TestVerdictHistoryGrowsOnAnExistingStream(t *testing.T) {
	ns := natstest.MustStart(t)
	_, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	subject := proto.VerdictSubject("example.ru")
	published := 0
	publish := func(n int) {
		t.Helper()
		for range n {
			published++
			if _, err := js.Publish(ctx, subject, fmt.Appendf(nil, "verdict %d", published)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// kept returns the stream's per-subject limit and how many messages of
	// the site it holds.
	kept := func() (int64, uint64) {
		t.Helper()
		s, err := js.Stream(ctx, proto.StreamVerdicts)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
		if err != nil {
			t.Fatal(err)
		}
		return info.Config.MaxMsgsPerSubject, info.State.Subjects[subject]
	}
	ensure := func(o proto.StreamOptions) {
		t.Helper()
		if err := proto.EnsureStreams(ctx, js, o); err != nil {
			t.Fatal(err)
		}
	}

	ensure(proto.StreamOptions{VerdictHistory: 1}) // the old default
	publish(3)
	if limit, n := kept(); limit != 1 || n != 1 {
		t.Fatalf("old stream: got limit %d and %d messages, want 1 and 1", limit, n)
	}

	ensure(proto.StreamOptions{}) // a service of this version starts
	publish(3)
	if limit, n := kept(); limit != proto.DefaultVerdictHistory || n != 4 {
		t.Fatalf("after update: got limit %d and %d messages, want %d and 4 (1 kept before, 3 since)",
			limit, n, proto.DefaultVerdictHistory)
	}
	publish(proto.DefaultVerdictHistory)
	if _, n := kept(); n != proto.DefaultVerdictHistory {
		t.Fatalf("got %d messages, want the last %d", n, proto.DefaultVerdictHistory)
	}

	ensure(proto.StreamOptions{VerdictHistory: 50}) // an operator asks for more
	ensure(proto.StreamOptions{})                   // another service starts without the setting
	if limit, _ := kept(); limit != 50 {
		t.Fatalf("got limit %d, want the operator's 50 kept by a service that did not set it", limit)
	}

	ensure(proto.StreamOptions{VerdictHistory: 2}) // an explicit smaller setting wins
	if limit, n := kept(); limit != 2 || n != 2 {
		t.Fatalf("got limit %d and %d messages, want 2 and 2", limit, n)
	}
}

func TestStreamsDefaultVerdictHistory(t *testing.T) {
	for _, cfg := range proto.Streams(proto.StreamOptions{}) {
		if cfg.Name == proto.StreamVerdicts {
			if cfg.MaxMsgsPerSubject != proto.DefaultVerdictHistory {
				t.Fatalf("VERDICTS keeps %d per site, want %d", cfg.MaxMsgsPerSubject, proto.DefaultVerdictHistory)
			}
			return
		}
	}
	t.Fatal("no VERDICTS stream in the specs")
}
