// Package bus is the one way Trawl's services publish protobuf messages to
// JetStream and consume them with a bounded worker pool, explicit acks,
// in-progress acks for slow work, and dead-lettering of poison messages.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/proto"
	"trawl.dev/proto/trawlpb"
)

// ErrMalformed marks a message that can never be handled: it is dead-lettered
// and terminated at once instead of being retried. Wrap it with %w.
var ErrMalformed = errors.New("bus: malformed message")

// RetryError asks for redelivery after Delay without counting as a failure.
type RetryError struct {
	Delay time.Duration
	Err   error
}

func (e *RetryError) Error() string { return fmt.Sprintf("retry in %v: %v", e.Delay, e.Err) }
func (e *RetryError) Unwrap() error { return e.Err }

// Retry returns a RetryError.
func Retry(d time.Duration, err error) error { return &RetryError{Delay: d, Err: err} }

// Publish marshals m and publishes it on subject with Nats-Msg-Id id (no
// header when id is empty), waiting for the stream's acknowledgement.
func Publish(ctx context.Context, js jetstream.JetStream, subject string, m gproto.Message, id string) error {
	msg, err := Message(subject, m, id)
	if err != nil {
		return err
	}
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("bus: publish %s: %w", subject, err)
	}
	return nil
}

// Message marshals m into a message for subject with Nats-Msg-Id id (no
// header when id is empty), for PublishMsg or PublishMsgAsync.
func Message(subject string, m gproto.Message, id string) (*nats.Msg, error) {
	data, err := gproto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("bus: marshal for %s: %w", subject, err)
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	if id != "" {
		msg.Header.Set(jetstream.MsgIDHeader, id)
	}
	return msg, nil
}

// Decode unmarshals a message body into m, wrapping failures in ErrMalformed.
func Decode(data []byte, m gproto.Message) error {
	if err := gproto.Unmarshal(data, m); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// Handler handles one message. nil acks it; an error wrapping ErrMalformed
// dead-letters and terminates it; a *RetryError naks it with its delay; any
// other error naks it with backoff until MaxDeliver, then dead-letters it.
type Handler func(ctx context.Context, msg jetstream.Msg) error

// Counters count what a consumer did. Safe for concurrent use.
type Counters struct {
	Acked, Retried, Failed, Dead atomic.Int64
}

// ConsumerOptions configure Consume. Stream and Durable are required.
type ConsumerOptions struct {
	Stream        string
	Durable       string
	FilterSubject string        // default: every subject of the stream
	Workers       int           // concurrent handlers; default 1
	MaxAckPending int           // cluster-wide cap in flight; default 2×Workers
	AckWait       time.Duration // default 30s
	MaxDeliver    int           // deliveries before dead-lettering; default 5
	FetchWait     time.Duration // how long one pull waits; default 500ms
	// StateInMemory keeps the consumer's delivery state in the servers'
	// memory instead of a file each rewrites up to ten times a second (with
	// a consumer per partition and stream, those writes cost more CPU than
	// the messages). Only for work-queue streams whose handlers are
	// idempotent: the stream keeps every message until it is acked, so a
	// consumer lost with a whole-server restart is created again and what
	// was not acked is delivered again. A consumer that exists keeps the
	// storage it was created with.
	StateInMemory bool
	Logger        *slog.Logger
	Counters      *Counters
}

// Consume pulls from a durable consumer and runs h on up to Workers messages
// at a time. It blocks until ctx ends, then stops pulling and waits for the
// handlers in flight (they see a context that is not cancelled, so they can
// finish and ack). Messages are only pulled for free workers, so none sit
// unhandled in a client buffer when it stops.
func Consume(ctx context.Context, js jetstream.JetStream, o ConsumerOptions, h Handler) error {
	if o.Stream == "" || o.Durable == "" {
		return errors.New("bus: consume: stream and durable are required")
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.MaxAckPending <= 0 {
		o.MaxAckPending = 2 * o.Workers
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 5
	}
	if o.FetchWait <= 0 {
		o.FetchWait = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Counters == nil {
		o.Counters = new(Counters)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       o.Durable,
		FilterSubject: o.FilterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxAckPending: o.MaxAckPending,
		// A backstop only: poison messages are dead-lettered by us first.
		MaxDeliver:    o.MaxDeliver * 4,
		MemoryStorage: o.StateInMemory,
	}
	// A cluster electing the stream's leader (a node lost, a new cluster)
	// answers with errors for a while: wait for it.
	var cons jetstream.Consumer
	ensure := func() error {
		return proto.Retry(ctx, o.Logger, "consumer "+o.Stream+"/"+o.Durable, func(ctx context.Context) error {
			if old, err := js.Consumer(ctx, o.Stream, o.Durable); err == nil {
				cfg.MemoryStorage = old.CachedInfo().Config.MemoryStorage // cannot be changed
			}
			var err error
			cons, err = js.CreateOrUpdateConsumer(ctx, o.Stream, cfg)
			return err
		})
	}
	if err := ensure(); err != nil {
		return fmt.Errorf("bus: consumer %s/%s: %w", o.Stream, o.Durable, err)
	}
	c := &consumer{js: js, o: o, h: h}
	slots := make(chan struct{}, o.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	// run hands the messages of one pull to workers, each holding one of
	// the slots taken for the pull, gives back the slots it did not use,
	// and returns how many messages there were and why the pull ended when
	// not for lack of messages.
	run := func(batch jetstream.MessageBatch, free int) (int, error) {
		n := 0
		for msg := range batch.Messages() {
			n++
			free--
			wg.Go(func() {
				defer func() { <-slots }()
				c.handle(msg)
			})
		}
		for ; free > 0; free-- {
			<-slots
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) &&
			!errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil {
			o.Logger.Debug("bus: pull ended", "stream", o.Stream, "err", err)
			return n, err
		}
		return n, nil
	}
	failed := func(err error, free int) bool {
		for ; free > 0; free-- {
			<-slots
		}
		if ctx.Err() != nil {
			return true
		}
		o.Logger.Warn("bus: fetch failed", "stream", o.Stream, "durable", o.Durable, "err", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
		// The consumer may be gone (its state was in memory and the
		// servers restarted, or an operator deleted it): create it again.
		if ctx.Err() == nil && ensure() != nil {
			o.Logger.Warn("bus: consumer lost and not created again", "stream", o.Stream, "durable", o.Durable)
		}
		return ctx.Err() != nil
	}
	for ctx.Err() == nil {
		// Wait for at least one free worker, then take all that are free.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		free := 1
	more:
		for free < o.Workers {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break more
			}
		}
		// Take what is waiting at once, without waiting for a full batch:
		// a pull that waits for more while its first messages are done
		// would hold every free worker idle until it expires.
		batch, err := cons.FetchNoWait(free)
		if err != nil {
			if failed(err, free) {
				return nil
			}
			continue
		}
		n, err := run(batch, free)
		if n > 0 {
			continue
		}
		if err != nil { // no responders: the consumer or its server is gone
			if failed(err, 0) {
				return nil
			}
			continue
		}
		// Nothing was waiting: wait for the next message, which ends the
		// pull at once; the loop then takes whatever followed it.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		batch, err = cons.Fetch(1, jetstream.FetchMaxWait(o.FetchWait))
		if err != nil {
			if failed(err, 1) {
				return nil
			}
			continue
		}
		if n, err := run(batch, 1); n == 0 && err != nil && failed(err, 0) {
			return nil
		}
	}
	return nil
}

type consumer struct {
	js jetstream.JetStream
	o  ConsumerOptions
	h  Handler
}

func (c *consumer) handle(msg jetstream.Msg) {
	// Handlers get their own context: a shutdown lets work in flight finish.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A timer, not a goroutine per message, keeps a slow message from
	// being redelivered.
	var (
		mu       sync.Mutex
		finished bool
		progress *time.Timer
	)
	mu.Lock() // progress is set before its function can read it
	progress = time.AfterFunc(c.o.AckWait/3, func() {
		mu.Lock()
		defer mu.Unlock()
		if !finished {
			_ = msg.InProgress()
			progress.Reset(c.o.AckWait / 3)
		}
	})
	mu.Unlock()
	err := c.safeHandle(ctx, msg)
	mu.Lock()
	finished = true
	progress.Stop()
	mu.Unlock()

	var delivered uint64 = 1
	if md, mdErr := msg.Metadata(); mdErr == nil {
		delivered = md.NumDelivered
	}
	var retry *RetryError
	switch {
	case err == nil:
		if aerr := msg.Ack(); aerr != nil {
			c.o.Logger.Warn("bus: ack failed", "subject", msg.Subject(), "err", aerr)
		}
		c.o.Counters.Acked.Add(1)
	case errors.Is(err, ErrMalformed):
		c.dead(msg, delivered, err)
	case errors.As(err, &retry):
		c.o.Counters.Retried.Add(1)
		_ = msg.NakWithDelay(retry.Delay)
	case proto.Transient(err) && delivered < uint64(4*c.o.MaxDeliver-1):
		// NATS itself failed (a publish with no leader to answer while a
		// node is lost): not the message's fault, so it is not dead-lettered
		// while the consumer's backstop lasts.
		c.o.Counters.Retried.Add(1)
		delay := time.Duration(1<<min(delivered, 6)) * 100 * time.Millisecond
		c.o.Logger.Warn("bus: NATS not ready, will retry", "subject", msg.Subject(), "delivered", delivered, "err", err)
		_ = msg.NakWithDelay(delay)
	case delivered >= uint64(c.o.MaxDeliver):
		c.dead(msg, delivered, err)
	default:
		c.o.Counters.Failed.Add(1)
		delay := time.Duration(1<<min(delivered, 6)) * 100 * time.Millisecond
		c.o.Logger.Warn("bus: handler failed, will retry", "subject", msg.Subject(),
			"delivered", delivered, "err", err)
		_ = msg.NakWithDelay(delay)
	}
}

// safeHandle turns a handler panic into an error, so one bad message cannot
// crash a service.
func (c *consumer) safeHandle(ctx context.Context, msg jetstream.Msg) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: handler panic: %v", ErrMalformed, r)
		}
	}()
	return c.h(ctx, msg)
}

// dead publishes msg to the dead-letter stream, then terminates it. If the
// dead letter cannot be stored, the message is nak'ed instead: it is never
// dropped silently.
func (c *consumer) dead(msg jetstream.Msg, delivered uint64, cause error) {
	dl := &trawlpb.DeadLetter{
		Subject:    msg.Subject(),
		Stream:     c.o.Stream,
		Consumer:   c.o.Durable,
		Data:       msg.Data(),
		Reason:     cause.Error(),
		Deliveries: delivered,
		DeadUnixMs: time.Now().UnixMilli(),
	}
	id := ""
	if md, err := msg.Metadata(); err == nil {
		id = proto.MsgID("dead", c.o.Stream, fmt.Sprint(md.Sequence.Stream))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Publish(ctx, c.js, proto.SubjectDead+"."+c.o.Stream, dl, id); err != nil {
		c.o.Logger.Error("bus: dead-letter failed, nak", "subject", msg.Subject(), "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	c.o.Counters.Dead.Add(1)
	c.o.Logger.Warn("bus: message dead-lettered", "subject", msg.Subject(), "reason", cause.Error())
	_ = msg.Term()
}
