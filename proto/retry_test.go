package proto_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
)

func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{nats.ErrNoResponders, true},
		{fmt.Errorf("publish: %w", nats.ErrTimeout), true},
		{jetstream.ErrNoStreamResponse, true},
		{jetstream.ErrConsumerLeadershipChanged, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, true},
		{fmt.Errorf("wrapped: %w", &jetstream.APIError{Code: 500, ErrorCode: 10118, Description: "stream is offline"}), true},
		{jetstream.ErrStreamNotFound, false},
		{&jetstream.APIError{Code: 400, ErrorCode: 10058, Description: "stream name already in use"}, false},
		{proto.ErrPartitionMismatch, false},
		{errors.New("bad config"), false},
	} {
		if got := proto.Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestRetry(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := proto.Retry(ctx, nil, "test", func(context.Context) error {
		calls++
		if calls < 3 {
			return nats.ErrNoResponders
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("transient errors: got %v after %d calls, want nil after 3", err, calls)
	}

	calls = 0
	err = proto.Retry(ctx, nil, "test", func(context.Context) error {
		calls++
		return proto.ErrPartitionMismatch
	})
	if !errors.Is(err, proto.ErrPartitionMismatch) || calls != 1 {
		t.Fatalf("a lasting error: got %v after %d calls, want it at once", err, calls)
	}

	old := proto.SettleTime
	proto.SettleTime = 300 * time.Millisecond
	defer func() { proto.SettleTime = old }()
	calls = 0
	err = proto.Retry(ctx, nil, "test", func(context.Context) error {
		calls++
		return nats.ErrNoResponders
	})
	if !errors.Is(err, nats.ErrNoResponders) || calls < 2 {
		t.Fatalf("transient errors past SettleTime: got %v after %d calls, want the error after several", err, calls)
	}
}
