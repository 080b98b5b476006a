package service

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
)

// pacer keeps the fetch tasks waiting undelivered in FETCH few. A lease
// holds its host and its address from the moment it is issued, so every
// task that waits in the stream for a free crawler adds its wait to the
// time between two fetches of a host (and of an address) as surely as a
// politeness delay does: issuing more than the crawlers can take only
// slows the crawl. Every few milliseconds the pacer reads the crawlers'
// consumer and grants the partitions credit for the difference between
// the backlog it aims at and the one there is; a partition dispatches no
// more leases than it holds credit for, and is woken when credit returns.
type pacer struct {
	js       jetstream.JetStream
	fixed    int // Options.FetchBacklog; 0: automatic
	interval time.Duration

	credit atomic.Int64

	mu      sync.Mutex
	starved map[*partition]bool // took less than they wanted since the last refill

	target, backlog atomic.Int64 // last look, for Stats
}

func newPacer(js jetstream.JetStream, backlog int) *pacer {
	p := &pacer{js: js, fixed: backlog, interval: 20 * time.Millisecond, starved: make(map[*partition]bool)}
	p.credit.Store(int64(p.min()))
	return p
}

func (p *pacer) min() int {
	if p.fixed > 0 {
		return p.fixed
	}
	return minAutoBacklog
}

// minAutoBacklog is the least the automatic backlog aims at.
const minAutoBacklog = 16

// take grants pt up to want leases; a partition that gets less is woken
// after the next refill.
func (p *pacer) take(pt *partition, want int) int {
	if p == nil {
		return want
	}
	for {
		c := p.credit.Load()
		n := min(int64(want), max(c, 0))
		if n == 0 || p.credit.CompareAndSwap(c, c-n) {
			if int(n) < want {
				p.mu.Lock()
				p.starved[pt] = true
				p.mu.Unlock()
			}
			return int(n)
		}
	}
}

// give returns credit a partition took and did not use.
func (p *pacer) give(n int) {
	if p != nil && n > 0 {
		p.credit.Add(int64(n))
	}
}

// run refills the credit until ctx ends.
func (p *pacer) run(ctx context.Context) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		target, backlog, ok := p.look(ctx)
		if !ok {
			continue
		}
		p.target.Store(int64(target))
		p.backlog.Store(int64(backlog))
		p.credit.Store(int64(target - backlog))
		if target <= backlog {
			continue
		}
		p.mu.Lock()
		woken := p.starved
		p.starved = make(map[*partition]bool)
		p.mu.Unlock()
		for pt := range woken {
			select {
			case pt.kick <- struct{}{}:
			default:
			}
		}
	}
}

// look returns the backlog to aim at and the tasks waiting undelivered.
// Automatic: half the tasks the crawlers hold (they pull one per free
// worker, so that is about what frees up before the next look), at least
// minAutoBacklog. Without a crawler consumer yet, every task in the
// stream is waiting.
func (p *pacer) look(ctx context.Context) (target, backlog int, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	target = p.min()
	if cons, err := p.js.Consumer(ctx, proto.StreamFetch, proto.CrawlerDurable); err == nil {
		info := cons.CachedInfo() // just read by Consumer
		if p.fixed <= 0 {
			target = max(target, info.NumAckPending/2, info.NumWaiting)
		}
		return target, int(info.NumPending), true
	}
	s, err := p.js.Stream(ctx, proto.StreamFetch)
	if err != nil {
		return 0, 0, false
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, 0, false
	}
	return target, int(info.State.Msgs), true
}
