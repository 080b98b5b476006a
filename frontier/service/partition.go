package service

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/frontier"
	"trawl.dev/frontier/bolt"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
)

// errStopping is returned to a handler whose partition is shutting down.
var errStopping = errors.New("frontier/service: partition stopping")

// partition is one owned partition: its store and scheduler, owned by one
// goroutine (loop) that applies requests from the handlers in batches, and a
// publisher that sends the leases it issues to FETCH.
type partition struct {
	p     int
	svc   *Service
	store *bolt.Store
	sched *frontier.Scheduler

	reqs chan *request
	pub  chan frontier.Lease
	kick chan struct{} // the pacer has credit again
	quit chan struct{}
	// stopping closes when the service stops pulling: admissions are no
	// longer held back, so that the handlers waiting for them can finish.
	stopping <-chan struct{}

	// Mirrors of the loop's state, for Stats and metrics.
	counts  atomic.Pointer[frontier.Counts]
	hosts   atomic.Int64
	paused  atomic.Bool
	seen    atomic.Pointer[bolt.SeenStats]
	waiting atomic.Pointer[map[string]int]
	top     atomic.Pointer[[]frontier.HostView]
	viewed  time.Time // when waiting and top were last computed
}

// request is one handler's change; exactly one of its fields is set.
type request struct {
	admit    []frontier.Task
	outcomes []frontier.Outcome
	focus    *focus
	call     func(*frontier.Scheduler) error // control requests, address lookups
	done     chan error
}

type focus struct {
	site     string
	priority int32
}

// maxTake bounds the leases a partition asks the pacer for at once.
const maxTake = 8

// maxBatch bounds the requests committed in one transaction.
const maxBatch = 256

// defaultAdmitDelay is how long discovered links wait to share a commit
// (Options.AdmitDelay). Each commit of a partition's file costs two fsyncs;
// links arrive several per page fetched, and admitting them a little later
// costs the crawl next to nothing (their hosts have other URLs queued, or
// wait for a politeness delay), while outcomes and leases, which a host
// waits for, commit at once. Measured by crawlbench (2,000 sites, 16
// partitions): the process wrote 1.6 GB instead of 2.1 and crawled 480–490
// pages/s instead of 361.
const defaultAdmitDelay = 100 * time.Millisecond

// maxHeldAdmits bounds the admissions held back for a shared commit.
const maxHeldAdmits = 4096

// do hands r to the partition's loop and waits until it has committed.
func (pt *partition) do(r *request) error {
	r.done = make(chan error, 1)
	select {
	case pt.reqs <- r:
		return <-r.done
	case <-pt.quit:
		return errStopping
	}
}

// run calls fn on the partition's loop, with its scheduler, and waits.
func (pt *partition) run(fn func(*frontier.Scheduler) error) error {
	return pt.do(&request{call: fn})
}

func (pt *partition) mirror() {
	c := pt.sched.Counts()
	pt.counts.Store(&c)
	pt.hosts.Store(int64(pt.sched.Hosts()))
	pt.paused.Store(pt.sched.Paused())
	ss := pt.store.SeenStats()
	pt.seen.Store(&ss)
	// Why hosts wait costs a pass over the active hosts: now and then, the
	// more hosts the less often.
	every := 2 * time.Second * time.Duration(1+pt.hosts.Load()/20000)
	if now := time.Now(); now.Sub(pt.viewed) >= every {
		pt.viewed = now
		w := pt.sched.Waiting()
		pt.waiting.Store(&w)
		top := pt.sched.TopHosts(pt.svc.o.TopHosts)
		pt.top.Store(&top)
	}
}

// loop applies requests and dispatches leases until quit is closed.
func (pt *partition) loop() {
	log := pt.svc.o.Logger.With("partition", pt.p)
	timer := time.NewTimer(0)
	defer timer.Stop()
	// The tick catches up with a clock (Options.Now) that is not the wall
	// clock, and with per-IP slots freed by other partitions.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var (
		held      []*request // admissions waiting to share a commit
		heldTasks int
		heldSince time.Time
		stopping  = pt.stopping
		hold      = pt.svc.o.AdmitDelay
	)
	defer func() {
		for _, r := range held {
			r.done <- errStopping
		}
	}()
	for {
		var batch []*request
		take := func(r *request) {
			if r.admit == nil {
				batch = append(batch, r)
				return
			}
			if len(held) == 0 {
				heldSince = time.Now()
			}
			held = append(held, r)
			heldTasks += len(r.admit)
		}
		select {
		case r := <-pt.reqs:
			take(r)
		more:
			for len(batch)+len(held) < maxBatch {
				select {
				case r := <-pt.reqs:
					take(r)
				default:
					break more
				}
			}
		case <-timer.C:
		case <-pt.sched.Woken():
		case <-pt.kick:
		case <-tick.C:
		case <-stopping:
			stopping, hold = nil, 0
		case <-pt.quit:
			return
		}
		if len(held) > 0 && (time.Since(heldSince) >= hold || heldTasks >= maxHeldAdmits || len(held) >= maxBatch) {
			batch = append(batch, held...)
			held, heldTasks = nil, 0
		}
		pt.apply(batch)
		more, merr := pt.sched.Maintain()
		if merr != nil {
			log.Error("frontier: upkeep failed", "err", merr)
		}
		// Credit is asked for only when a host is due, a few leases at a
		// time, so that partitions share it.
		want := 0
		if t, ok := pt.sched.Wake(); ok && !t.After(pt.svc.o.Now()) {
			want = min(pt.sched.Free(), maxTake)
		}
		got := pt.svc.pace.take(pt, want)
		leases, err := pt.sched.DispatchUpTo(got)
		pt.svc.pace.give(got - len(leases))
		starved := got < want
		if err != nil {
			log.Error("frontier: dispatch failed", "err", err)
		}
		pt.resolve()
		pt.mirror()
		for _, l := range leases {
			pt.pub <- l
		}
		wait := time.Hour
		if t, ok := pt.sched.Wake(); ok {
			wait = max(t.Sub(pt.svc.o.Now()), 0)
		}
		if starved {
			// The pacer kicks the loop when credit returns; the timer is
			// a backstop.
			wait = max(wait, 250*time.Millisecond)
		}
		switch {
		case err != nil || merr != nil:
			wait = max(wait, 100*time.Millisecond)
		case more:
			wait = 0
		}
		if len(held) > 0 {
			wait = min(wait, max(hold-time.Since(heldSince), 0))
		}
		timer.Reset(wait)
	}
}

// resolve hands the hosts waiting for an address to the instance's lookups.
func (pt *partition) resolve() {
	lk := pt.svc.lookups
	if lk == nil {
		return
	}
	free := cap(lk) - len(lk)
	if free <= 0 {
		return
	}
	// Never block here: the lookups hand their answers back through this
	// loop.
	for _, h := range pt.sched.Unresolved(free) {
		select {
		case lk <- lookup{pt: pt, host: h}:
		default:
			pt.sched.RetryLookup(h)
		}
	}
}

// apply commits a batch: all admissions in one transaction, all outcomes in
// another, focus hints and control calls one by one (they are rare).
func (pt *partition) apply(batch []*request) {
	var tasks []frontier.Task
	var outcomes []frontier.Outcome
	for _, r := range batch {
		tasks = append(tasks, r.admit...)
		outcomes = append(outcomes, r.outcomes...)
	}
	var admitErr, completeErr error
	if len(tasks) > 0 {
		a, err := pt.sched.Admit(tasks)
		admitErr = err
		pt.svc.stats.duplicates.Add(int64(a.Duplicate))
		pt.svc.stats.overBudget.Add(int64(a.OverBudget))
		pt.svc.stats.blocked.Add(int64(a.Blocked))
	}
	if len(outcomes) > 0 {
		c, err := pt.sched.Complete(outcomes)
		completeErr = err
		pt.svc.stats.staleOutcomes.Add(int64(c.Ignored))
	}
	for _, r := range batch {
		switch {
		case r.admit != nil:
			r.done <- admitErr
		case r.outcomes != nil:
			r.done <- completeErr
		case r.focus != nil:
			r.done <- pt.sched.Focus(r.focus.site, r.focus.priority)
		case r.call != nil:
			r.done <- r.call(pt.sched)
		default:
			r.done <- nil
		}
	}
}

// publish sends leases to FETCH: first the leases found at start (a crash
// may have come between their commit and their publish; the message ID,
// derived from the lease, drops a second copy), then those the loop issues.
// A lease that cannot be published is left to expire and be reissued.
//
// Leases go out asynchronously, without waiting for one's ack before the
// next: a lease holds its host and address until its outcome returns, so
// time spent queued behind other leases' acks is time the host sits idle.
// A second goroutine confirms the acks and publishes again, synchronously,
// what failed.
func (pt *partition) publish(outstanding []frontier.Lease) {
	type sent struct {
		l   frontier.Lease
		ack jetstream.PubAckFuture
	}
	acks := make(chan sent, cap(pt.pub))
	confirmed := make(chan struct{})
	go func() {
		defer close(confirmed)
		for a := range acks {
			select {
			case <-a.ack.Ok():
				pt.svc.stats.published.Add(1)
			case <-a.ack.Err():
				pt.svc.stats.publishErrors.Add(1)
				pt.publishOne(a.l)
			}
		}
	}()
	send := func(l frontier.Lease) {
		msg, err := bus.Message(proto.Partitioned(proto.SubjectFetch, pt.p), toFetchTask(l, pt.p), proto.MsgID("fetch", l.ID))
		if err == nil {
			var ack jetstream.PubAckFuture
			if ack, err = pt.svc.js.PublishMsgAsync(msg); err == nil {
				acks <- sent{l, ack}
				return
			}
		}
		pt.svc.stats.publishErrors.Add(1)
		pt.publishOne(l)
	}
	for _, l := range outstanding {
		send(l)
	}
	for l := range pt.pub {
		send(l)
	}
	close(acks)
	<-confirmed
}

func (pt *partition) publishOne(l frontier.Lease) {
	s := pt.svc
	subject := proto.Partitioned(proto.SubjectFetch, pt.p)
	task := toFetchTask(l, pt.p)
	for attempt := 1; ; attempt++ {
		if !s.o.Now().Before(l.Expires) {
			return // expired: the scheduler reissues it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := bus.Publish(ctx, s.js, subject, task, proto.MsgID("fetch", l.ID))
		cancel()
		if err == nil {
			s.stats.published.Add(1)
			return
		}
		s.stats.publishErrors.Add(1)
		// NATS electing a stream leader (a node lost) answers with errors
		// for a few seconds: those are retried until the lease expires.
		if attempt >= 5 && !proto.Transient(err) {
			s.o.Logger.Error("frontier: publish fetch task failed; the lease will expire and be reissued",
				"partition", pt.p, "url", l.Task.URL, "err", err)
			return
		}
		time.Sleep(min(time.Duration(attempt)*200*time.Millisecond, 2*time.Second))
	}
}
