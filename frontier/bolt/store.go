// Package bolt keeps a frontier partition's state in one bbolt file: the
// seen set, the per-host queues, host and site states, and leases. Store
// implements frontier.Store; every method is one write transaction, so a
// batch of admissions or outcomes costs one fsync.
//
// Layout (buckets):
//
//	seen    sha256(url)[:16]                          → 1
//	queue   host 0x00 be64(MaxInt32-priority) be64(seq) → task
//	hosts   host                                       → host state
//	sites   site                                       → admitted count, priority
//	leases  lease id                                   → lease (task, expiry)
//	meta    "counts"                                   → totals and the queue sequence
//
// Caveats: the totals in meta are kept by the same transactions that change
// the buckets, so they are exact but must not be edited by hand. bbolt never
// returns space to the file system; compact offline.
package bolt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/frontier"
)

var (
	bucketSeen   = []byte("seen")
	bucketQueue  = []byte("queue")
	bucketHosts  = []byte("hosts")
	bucketSites  = []byte("sites")
	bucketLeases = []byte("leases")
	bucketMeta   = []byte("meta")
	keyCounts    = []byte("counts")
)

// Options configure Open. Nil means defaults.
type Options struct {
	// NoSync skips the fsync of each commit: much faster, but a power loss
	// (not a process crash) can lose the last commits. For tests and demos.
	NoSync bool
	// Timeout bounds the wait for the file lock held by another process;
	// default 5s.
	Timeout time.Duration
}

// Store is one partition's bbolt file.
type Store struct {
	db *bbolt.DB
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
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("frontier/bolt: open %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{
		Timeout:        timeout,
		NoSync:         o.NoSync,
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("frontier/bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketSeen, bucketQueue, bucketHosts, bucketSites, bucketLeases, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("frontier/bolt: create buckets in %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the file's path.
func (s *Store) Path() string { return s.db.Path() }

// Hash returns the seen-set key of a canonical URL.
func Hash(url string) []byte {
	h := sha256.Sum256([]byte(url))
	return h[:16]
}

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

// Admit implements frontier.Store. The seen set is updated in hash order,
// which keeps its pages dense; queues get the new URLs in the order given.
func (s *Store) Admit(tasks []frontier.Task, p frontier.Policy) (frontier.Admitted, error) {
	type keyed struct {
		hash []byte
		i    int
	}
	ks := make([]keyed, len(tasks))
	for i, t := range tasks {
		ks[i] = keyed{Hash(t.URL), i}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return bytes.Compare(a.hash, b.hash) })
	var a frontier.Admitted
	ch, err := s.update(func(t *txn) error {
		a = frontier.Admitted{}
		fresh := make([]bool, len(tasks))
		for _, k := range ks {
			if t.seen.Get(k.hash) != nil {
				a.Duplicate++
				continue
			}
			site, err := t.site(tasks[k.i].Site)
			if err != nil {
				return err
			}
			if p.SiteBudget > 0 && site.Admitted >= p.SiteBudget {
				a.OverBudget++
				continue
			}
			if err := t.seen.Put(k.hash, []byte{1}); err != nil {
				return err
			}
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
			l := frontier.Lease{ID: frontier.LeaseID(task.URL, task.Attempt), Task: task, Expires: now.Add(p.LeaseTTL)}
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
			case p.Retry(o, l.Task.Attempt):
				if err := t.enqueue(l.Task); err != nil {
					return err
				}
				t.counts.Retried++
			case o.HostError():
				t.counts.Dropped++
			}
			if o.FinalURL != "" && o.FinalURL != l.Task.URL {
				if k := Hash(o.FinalURL); t.seen.Get(k) == nil {
					if err := t.seen.Put(k, []byte{1}); err != nil {
						return err
					}
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
			}
			if l.Task.Attempt < p.MaxAttempts {
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
func (s *Store) Focus(site string, priority int32, hosts []string) (frontier.Change, error) {
	return s.update(func(t *txn) error {
		st, err := t.site(site)
		if err != nil {
			return err
		}
		st.Priority = priority
		for _, host := range hosts {
			h, err := t.host(host)
			if err != nil {
				return err
			}
			if h.Site != site {
				continue
			}
			type kv struct{ k, v []byte }
			var old []kv
			prefix := hostPrefix(host)
			c := t.queue.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				old = append(old, kv{bytes.Clone(k), bytes.Clone(v)})
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

// txn is one write transaction with the totals and the host and site states
// it changed, written back when it commits.
type txn struct {
	seen, queue, hosts, sites, leases, meta *bbolt.Bucket

	counts   frontier.Counts
	seq      uint64
	hostSt   map[string]*frontier.HostState
	siteSt   map[string]*siteState
	hostKeys []string
}

func (s *Store) update(fn func(*txn) error) (frontier.Change, error) {
	var ch frontier.Change
	err := s.db.Update(func(tx *bbolt.Tx) error {
		t := &txn{
			seen: tx.Bucket(bucketSeen), queue: tx.Bucket(bucketQueue), hosts: tx.Bucket(bucketHosts),
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
		ch.Counts = t.counts
		return t.meta.Put(keyCounts, marshalCounts(t.counts, t.seq))
	})
	if err != nil {
		return frontier.Change{}, fmt.Errorf("frontier/bolt: %w", err)
	}
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

// enqueue appends task to its host's queue at its priority.
func (t *txn) enqueue(task frontier.Task) error {
	h, err := t.host(task.Host)
	if err != nil {
		return err
	}
	if h.Site == "" {
		h.Site = task.Site
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
		int(c.Fetched).int(c.Failed).int(c.Expired).int(c.Retried).int(c.Dropped)
}

func loadCounts(meta *bbolt.Bucket) (frontier.Counts, uint64, error) {
	v := meta.Get(keyCounts)
	if v == nil {
		return frontier.Counts{}, 0, nil
	}
	d := newDecoder(v)
	seq := uint64(d.int())
	c := frontier.Counts{Queued: d.int(), Leased: d.int(), Seen: d.int(), Fetched: d.int(),
		Failed: d.int(), Expired: d.int(), Retried: d.int(), Dropped: d.int()}
	if d.err != nil {
		return frontier.Counts{}, 0, errors.New("frontier/bolt: corrupt counts")
	}
	return c, seq, nil
}
