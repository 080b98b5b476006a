package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"trawl.dev/deploy/node"
)

// progress prints the crawl's live numbers: on a terminal one line redrawn in
// place every second, elsewhere a line every five seconds.
type progress struct {
	w        io.Writer
	n        *node.Node
	quiet    bool
	tty      bool
	start    time.Time
	last     time.Time
	lastDone int64
	every    time.Duration
	printed  bool
}

func newProgress(w io.Writer, n *node.Node, quiet bool) *progress {
	p := &progress{w: w, n: n, quiet: quiet, start: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, time.Second
		}
	}
	p.last = p.start
	return p
}

func (p *progress) tick() {
	if p.quiet || time.Since(p.last) < p.every {
		return
	}
	now := time.Now()
	cs := p.n.Crawler.Stats()
	fs := p.n.Frontier.Stats()
	ks := p.n.Classifier.Stats()
	var failed int64
	for _, n := range cs.Failed {
		failed += n
	}
	done := cs.Fetched + failed
	rate := float64(done-p.lastDone) / now.Sub(p.last).Seconds()
	p.last, p.lastDone = now, done
	line := fmt.Sprintf("%6.1fs  fetched=%d failed=%d  %.0f pages/s  queued=%d in-flight=%d  hosts=%d  sites=%d flagged=%d",
		now.Sub(p.start).Seconds(), cs.Fetched, failed, rate, fs.Queued, fs.InFlight, fs.Hosts, ks.Sites, ks.Flagged)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.printed = true
}

func (p *progress) done() {
	if p.tty && p.printed {
		fmt.Fprintln(p.w)
	}
}
