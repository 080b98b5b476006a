// Package bolt keeps a frontier partition's state in one bbolt file: the
// seen set, the per-host queues, host and site states, and leases. Store
// implements frontier.Store; every method is one write transaction, so a
// batch of admissions or outcomes costs one fsync.
//
// The seen set is DRUM-like (see seen.go): 64-bit URL hashes behind a bloom
// filter; the hashes a transaction adds go to a small log in that same
// transaction (so an admitted URL is durable before its message is
// acknowledged), and are merged in sorted rounds into packed chunks, a
// slice of the hash space per transaction. Store.Check is the seen set
// alone, which frontier bench measures. A file records its partition and
// the partition count (Options.Partition, NumPartitions), so it can be moved
// to another instance and is refused under another layout (ErrLayout).
//
// Layout (buckets):
//
//	seenset be64(first hash) → sorted be64 hashes       (see seen.go)
//	seenlog be64(seq) → be64 hashes not yet merged
//	queue   host 0x00 be64(MaxInt32-priority) be64(seq) → task
//	hosts   host                                       → host state (politeness, override)
//	sites   site                                       → admitted count, priority, budget, recrawl
//	sitehosts site 0x00 host                           → (the hosts of a site)
//	inlinks site 0x00 linking site                     → (distinct sites linking to a site)
//	recrawl site                                       → be64(unix ns of its next recrawl)
//	leases  lease id                                   → lease (task, expiry)
//	meta    "counts"                                   → totals and the queue sequence
//	        "layout"                                   → partition number and count
//	        "paused"                                   → 1 while dispatching is paused
//
// Caveats: the totals in meta are kept by the same transactions that change
// the buckets, so they are exact but must not be edited by hand. bbolt never
// returns space to the file system; compact offline. A Store keeps the seen
// set's bloom filter and unmerged hashes in memory: one goroutine writes
// (Admit, Lease, Complete, Expire, Focus, Maintain); reads may come from
// others.
package bolt

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/frontier"
	"trawl.dev/proto/boltmem"
)

var (
	bucketQueue     = []byte("queue")
	bucketHosts     = []byte("hosts")
	bucketSites     = []byte("sites")
	bucketSiteHosts = []byte("sitehosts")
	bucketInlinks   = []byte("inlinks")
	bucketRecrawl   = []byte("recrawl")
	bucketLeases    = []byte("leases")
	bucketMeta      = []byte("meta")
	keyCounts       = []byte("counts")
	keyLayout       = []byte("layout")
	keyPaused       = []byte("paused")
)

// ErrLayout is returned by Open for a file that belongs to another partition
// or to a cluster with another partition count: its URLs would be in the
// wrong place.
var ErrLayout = errors.New("frontier/bolt: file belongs to another partition layout")

// Options configure Open. Nil means defaults.
type Options struct {
	// NoSync skips the fsync of each commit: much faster, but a power loss
	// (not a process crash) can lose the last commits. For tests and demos.
	NoSync bool
	// Partition and NumPartitions, when NumPartitions > 0, are recorded in a
	// new file and checked in an existing one (ErrLayout), so that a file
	// moved to another instance is opened as the partition it is.
	Partition, NumPartitions int
	// Timeout bounds the wait for the file lock held by another process;
	// default 5s.
	Timeout time.Duration

	// The seen set (see seen.go). Unmerged hashes start a merge round when
	// they reach an eighth of the set on disk, at least MinMergeThreshold
	// and at most MergeThreshold (default 512Ki; memory holds up to about
	// twice as many);
	// MergeStepBytes of the on-disk set are rewritten per merge transaction
	// (default 4 MiB); the bloom filter has BloomFPRate false positives
	// (default 1%) and is sized for at least BloomMinCapacity URLs (default
	// 64Ki), and for twice the set when it is rebuilt.
	MergeThreshold   int
	MergeStepBytes   int
	BloomFPRate      float64
	BloomMinCapacity int
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MergeThreshold <= 0 {
		o.MergeThreshold = DefaultMergeThreshold
	}
	if o.MergeStepBytes <= 0 {
		o.MergeStepBytes = DefaultMergeStepBytes
	}
	if o.BloomFPRate <= 0 || o.BloomFPRate >= 1 {
		o.BloomFPRate = DefaultBloomFPRate
	}
	if o.BloomMinCapacity <= 0 {
		o.BloomMinCapacity = DefaultBloomMinCapacity
	}
	return o
}

// Store is one partition's bbolt file.
type Store struct {
	db      *bbolt.DB
	seen    *seenSet
	release func() // stops boltmem.Keep
}

var _ frontier.Store = (*Store)(nil)

// PartitionPath returns the file of partition p under the data directory.
func PartitionPath(dataDir string, p int) string {
	return filepath.Join(dataDir, "frontier", "part-"+strconv.Itoa(p)+".db")
}

// Open opens or creates the file at path (and its directory).
func Open(path string, o *Options) (*Store, error) {
	if o == nil {
		o = &Options{}
	}
	opts := o.withDefaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("frontier/bolt: open %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{
		Timeout:        opts.Timeout,
		NoSync:         o.NoSync,
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("frontier/bolt: open %s: %w", path, err)
	}
	st := &Store{db: db}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketSeenSet, bucketSeenLog, bucketQueue, bucketHosts, bucketSites,
			bucketSiteHosts, bucketInlinks, bucketRecrawl, bucketLeases, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := checkLayout(tx.Bucket(bucketMeta), opts); err != nil {
			return err
		}
		if err := indexSiteHosts(tx); err != nil {
			return err
		}
		c, _, err := loadCounts(tx.Bucket(bucketMeta))
		if err != nil {
			return err
		}
		st.seen, err = loadSeen(tx, opts, c.Seen)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("frontier/bolt: open %s: %w", path, err)
	}
	st.release = boltmem.Keep(db, 0)
	return st, nil
}

func checkLayout(meta *bbolt.Bucket, o Options) error {
	if o.NumPartitions <= 0 {
		return nil
	}
	v := meta.Get(keyLayout)
	if v == nil {
		return meta.Put(keyLayout, encoder{codecVersion}.int(int64(o.Partition)).int(int64(o.NumPartitions)))
	}
	d := newDecoder(v)
	p, n := int(d.int()), int(d.int())
	if d.err != nil {
		return fmt.Errorf("layout: %w", d.err)
	}
	if p != o.Partition || n != o.NumPartitions {
		return fmt.Errorf("%w: the file is partition %d of %d, opened as %d of %d", ErrLayout, p, n, o.Partition, o.NumPartitions)
	}
	return nil
}

// indexSiteHosts fills the sitehosts bucket of a file written before it
// existed.
func indexSiteHosts(tx *bbolt.Tx) error {
	sh := tx.Bucket(bucketSiteHosts)
	if k, _ := sh.Cursor().First(); k != nil {
		return nil
	}
	return tx.Bucket(bucketHosts).ForEach(func(k, v []byte) error {
		h, err := unmarshalHost(v)
		if err != nil || h.Site == "" {
			return nil
		}
		return sh.Put(append(hostPrefix(h.Site), k...), nil)
	})
}

// Close closes the file.
func (s *Store) Close() error {
	if s.release != nil {
		s.release()
	}
	return s.db.Close()
}

// Path returns the file's path.
func (s *Store) Path() string { return s.db.Path() }

func queueKey(host string, priority int32, seq uint64) []byte {
	k := make([]byte, 0, len(host)+17)
	k = append(k, host...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(math.MaxInt32-int64(priority)))
	return binary.BigEndian.AppendUint64(k, seq)
}

func hostPrefix(host string) []byte { return append([]byte(host), 0) }

// Hosts calls fn for every host with queued URLs or a lease in flight.
func (s *Store) Hosts(fn func(frontier.HostEntry) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		q := tx.Bucket(bucketQueue)
		return tx.Bucket(bucketHosts).ForEach(func(k, v []byte) error {
			h, err := unmarshalHost(v)
			if err != nil {
				return fmt.Errorf("frontier/bolt: host %q: %w", k, err)
			}
			if h.Queued == 0 && h.Lease == "" {
				return nil
			}
			return fn(frontier.HostEntry{Host: string(k), State: h, Head: head(q, string(k))})
		})
	})
}

// Leases calls fn for every lease.
func (s *Store) Leases(fn func(frontier.Lease) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLeases).ForEach(func(k, v []byte) error {
			l, err := unmarshalLease(v)
			if err != nil {
				return fmt.Errorf("frontier/bolt: lease %q: %w", k, err)
			}
			return fn(l)
		})
	})
}

// Counts returns the committed totals.
func (s *Store) Counts() (frontier.Counts, error) {
	var c frontier.Counts
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		c, _, err = loadCounts(tx.Bucket(bucketMeta))
		return err
	})
	return c, err
}

// State implements frontier.Store.
func (s *Store) State() (frontier.PartitionState, error) {
	var st frontier.PartitionState
	err := s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyPaused); len(v) == 1 && v[0] == 1 {
			st.Paused = true
		}
		return tx.Bucket(bucketRecrawl).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				st.Recrawls = append(st.Recrawls, frontier.Recrawl{Site: string(k), At: time.Unix(0, int64(binary.BigEndian.Uint64(v)))})
			}
			return nil
		})
	})
	return st, err
}

// SetPaused implements frontier.Store.
func (s *Store) SetPaused(paused bool) error {
	v := []byte{0}
	if paused {
		v[0] = 1
	}
	return s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyPaused, v) })
}

// Admit implements frontier.Store. URLs are checked against the seen set in
// hash order, so each chunk of it is read once; queues get the new URLs in
// the order given.
func (s *Store) Admit(tasks []frontier.Task, p frontier.Policy) (frontier.Admitted, error) {
	type keyed struct {
		hash uint64
		i    int
	}
	ks := make([]keyed, len(tasks))
	for i, t := range tasks {
		ks[i] = keyed{Hash(t.URL), i}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Or(cmp.Compare(a.hash, b.hash), a.i-b.i) })
	var a frontier.Admitted
	ch, err := s.update(func(t *txn) error {
		a = frontier.Admitted{}
		// Linking sites first: a link from a new site raises the budget
		// for the URLs it brings along.
		for _, task := range tasks {
			if err := t.link(task, p); err != nil {
				return err
			}
		}
		fresh := make([]bool, len(tasks))
		for j, k := range ks {
			task := tasks[k.i]
			if j > 0 && ks[j-1].hash == k.hash || t.look.has(k.hash) {
				a.Duplicate++
				continue
			}
			blocked, err := t.blocked(task.Host)
			if err != nil {
				return err
			}
			if blocked {
				a.Blocked++
				continue
			}
			site, err := t.site(task.Site)
			if err != nil {
				return err
			}
			if limit := site.budget(p); limit > 0 && site.Admitted >= limit {
				a.OverBudget++
				continue
			}
			t.added = append(t.added, k.hash)
			site.Admitted++
			fresh[k.i] = true
		}
		for i, task := range tasks {
			if !fresh[i] {
				continue
			}
			task.Priority = max(task.Priority, t.siteSt[task.Site].Priority)
			if err := t.enqueue(task); err != nil {
				return err
			}
			t.counts.Seen++
			a.New++
		}
		return nil
	})
	a.Change = ch
	return a, err
}

// budget is the site's page budget: the operator's, or the policy's for the
// sites linking to it.
func (st *siteState) budget(p frontier.Policy) int64 {
	if st.Budget > 0 {
		return st.Budget
	}
	return p.Budget(st.Linking)
}

// Check checks urls against the seen set and adds those not in it, in one
// transaction, without queueing anything: the seen set alone, as the
// benchmark measures it. fresh[i] reports whether urls[i] was new.
func (s *Store) Check(urls []string) (fresh []bool, err error) {
	type keyed struct {
		hash uint64
		i    int
	}
	ks := make([]keyed, len(urls))
	for i, u := range urls {
		ks[i] = keyed{Hash(u), i}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Or(cmp.Compare(a.hash, b.hash), a.i-b.i) })
	fresh = make([]bool, len(urls))
	_, err = s.update(func(t *txn) error {
		clear(fresh)
		for j, k := range ks {
			if j > 0 && ks[j-1].hash == k.hash || t.look.has(k.hash) {
				continue
			}
			t.added = append(t.added, k.hash)
			t.counts.Seen++
			fresh[k.i] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// Maintain does one step of the seen set's upkeep, if one is due: a merge
// transaction, or a rebuild of the bloom filter for a set that outgrew it.
// It reports whether more steps are due.
func (s *Store) Maintain() (bool, error) {
	switch {
	case s.seen.round != nil:
		if err := s.db.Update(s.seen.mergeStep); err != nil {
			return true, fmt.Errorf("frontier/bolt: merge seen set: %w", err)
		}
		s.seen.stepDone()
	case uint(s.seen.count) > s.seen.capacity:
		if err := s.db.View(s.seen.rebuildFilter); err != nil {
			return true, fmt.Errorf("frontier/bolt: rebuild bloom filter: %w", err)
		}
	}
	return s.seen.needsWork(), nil
}

// SeenStats describes the seen set. Call it from the writer's goroutine.
func (s *Store) SeenStats() SeenStats { return s.seen.stats() }

// Lease implements frontier.Store.
func (s *Store) Lease(hosts []string, p frontier.Policy, now time.Time) ([]frontier.Lease, frontier.Change, error) {
	var leases []frontier.Lease
	ch, err := s.update(func(t *txn) error {
		leases = leases[:0]
		for _, host := range hosts {
			h, err := t.host(host)
			if err != nil {
				return err
			}
			if h.Lease != "" || h.Queued == 0 {
				continue
			}
			c := t.queue.Cursor()
			prefix := hostPrefix(host)
			k, v := c.Seek(prefix)
			if k == nil || !bytes.HasPrefix(k, prefix) {
				// The count disagrees with the queue: trust the queue.
				t.counts.Queued -= h.Queued
				h.Queued = 0
				continue
			}
			task, err := unmarshalTask(v)
			if err := c.Delete(); err != nil {
				return err
			}
			h.Queued--
			t.counts.Queued--
			if err != nil {
				t.counts.Dropped++ // a corrupt entry must not block its host
				continue
			}
			task.Attempt++
			l := frontier.Lease{ID: task.LeaseID(), Task: task, Expires: now.Add(p.LeaseTTL)}
			if err := t.leases.Put([]byte(l.ID), marshalLease(l)); err != nil {
				return err
			}
			h.Lease = l.ID
			t.counts.Leased++
			leases = append(leases, l)
		}
		return nil
	})
	if err != nil {
		return nil, frontier.Change{}, err
	}
	return leases, ch, nil
}

// Complete implements frontier.Store.
func (s *Store) Complete(outcomes []frontier.Outcome, p frontier.Policy, now time.Time) (frontier.Completed, error) {
	var c frontier.Completed
	ch, err := s.update(func(t *txn) error {
		c.Accepted, c.Ignored = 0, 0
		for _, o := range outcomes {
			l, ok, err := t.takeLease(o.LeaseID)
			if err != nil {
				return err
			}
			if !ok {
				c.Ignored++
				continue
			}
			h, err := t.host(l.Task.Host)
			if err != nil {
				return err
			}
			if h.Lease == l.ID {
				*h = p.Apply(*h, o, now)
			}
			c.Accepted++
			t.counts.Fetched++
			if o.Failed() {
				t.counts.Failed++
			}
			switch {
			case o.RobotsUnavailable() && p.Park(l.Task.Parked+1):
				// The URL was not tried: it waits for the host's robots.txt.
				task := l.Task
				task.Parked++
				if err := t.enqueue(task); err != nil {
					return err
				}
				t.counts.Parked++
			case o.RobotsUnavailable():
				t.counts.Dropped++
			case p.Retry(o, l.Task.Tries()):
				if err := t.enqueue(l.Task); err != nil {
					return err
				}
				t.counts.Retried++
			case o.HostError():
				t.counts.Dropped++
			}
			if o.FinalURL != "" && o.FinalURL != l.Task.URL {
				if k := Hash(o.FinalURL); !t.look.has(k) && !slices.Contains(t.added, k) {
					t.added = append(t.added, k)
					t.counts.Seen++
				}
			}
		}
		return nil
	})
	c.Change = ch
	return c, err
}

// Expire implements frontier.Store.
func (s *Store) Expire(ids []string, p frontier.Policy, now time.Time) (frontier.Change, error) {
	return s.update(func(t *txn) error {
		for _, id := range ids {
			v := t.leases.Get([]byte(id))
			if v == nil {
				continue
			}
			if l, err := unmarshalLease(v); err == nil && l.Expires.After(now) {
				continue
			}
			l, _, err := t.takeLease(id)
			if err != nil {
				return err
			}
			t.counts.Expired++
			h, err := t.host(l.Task.Host)
			if err != nil {
				return err
			}
			if h.Lease == id {
				h.Lease = ""
				h.NextEligible = now.Add(p.MinDelay)
				h.Delay, h.Reason = p.MinDelay, frontier.ReasonExpired
			}
			if l.Task.Tries() < p.MaxAttempts {
				if err := t.enqueue(l.Task); err != nil {
					return err
				}
				t.counts.Retried++
			} else {
				t.counts.Dropped++
			}
		}
		return nil
	})
}

// Focus implements frontier.Store.
func (s *Store) Focus(site string, priority int32, p frontier.Policy, now time.Time) (frontier.Change, error) {
	return s.update(func(t *txn) error {
		st, err := t.site(site)
		if err != nil {
			return err
		}
		st.Priority = priority
		switch {
		case p.RecrawlInterval > 0 && priority >= p.RecrawlPriority:
			if st.RecrawlAt.IsZero() {
				if err := t.scheduleRecrawl(site, st, now.Add(p.RecrawlInterval)); err != nil {
					return err
				}
			}
		case !st.RecrawlAt.IsZero():
			if err := t.scheduleRecrawl(site, st, time.Time{}); err != nil {
				return err
			}
		}
		// The site's hosts come from the file, not from what the caller
		// holds in memory; only those with queued URLs change.
		for _, host := range t.siteHosts(site) {
			type kv struct{ k, v []byte }
			var old []kv
			prefix := hostPrefix(host)
			c := t.queue.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				old = append(old, kv{bytes.Clone(k), bytes.Clone(v)})
			}
			if len(old) == 0 {
				continue
			}
			h, err := t.host(host)
			if err != nil {
				return err
			}
			if h.Site != site {
				continue
			}
			for _, e := range old {
				task, err := unmarshalTask(e.v)
				if err != nil || task.Priority == priority {
					continue
				}
				task.Priority = priority
				seq := binary.BigEndian.Uint64(e.k[len(e.k)-8:])
				if err := t.queue.Delete(e.k); err != nil {
					return err
				}
				if err := t.queue.Put(queueKey(host, priority, seq), marshalTask(task)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Recrawl implements frontier.Store: the root page of every host of the
// site goes to the front of its queue (bypassing the seen set and the
// budget), in a new round so that its lease has a new ID.
func (s *Store) Recrawl(site string, p frontier.Policy, now time.Time) (frontier.Change, error) {
	return s.update(func(t *txn) error {
		st, err := t.site(site)
		if err != nil {
			return err
		}
		if st.RecrawlAt.IsZero() || st.RecrawlAt.After(now) {
			return nil
		}
		st.Rounds++
		for _, host := range t.siteHosts(site) {
			h, err := t.host(host)
			if err != nil {
				return err
			}
			if h.Override.Block {
				continue
			}
			scheme := h.Scheme
			if scheme == "" {
				scheme = "http"
			}
			task := frontier.Task{URL: scheme + "://" + host + "/", Host: host, Site: site,
				Priority: st.Priority + 1, Round: st.Rounds}
			if err := t.enqueue(task); err != nil {
				return err
			}
			t.counts.Recrawl++
		}
		next := time.Time{}
		if p.RecrawlInterval > 0 && st.Priority >= p.RecrawlPriority {
			next = now.Add(p.RecrawlInterval)
		}
		return t.scheduleRecrawl(site, st, next)
	})
}

// SetOverride implements frontier.Store. The budget applies to the site.
func (s *Store) SetOverride(host, site string, o frontier.Override) (frontier.Change, error) {
	return s.update(func(t *txn) error {
		h, err := t.host(host)
		if err != nil {
			return err
		}
		if h.Site == "" {
			h.Site = site
			if err := t.siteHost(site, host); err != nil {
				return err
			}
		}
		h.Override = o
		st, err := t.site(h.Site)
		if err != nil {
			return err
		}
		st.Budget = o.Budget
		return nil
	})
}

// SetIP implements frontier.Store.
func (s *Store) SetIP(host, ip string) (frontier.Change, error) {
	return s.update(func(t *txn) error {
		h, err := t.host(host)
		if err != nil {
			return err
		}
		h.LastIP = ip
		return nil
	})
}

// txn is one write transaction with the totals and the host and site states
// it changed, written back when it commits.
type txn struct {
	tx                                *bbolt.Tx
	queue, hosts, sites, leases, meta *bbolt.Bucket
	look                              *lookup
	added                             []uint64 // hashes new to the seen set
	recrawls                          []frontier.Recrawl
	peeked                            map[string]bool // host → blocked, for hosts read but not changed
	linked                            map[string]bool // site 0x00 linking site, seen in this transaction

	counts   frontier.Counts
	seq      uint64
	hostSt   map[string]*frontier.HostState
	siteSt   map[string]*siteState
	hostKeys []string
}

func (s *Store) update(fn func(*txn) error) (frontier.Change, error) {
	if s.seen.overloaded() {
		// New hashes outran the merge: finish it first, so memory stays bounded.
		for s.seen.round != nil {
			if _, err := s.Maintain(); err != nil {
				return frontier.Change{}, err
			}
		}
	}
	var ch frontier.Change
	var added []uint64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		t := &txn{
			tx: tx, look: s.seen.lookup(tx), queue: tx.Bucket(bucketQueue), hosts: tx.Bucket(bucketHosts),
			sites: tx.Bucket(bucketSites), leases: tx.Bucket(bucketLeases), meta: tx.Bucket(bucketMeta),
			hostSt: make(map[string]*frontier.HostState), siteSt: make(map[string]*siteState),
		}
		var err error
		if t.counts, t.seq, err = loadCounts(t.meta); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		slices.Sort(t.hostKeys)
		ch.Hosts = make([]frontier.HostEntry, 0, len(t.hostKeys))
		for _, host := range t.hostKeys {
			h := t.hostSt[host]
			if err := t.hosts.Put([]byte(host), marshalHost(*h)); err != nil {
				return err
			}
			ch.Hosts = append(ch.Hosts, frontier.HostEntry{Host: host, State: *h, Head: head(t.queue, host)})
		}
		for site, st := range t.siteSt {
			if err := t.sites.Put([]byte(site), marshalSite(*st)); err != nil {
				return err
			}
		}
		if err := s.seen.logNew(tx, t.added); err != nil {
			return err
		}
		added = t.added
		ch.Recrawls = t.recrawls
		ch.Counts = t.counts
		return t.meta.Put(keyCounts, marshalCounts(t.counts, t.seq))
	})
	if err != nil {
		return frontier.Change{}, fmt.Errorf("frontier/bolt: %w", err)
	}
	s.seen.committed(added)
	return ch, nil
}

// host returns the state of host for changing; it is written at commit.
func (t *txn) host(host string) (*frontier.HostState, error) {
	if h, ok := t.hostSt[host]; ok {
		return h, nil
	}
	h := new(frontier.HostState)
	if v := t.hosts.Get([]byte(host)); v != nil {
		st, err := unmarshalHost(v)
		if err != nil {
			return nil, fmt.Errorf("host %q: %w", host, err)
		}
		*h = st
	}
	t.hostSt[host] = h
	t.hostKeys = append(t.hostKeys, host)
	return h, nil
}

// site returns the state of site for changing; it is written at commit.
func (t *txn) site(site string) (*siteState, error) {
	if s, ok := t.siteSt[site]; ok {
		return s, nil
	}
	s := new(siteState)
	if v := t.sites.Get([]byte(site)); v != nil {
		st, err := unmarshalSite(v)
		if err != nil {
			return nil, fmt.Errorf("site %q: %w", site, err)
		}
		*s = st
	}
	t.siteSt[site] = s
	return s, nil
}

// blocked reports whether the operator blocked host.
func (t *txn) blocked(host string) (bool, error) {
	if h, ok := t.hostSt[host]; ok {
		return h.Override.Block, nil
	}
	if b, ok := t.peeked[host]; ok {
		return b, nil
	}
	var b bool
	if v := t.hosts.Get([]byte(host)); v != nil {
		h, err := unmarshalHost(v)
		if err != nil {
			return false, fmt.Errorf("host %q: %w", host, err)
		}
		b = h.Override.Block
	}
	if t.peeked == nil {
		t.peeked = make(map[string]bool)
	}
	t.peeked[host] = b
	return b, nil
}

// link counts task.FromSite among the sites linking to task.Site, once, and
// only while that still raises the site's budget.
func (t *txn) link(task frontier.Task, p frontier.Policy) error {
	if task.FromSite == "" || task.FromSite == task.Site || p.BudgetPerLinkingSite <= 0 {
		return nil
	}
	key := task.Site + "\x00" + task.FromSite
	if t.linked[key] {
		return nil
	}
	if t.linked == nil {
		t.linked = make(map[string]bool)
	}
	t.linked[key] = true
	st, err := t.site(task.Site)
	if err != nil {
		return err
	}
	if st.Budget > 0 || p.MaxSiteBudget > 0 && p.Budget(st.Linking) >= p.MaxSiteBudget {
		return nil
	}
	b := t.tx.Bucket(bucketInlinks)
	if b.Get([]byte(key)) != nil {
		return nil
	}
	st.Linking++
	return b.Put([]byte(key), nil)
}

// siteHosts returns the hosts of site, in order.
func (t *txn) siteHosts(site string) []string {
	var hosts []string
	prefix := hostPrefix(site)
	c := t.tx.Bucket(bucketSiteHosts).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		hosts = append(hosts, string(k[len(prefix):]))
	}
	return hosts
}

// siteHost records host among the hosts of site.
func (t *txn) siteHost(site, host string) error {
	return t.tx.Bucket(bucketSiteHosts).Put([]byte(site+"\x00"+host), nil)
}

// scheduleRecrawl sets the site's next recrawl (zero for none).
func (t *txn) scheduleRecrawl(site string, st *siteState, at time.Time) error {
	st.RecrawlAt = at
	t.recrawls = append(t.recrawls, frontier.Recrawl{Site: site, At: at})
	b := t.tx.Bucket(bucketRecrawl)
	if at.IsZero() {
		return b.Delete([]byte(site))
	}
	return b.Put([]byte(site), binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())))
}

// enqueue appends task to its host's queue at its priority.
func (t *txn) enqueue(task frontier.Task) error {
	h, err := t.host(task.Host)
	if err != nil {
		return err
	}
	if h.Site == "" {
		h.Site = task.Site
		if err := t.siteHost(task.Site, task.Host); err != nil {
			return err
		}
	}
	if h.Scheme == "" {
		h.Scheme, _, _ = strings.Cut(task.URL, "://")
	}
	t.seq++
	if err := t.queue.Put(queueKey(task.Host, task.Priority, t.seq), marshalTask(task)); err != nil {
		return err
	}
	h.Queued++
	t.counts.Queued++
	return nil
}

// takeLease removes and returns a lease; ok is false when there is none.
func (t *txn) takeLease(id string) (frontier.Lease, bool, error) {
	if id == "" {
		return frontier.Lease{}, false, nil
	}
	v := t.leases.Get([]byte(id))
	if v == nil {
		return frontier.Lease{}, false, nil
	}
	l, err := unmarshalLease(v)
	if err != nil {
		return frontier.Lease{}, false, fmt.Errorf("lease %q: %w", id, err)
	}
	if err := t.leases.Delete([]byte(id)); err != nil {
		return frontier.Lease{}, false, err
	}
	t.counts.Leased--
	return l, true, nil
}

// head returns the priority of the first URL queued for host (0 when none).
func head(queue *bbolt.Bucket, host string) int32 {
	prefix := hostPrefix(host)
	k, _ := queue.Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+16 {
		return 0
	}
	return int32(math.MaxInt32 - int64(binary.BigEndian.Uint64(k[len(prefix):])))
}

func marshalCounts(c frontier.Counts, seq uint64) []byte {
	return encoder{codecVersion}.int(int64(seq)).int(c.Queued).int(c.Leased).int(c.Seen).
		int(c.Fetched).int(c.Failed).int(c.Expired).int(c.Retried).int(c.Dropped).int(c.Parked).int(c.Recrawl)
}

func loadCounts(meta *bbolt.Bucket) (frontier.Counts, uint64, error) {
	v := meta.Get(keyCounts)
	if v == nil {
		return frontier.Counts{}, 0, nil
	}
	d := newDecoder(v)
	seq := uint64(d.int())
	c := frontier.Counts{Queued: d.int(), Leased: d.int(), Seen: d.int(), Fetched: d.int(),
		Failed: d.int(), Expired: d.int(), Retried: d.int(), Dropped: d.int(), Parked: d.int(), Recrawl: d.int()}
	if d.err != nil {
		return frontier.Counts{}, 0, errors.New("frontier/bolt: corrupt counts")
	}
	return c, seq, nil
}
