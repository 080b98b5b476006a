package bolt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/bits-and-blooms/bloom/v3"
	bbolt "go.etcd.io/bbolt"
)

// The seen set is DRUM-like (IRLbot): URLs are fixed-size 64-bit hashes; a
// bloom filter answers "certainly new" for most new URLs without touching
// the disk; new hashes are committed to a small append-only log (seenlog) in
// the same transaction as the rest of the admission, so they are durable
// before the message that brought them is acknowledged; and once enough have
// gathered they are merged, sorted, into the sorted on-disk set (seen), a
// slice of the hash space per transaction, so bbolt rewrites dense pages in
// key order instead of scattering single-key writes over the whole tree.
//
//	seen     be64(first hash) → be64 hashes, sorted, at most chunkLen of them.
//	         Every hash of a chunk is below the next chunk's key.
//	seenlog  be64(seq) → be64 hashes committed by one transaction, not yet merged.
//
// Memory is the bloom filter (about 1.2 bytes per URL at 1% false
// positives) plus the unmerged hashes. A merge round starts when the
// unmerged hashes reach an eighth of the set on disk, at least
// MinMergeThreshold and at most MergeThreshold: a round rewrites the set, so
// each URL costs about eight rewrites of its hash whatever the set's size,
// while memory grows with the set only up to about twice MergeThreshold.
var (
	bucketSeenSet = []byte("seenset")
	bucketSeenLog = []byte("seenlog")
	bucketSeenV1  = []byte("seen") // the first layout: sha256(url)[:16] → 1
)

// chunkLen hashes (2,000 bytes) per chunk put two chunks on a 4 KiB page.
const chunkLen = 250

// Defaults of the seen set's Options fields.
const (
	DefaultMergeThreshold   = 1 << 19 // most unmerged hashes that start a merge round
	MinMergeThreshold       = 1 << 12 // fewest (unless MergeThreshold is lower)
	DefaultMergeStepBytes   = 4 << 20 // on-disk bytes rewritten per merge transaction
	DefaultBloomFPRate      = 0.01
	DefaultBloomMinCapacity = 1 << 16
)

// Hash returns the seen-set key of a canonical URL: the first 8 bytes of its
// SHA-256, big-endian. At 16M URLs per partition the chance that two share a
// hash is under 1 in 100,000.
func Hash(url string) uint64 {
	h := sha256.Sum256([]byte(url))
	return binary.BigEndian.Uint64(h[:8])
}

// seenSet is the in-memory part of the seen set: the bloom filter, the
// hashes committed to the log but not merged (fresh), and those being merged
// in the current round (frozen, sorted). It belongs to the Store's writer.
type seenSet struct {
	o        Options
	filter   *bloom.BloomFilter
	capacity uint
	fresh    map[uint64]struct{}
	frozen   []uint64
	round    *mergeRound
	lastLog  uint64 // key of the newest log entry
	count    int64  // hashes in the set (on disk or pending)
	merges   int64  // merge rounds completed
	rebuilds int64  // bloom filter rebuilds
}

// mergeRound is a merge of frozen into the on-disk set, steps slices of the
// hash space, one transaction each; the log entries up to upTo are deleted
// by the last step.
type mergeRound struct {
	upTo        uint64
	steps, next int
}

// SeenStats describe the seen set.
type SeenStats struct {
	Count         int64 // hashes in the set
	Pending       int   // committed to the log, not yet merged
	BloomBytes    int   // size of the bloom filter
	BloomCapacity int   // URLs the filter is sized for
	Merges        int64 // merge rounds completed
	Merging       bool  // a merge round is under way
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

// loadSeen migrates the first layout if present, loads the log and builds
// the bloom filter. count is the committed number of seen URLs.
func loadSeen(tx *bbolt.Tx, o Options, count int64) (*seenSet, error) {
	s := &seenSet{o: o, fresh: make(map[uint64]struct{}), count: count}
	if old := tx.Bucket(bucketSeenV1); old != nil {
		if err := migrateSeenV1(tx, old); err != nil {
			return nil, fmt.Errorf("migrate seen set: %w", err)
		}
	}
	log := tx.Bucket(bucketSeenLog)
	err := log.ForEach(func(k, v []byte) error {
		if len(k) != 8 || len(v)%8 != 0 {
			return fmt.Errorf("seen log entry %x: %w", k, errCorrupt)
		}
		s.lastLog = binary.BigEndian.Uint64(k)
		for i := 0; i < len(v); i += 8 {
			s.fresh[binary.BigEndian.Uint64(v[i:])] = struct{}{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.rebuildFilter(tx); err != nil {
		return nil, err
	}
	return s, nil
}

// migrateSeenV1 moves the 16-byte keys of the first layout into chunks. Their
// first 8 bytes are the new hash, and they come in order.
func migrateSeenV1(tx *bbolt.Tx, old *bbolt.Bucket) error {
	var hashes []uint64
	if err := old.ForEach(func(k, _ []byte) error {
		if len(k) >= 8 {
			hashes = append(hashes, binary.BigEndian.Uint64(k))
		}
		return nil
	}); err != nil {
		return err
	}
	hashes = slices.Compact(hashes)
	b := tx.Bucket(bucketSeenSet)
	b.FillPercent = 1
	for i := 0; i < len(hashes); i += chunkLen {
		if err := b.Put(be64(hashes[i]), packHashes(hashes[i:min(i+chunkLen, len(hashes))])); err != nil {
			return err
		}
	}
	return tx.DeleteBucket(bucketSeenV1)
}

// rebuildFilter sizes a new filter for twice the current count and fills it
// from the chunks and the pending hashes.
func (s *seenSet) rebuildFilter(tx *bbolt.Tx) error {
	capacity := uint(max(int64(s.o.BloomMinCapacity), 2*s.count))
	f := bloom.NewWithEstimates(capacity, s.o.BloomFPRate)
	var kb [8]byte
	err := tx.Bucket(bucketSeenSet).ForEach(func(_, v []byte) error {
		for i := 0; i+8 <= len(v); i += 8 {
			f.Add(v[i : i+8])
		}
		return nil
	})
	if err != nil {
		return err
	}
	for h := range s.fresh {
		binary.BigEndian.PutUint64(kb[:], h)
		f.Add(kb[:])
	}
	for _, h := range s.frozen {
		binary.BigEndian.PutUint64(kb[:], h)
		f.Add(kb[:])
	}
	s.filter, s.capacity = f, capacity
	s.rebuilds++
	return nil
}

// lookup answers membership questions inside one transaction. Asked in
// ascending order, it reads each chunk once.
type lookup struct {
	set   *seenSet
	c     *bbolt.Cursor
	valid bool
	lo    uint64 // key of the cached chunk
	hi    uint64 // key of the next chunk
	last  bool   // the cached chunk is the last one
	chunk []byte
	fi    int    // frozen[:fi] < the last hash asked, when asked in order
	lastH uint64 // the last hash asked
}

func (s *seenSet) lookup(tx *bbolt.Tx) *lookup {
	return &lookup{set: s, c: tx.Bucket(bucketSeenSet).Cursor()}
}

// has reports whether h is in the set.
func (l *lookup) has(h uint64) bool {
	var kb [8]byte
	binary.BigEndian.PutUint64(kb[:], h)
	if !l.set.filter.Test(kb[:]) {
		return false
	}
	if _, ok := l.set.fresh[h]; ok {
		return true
	}
	if l.inFrozen(h) {
		return true
	}
	return l.onDisk(h, kb[:])
}

// inFrozen reports whether h is among the hashes being merged: by walking
// forward when asked in ascending order (as admissions are), by binary
// search otherwise.
func (l *lookup) inFrozen(h uint64) bool {
	f := l.set.frozen
	if h < l.lastH || l.fi > len(f) {
		l.fi = 0
		i, ok := slices.BinarySearch(f, h)
		l.fi, l.lastH = i, h
		return ok
	}
	l.lastH = h
	for l.fi < len(f) && f[l.fi] < h {
		l.fi++
		if l.fi+64 < len(f) && f[l.fi+64] < h {
			// Far behind: jump.
			i, _ := slices.BinarySearch(f[l.fi:], h)
			l.fi += i
			break
		}
	}
	return l.fi < len(f) && f[l.fi] == h
}

func (l *lookup) onDisk(h uint64, kb []byte) bool {
	if !l.valid || h < l.lo || (!l.last && h >= l.hi) {
		k, _ := l.c.Seek(kb)
		if k != nil && bytes.Equal(k, kb) {
			return true // a chunk's key is its first hash
		}
		l.last = k == nil
		if k != nil {
			l.hi = binary.BigEndian.Uint64(k)
		}
		var v []byte
		if k == nil {
			k, v = l.c.Last()
		} else {
			k, v = l.c.Prev()
		}
		if k == nil {
			l.valid = false
			return false // h is below every chunk
		}
		l.valid, l.lo, l.chunk = true, binary.BigEndian.Uint64(k), v
	}
	n := len(l.chunk) / 8
	i := sort.Search(n, func(i int) bool { return binary.BigEndian.Uint64(l.chunk[8*i:]) >= h })
	return i < n && binary.BigEndian.Uint64(l.chunk[8*i:]) == h
}

// logNew writes the hashes a transaction adds to a new log entry.
func (s *seenSet) logNew(tx *bbolt.Tx, added []uint64) error {
	if len(added) == 0 {
		return nil
	}
	return tx.Bucket(bucketSeenLog).Put(be64(s.lastLog+1), packHashes(added))
}

// committed makes memory follow a transaction that logged added.
func (s *seenSet) committed(added []uint64) {
	if len(added) == 0 {
		return
	}
	s.lastLog++
	var kb [8]byte
	for _, h := range added {
		s.fresh[h] = struct{}{}
		binary.BigEndian.PutUint64(kb[:], h)
		s.filter.Add(kb[:])
	}
	s.count += int64(len(added))
	if s.round == nil && len(s.fresh) >= s.threshold() {
		s.startRound()
	}
}

// threshold is the number of unmerged hashes that starts a merge round:
// an eighth of the set on disk, within [MinMergeThreshold, MergeThreshold].
func (s *seenSet) threshold() int {
	onDisk := max(s.count-int64(len(s.fresh))-int64(len(s.frozen)), 0)
	return int(min(int64(s.o.MergeThreshold), max(int64(min(MinMergeThreshold, s.o.MergeThreshold)), onDisk/8)))
}

// startRound freezes the fresh hashes for merging.
func (s *seenSet) startRound() {
	s.frozen = make([]uint64, 0, len(s.fresh))
	for h := range s.fresh {
		s.frozen = append(s.frozen, h)
	}
	slices.Sort(s.frozen)
	s.fresh = make(map[uint64]struct{}, s.threshold()/2)
	onDisk := max(s.count-int64(len(s.frozen)), 0)
	steps := int(min(onDisk*8/int64(s.o.MergeStepBytes)+1, 1<<16))
	s.round = &mergeRound{upTo: s.lastLog, steps: steps}
}

// needsWork reports whether a merge step or a filter rebuild is due.
func (s *seenSet) needsWork() bool {
	return s.round != nil || uint(s.count) > s.capacity
}

// overloaded reports whether the unmerged hashes went past their bound: the
// writer must finish the merge before admitting more.
func (s *seenSet) overloaded() bool {
	return s.round != nil && len(s.fresh) >= 2*s.threshold()
}

// stepRange returns the slice [lo, hi] of the hash space that step i of
// steps covers; the last step ends at the largest hash.
func stepRange(i, steps int) (lo, hi uint64) {
	width := math.MaxUint64 / uint64(steps)
	lo = uint64(i) * width
	if i == steps-1 {
		return lo, math.MaxUint64
	}
	return lo, lo + width - 1
}

// mergeStep merges the frozen hashes of the next slice of the hash space into
// the chunks, in one transaction: the chunks of the slice (and the one that
// reaches into it from below) are read, merged with the slice's frozen
// hashes and written back full, in key order.
func (s *seenSet) mergeStep(tx *bbolt.Tx) error {
	r := s.round
	lo, hi := stepRange(r.next, r.steps)
	from, _ := slices.BinarySearch(s.frozen, lo)
	to := len(s.frozen)
	if hi != math.MaxUint64 {
		to, _ = slices.BinarySearch(s.frozen, hi+1)
	}
	pending := s.frozen[from:to]

	b := tx.Bucket(bucketSeenSet)
	b.FillPercent = 1
	c := b.Cursor()
	var keys [][]byte
	var disk []uint64
	k, _ := c.Seek(be64(lo))
	if k == nil || binary.BigEndian.Uint64(k) != lo {
		var pk, pv []byte
		if k == nil {
			pk, pv = c.Last()
		} else {
			pk, pv = c.Prev()
		}
		if pk != nil && len(pv) >= 8 && binary.BigEndian.Uint64(pv[len(pv)-8:]) >= lo {
			keys = append(keys, bytes.Clone(pk))
			disk = appendHashes(disk, pv)
		}
	}
	var v []byte
	for k, v = c.Seek(be64(lo)); k != nil && binary.BigEndian.Uint64(k) <= hi; k, v = c.Next() {
		keys = append(keys, bytes.Clone(k))
		disk = appendHashes(disk, v)
	}
	if len(pending) > 0 {
		merged := mergeSorted(disk, pending)
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for i := 0; i < len(merged); i += chunkLen {
			if err := b.Put(be64(merged[i]), packHashes(merged[i:min(i+chunkLen, len(merged))])); err != nil {
				return err
			}
		}
	}
	if r.next == r.steps-1 {
		log := tx.Bucket(bucketSeenLog)
		lc := log.Cursor()
		for k, _ := lc.First(); k != nil && binary.BigEndian.Uint64(k) <= r.upTo; k, _ = lc.First() {
			if err := lc.Delete(); err != nil {
				return err
			}
		}
	}
	return nil
}

// stepDone makes memory follow a committed merge step.
func (s *seenSet) stepDone() {
	s.round.next++
	if s.round.next == s.round.steps {
		s.round, s.frozen = nil, nil
		s.merges++
		if len(s.fresh) >= s.threshold() {
			s.startRound()
		}
	}
}

func (s *seenSet) stats() SeenStats {
	st := SeenStats{Count: s.count, Pending: len(s.fresh) + len(s.frozen), Merges: s.merges, Merging: s.round != nil,
		BloomCapacity: int(s.capacity)}
	if s.filter != nil {
		st.BloomBytes = int(s.filter.Cap() / 8)
	}
	return st
}

func packHashes(hs []uint64) []byte {
	b := make([]byte, 0, 8*len(hs))
	for _, h := range hs {
		b = binary.BigEndian.AppendUint64(b, h)
	}
	return b
}

func appendHashes(dst []uint64, v []byte) []uint64 {
	for i := 0; i+8 <= len(v); i += 8 {
		dst = append(dst, binary.BigEndian.Uint64(v[i:]))
	}
	return dst
}

// mergeSorted merges two ascending slices, dropping repeats.
func mergeSorted(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var v uint64
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			v, i = a[i], i+1
		case i == len(a) || b[j] < a[i]:
			v, j = b[j], j+1
		default:
			v, i, j = a[i], i+1, j+1
		}
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}
