package readmodel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// FollowOptions configure Follow; nil means defaults.
type FollowOptions struct {
	// BatchSize is the most messages applied in one transaction. Default 5000.
	BatchSize int
	// Linger is how long a batch waits for more messages. Default 20ms.
	Linger time.Duration
	Logger *slog.Logger
	// Now stamps dead letters. Default time.Now.
	Now func() time.Time
}

// Follow applies the VERDICTS and LABELS streams to the index until ctx
// ends, each through an ordered consumer of its own that starts after the
// last sequence the index has applied. A stream whose last sequence is below
// what the index has applied was recreated: the index is reset and built
// again. Messages that cannot be read are counted, dead-lettered to
// trawl.v1.dead.<stream> and skipped. The streams must exist
// (proto.EnsureStreams).
func (ix *Index) Follow(ctx context.Context, js jetstream.JetStream, o *FollowOptions) error {
	var opts FollowOptions
	if o != nil {
		opts = *o
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.Linger <= 0 {
		opts.Linger = 20 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = ix.log
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	streams := []string{proto.StreamVerdicts, proto.StreamLabels}
	for _, name := range streams {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return fmt.Errorf("readmodel: follow %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("readmodel: follow %s: %w", name, err)
		}
		if applied := ix.Applied(name); applied > info.State.LastSeq {
			opts.Logger.Warn("readmodel: stream is behind the index, it was recreated: rebuilding",
				"stream", name, "stream_last_seq", info.State.LastSeq, "applied", applied)
			if err := ix.Reset(); err != nil {
				return err
			}
			break
		}
	}
	var wg sync.WaitGroup
	for _, name := range streams {
		wg.Go(func() { ix.follow(ctx, js, name, &opts) })
	}
	wg.Wait()
	return nil
}

// Ready returns nil once the index has caught up with both streams as they
// were when Follow started, and says how far it is otherwise.
func (ix *Index) Ready() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, s := range []string{proto.StreamVerdicts, proto.StreamLabels} {
		t, ok := ix.targets[s]
		if !ok {
			return fmt.Errorf("readmodel: not following %s yet", s)
		}
		if !t.caught && ix.seqs[s] < t.seq {
			return fmt.Errorf("readmodel: catching up with %s: at %d of %d", s, ix.seqs[s], t.seq)
		}
	}
	return nil
}

type target struct {
	seq    uint64
	caught bool
}

// follow runs one stream's consumer until ctx ends, starting it again after
// a pause when it fails.
func (ix *Index) follow(ctx context.Context, js jetstream.JetStream, stream string, o *FollowOptions) {
	pause := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := ix.followOnce(ctx, js, stream, o)
		if ctx.Err() != nil {
			return
		}
		o.Logger.Warn("readmodel: following a stream failed, will retry", "stream", stream, "in", pause, "err", err)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return
		}
		pause = min(2*pause, 15*time.Second)
	}
}

func (ix *Index) followOnce(ctx context.Context, js jetstream.JetStream, stream string, o *FollowOptions) error {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	applied := ix.Applied(stream)
	ix.mu.Lock()
	if ix.targets == nil {
		ix.targets = make(map[string]target)
	}
	if _, ok := ix.targets[stream]; !ok {
		ix.targets[stream] = target{seq: info.State.LastSeq, caught: info.State.Msgs == 0 || applied >= info.State.LastSeq}
	}
	ix.mu.Unlock()
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if applied > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = applied + 1
	}
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(o.BatchSize))
	if err != nil {
		return err
	}
	msgs := make(chan jetstream.Msg, o.BatchSize)
	done := make(chan error, 1)
	go func() {
		defer close(msgs)
		for {
			m, err := it.Next()
			if err != nil {
				done <- err
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				done <- ctx.Err()
				return
			}
		}
	}()
	defer func() {
		it.Stop()
		for range msgs { // let the reader end
		}
	}()
	for {
		var batch []Record
		var pending uint64
		add := func(m jetstream.Msg) {
			md, err := m.Metadata()
			if err != nil {
				return
			}
			batch = append(batch, Record{Seq: md.Sequence.Stream, Data: m.Data()})
			pending = md.NumPending
		}
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				err := <-done
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) && ctx.Err() != nil {
					return nil
				}
				return err
			}
			add(m)
		}
		// Gather what else arrives within a moment: catching up applies
		// large batches, live changes wait at most Linger.
		linger := time.NewTimer(o.Linger)
	more:
		for len(batch) < o.BatchSize {
			select {
			case m, ok := <-msgs:
				if !ok {
					break more
				}
				add(m)
			case <-linger.C:
				break more
			case <-ctx.Done():
				break more
			}
		}
		linger.Stop()
		if len(batch) == 0 {
			continue
		}
		rejected, err := ix.Apply(stream, batch)
		if err != nil {
			return err
		}
		if pending == 0 {
			ix.mu.Lock()
			t := ix.targets[stream]
			t.caught = true
			ix.targets[stream] = t
			ix.mu.Unlock()
		}
		for _, r := range rejected {
			ix.deadLetter(ctx, js, stream, r, o)
		}
	}
}

// deadLetter publishes a message the index could not apply to the dead
// letter stream, with the message ID the bus uses, so replicas that reject
// the same message store it once.
func (ix *Index) deadLetter(ctx context.Context, js jetstream.JetStream, stream string, r Rejected, o *FollowOptions) {
	dl := &trawlpb.DeadLetter{Subject: stream, Stream: stream, Consumer: "readmodel", Data: r.Data,
		Reason: r.Err.Error(), Deliveries: 1, DeadUnixMs: o.Now().UnixMilli()}
	id := proto.MsgID("dead", stream, strconv.FormatUint(r.Seq, 10))
	// Not the follower's context: a shutdown must not lose the dead letter.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := bus.Publish(pctx, js, proto.SubjectDead+"."+stream, dl, id); err != nil {
		o.Logger.Error("readmodel: dead-letter failed", "stream", stream, "seq", r.Seq, "err", err)
		return
	}
	o.Logger.Warn("readmodel: message skipped and dead-lettered", "stream", stream, "seq", r.Seq, "reason", r.Err.Error())
}
