package proto

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// SettleTime bounds how long Retry keeps retrying errors that a NATS
// cluster clears by itself (a leader election, a node restarting, a new
// cluster placing its streams) before it gives the error back.
var SettleTime = 2 * time.Minute

// Transient reports whether err is one a NATS cluster clears by itself:
// no responders or no answer (no leader at the moment, the connection moving
// to another node), a leadership change, a stream or consumer offline while
// its group elects a leader, "JetStream system temporarily unavailable" and
// other 503 answers. Errors about the request itself (not found, bad config,
// a wrong partition count) are not transient.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrConsumerLeadershipChanged) || errors.Is(err, jetstream.ErrNoHeartbeat) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, nats.ErrNoServers) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
		return true
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode {
		case 10007, // JetStream cluster not assigned to this server
			10009, // JetStream cluster can not handle request
			10118, // stream is offline
			10119, // consumer is offline
			10194, // stream is offline: reason
			10195, // consumer is offline: reason
			10202: // cluster member change is in progress
			return true
		}
		return api.Code == 503 || api.Code == 408
	}
	return false
}

// Retry calls fn until it returns nil or an error that is not Transient,
// waiting between calls with jittered backoff (100ms doubling to 5s). It
// gives up with the last error when ctx ends or the errors last longer than
// SettleTime. Each call gets ctx; a JetStream call without a deadline in its
// context times out after the client's default (5s), so one call cannot hang.
// log, when set, gets a warning for each failed call after the first.
func Retry(ctx context.Context, log *slog.Logger, what string, fn func(ctx context.Context) error) error {
	var first time.Time
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
		if first.IsZero() {
			first = time.Now()
		} else if time.Since(first) > SettleTime {
			return err
		}
		if log != nil && attempt > 1 {
			log.Warn("NATS not ready, retrying", "what", what, "attempt", attempt, "err", err)
		}
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		wait = min(2*wait, 5*time.Second)
	}
}
