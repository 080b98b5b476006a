package fault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	fbolt "trawl.dev/frontier/bolt"
)

// RollingFaults adds a crawler and splits the partitions of frontier-0
// with a new frontier instance, then restarts every service gracefully,
// one at a time (SIGTERM: each drains and exits, then starts again), while
// the crawl runs: the operator's scale-out and rolling upgrade.
func RollingFaults(c Config) []Fault {
	var names []string
	for i := range c.Crawlers {
		names = append(names, fmt.Sprintf("crawler-%d", i))
	}
	for i := range c.Frontiers {
		names = append(names, fmt.Sprintf("frontier-%d", i))
	}
	names = append(names, "classifier-0")
	if c.NATSNodes >= 3 {
		for i := range 3 {
			names = append(names, fmt.Sprintf("natsd-%d", i))
		}
	}
	// The first at 5% of the pages, each next a few seconds after the one
	// before is done: a crawl fetches most of its pages early, so
	// fractions alone would bunch them together. Scale-out comes first, so
	// that the restarts that follow run on the grown cluster.
	const gap = 3 * time.Second
	f := []Fault{
		{At: 0.05, Target: "crawler-0", Kind: "add", Gap: gap},
		{At: 0.051, Target: "frontier-0", Kind: "split", Gap: gap},
	}
	for i, n := range names {
		f = append(f, Fault{At: 0.052 + 0.001*float64(i), Target: n, Kind: "restart", Pause: 500 * time.Millisecond, Gap: gap})
	}
	return f
}

// cluster is the running processes of one crawl, for faults that add some.
type cluster struct {
	c        Config
	byName   map[string]*Proc
	services *[]*Proc // stopped at the end of the run
	all      *[]*Proc // watched for deaths
}

func (cl *cluster) add(p *Proc) error {
	if err := p.Start(); err != nil {
		return err
	}
	cl.byName[p.Name] = p
	*cl.services = append(*cl.services, p)
	*cl.all = append(*cl.all, p)
	return nil
}

// nextName returns the first "<kind>-<n>" not in use.
func (cl *cluster) nextName(kind string) string {
	for i := 0; ; i++ {
		if n := fmt.Sprintf("%s-%d", kind, i); cl.byName[n] == nil {
			return n
		}
	}
}

// apply carries out fault f on target.
func (cl *cluster) apply(ctx context.Context, f Fault, target string) error {
	p := cl.byName[target]
	if p == nil {
		return fmt.Errorf("fault: no process %q", target)
	}
	switch f.Kind {
	case "add":
		// Another process like target, with its own log.
		kind := target[:strings.LastIndex(target, "-")]
		q := &Proc{Name: cl.nextName(kind), Path: p.Path, Args: slices.Clone(p.Args), Env: p.Env}
		q.Log = filepath.Join(cl.c.WorkDir, q.Name+".log")
		return cl.add(q)
	case "split":
		return cl.split(p)
	default:
		return inject(ctx, p, f)
	}
}

// split moves the upper half of a frontier's partitions to a new instance:
// the frontier drains and stops, the files of the moved partitions go to
// the new instance's data directory, and both start, each owning its half
// (the new one claims the moved partitions once the old one has released
// them).
func (cl *cluster) split(p *Proc) error {
	parts := argValue(p.Args, "--partitions")
	data := argValue(p.Args, "--data")
	lo, hi, ok := parseRange(parts)
	if !ok || hi <= lo || data == "" {
		return fmt.Errorf("fault: cannot split %s owning %q", p.Name, parts)
	}
	mid := lo + (hi-lo)/2
	if err := p.Stop(30 * time.Second); err != nil {
		return err
	}
	q := &Proc{Name: cl.nextName("frontier"), Path: p.Path, Args: slices.Clone(p.Args), Env: p.Env}
	q.Log = filepath.Join(cl.c.WorkDir, q.Name+".log")
	qdata := filepath.Join(cl.c.WorkDir, q.Name)
	for part := mid + 1; part <= hi; part++ {
		from, to := fbolt.PartitionPath(data, part), fbolt.PartitionPath(qdata, part)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.Rename(from, to); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("fault: move partition %d: %w", part, err)
		}
	}
	setArg(p.Args, "--partitions", fmt.Sprintf("%d-%d", lo, mid))
	setArg(q.Args, "--partitions", fmt.Sprintf("%d-%d", mid+1, hi))
	setArg(q.Args, "--data", qdata)
	if err := p.Start(); err != nil {
		return err
	}
	return cl.add(q)
}

func argValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func setArg(args []string, name, value string) {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			args[i+1] = value
		}
	}
}

func parseRange(s string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	return lo, hi, err1 == nil && err2 == nil
}
