package readmodel

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/proto"
	"trawl.dev/proto/boltmem"
	"trawl.dev/proto/trawlpb"
)

// schema is the layout version of the file; a file of another version must
// be rebuilt from the streams.
const schema = "1"

var (
	bMeta    = []byte("meta")
	bVerdict = []byte("verdict")
	bRow     = []byte("row")
	bEq      = []byte("eq")
	bTerm    = []byte("term")
	bHist    = []byte("hist")
	bLabel   = []byte("label")
	bLabelEv = []byte("labelev")
	bLabelID = []byte("labelid")
	bAudit   = []byte("audit")
)

func sortBucket(f SortField) []byte { return []byte("s:" + string(f)) }

func allBuckets() [][]byte {
	bs := [][]byte{bMeta, bVerdict, bRow, bEq, bTerm, bHist, bLabel, bLabelEv, bLabelID, bAudit}
	for _, f := range SortFields {
		bs = append(bs, sortBucket(f))
	}
	return bs
}

// Options configure an index; nil means defaults.
type Options struct {
	// Rebuild removes the file before opening it, so the index is built
	// again from the streams.
	Rebuild bool
	// NoSync skips fsync: faster, and a power loss may lose the newest
	// changes (they are applied again from the streams).
	NoSync bool
	// HistoryPerSite is how many verdict versions are kept per site.
	// Default 100.
	HistoryPerSite int
	Logger         *slog.Logger
}

// Index is an open read model. Its methods are safe for concurrent use.
type Index struct {
	db      *bolt.DB
	o       Options
	log     *slog.Logger
	closed  atomic.Bool
	release func() // stops boltmem.Keep

	mu      sync.Mutex
	seqs    map[string]uint64 // stream → last sequence applied
	changed chan struct{}     // closed and replaced after every change
	targets map[string]target // stream → where Follow started, for Ready
}

// Open opens (creating when needed) the index file at path.
func Open(path string, o *Options) (*Index, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.HistoryPerSite <= 0 {
		opts.HistoryPerSite = 100
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("readmodel: open: %w", err)
	}
	if opts.Rebuild {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("readmodel: rebuild: %w", err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, NoSync: opts.NoSync,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, fmt.Errorf("readmodel: open %s: %w", path, err)
	}
	ix := &Index{db: db, o: opts, log: opts.Logger, seqs: make(map[string]uint64), changed: make(chan struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		switch v := meta.Get([]byte("schema")); {
		case v == nil:
			return meta.Put([]byte("schema"), []byte(schema))
		case string(v) != schema:
			return fmt.Errorf("file has layout %s, this program reads %s: start it with --rebuild", v, schema)
		}
		for _, s := range []string{proto.StreamVerdicts, proto.StreamLabels} {
			ix.seqs[s] = getU64(meta, "seq:"+s)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("readmodel: open %s: %w", path, err)
	}
	ix.release = boltmem.Keep(db, 0)
	return ix, nil
}

// Close closes the file.
func (ix *Index) Close() error {
	if ix.closed.Swap(true) {
		return nil
	}
	ix.release()
	return ix.db.Close()
}

// Path is the index file's path.
func (ix *Index) Path() string { return ix.db.Path() }

func (ix *Index) view(fn func(tx *bolt.Tx) error) error {
	if ix.closed.Load() {
		return ErrClosed
	}
	return ix.db.View(fn)
}

// Applied returns the last sequence of stream that the index has applied.
func (ix *Index) Applied(stream string) uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.seqs[stream]
}

// WaitApplied waits until the index has applied stream up to seq, or ctx
// ends.
func (ix *Index) WaitApplied(ctx context.Context, stream string, seq uint64) error {
	for {
		ix.mu.Lock()
		done, ch := ix.seqs[stream] >= seq, ix.changed
		ix.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("readmodel: wait for %s %d: %w", stream, seq, ctx.Err())
		}
	}
}

// Record is one message of a stream.
type Record struct {
	Seq  uint64
	Data []byte
}

// Rejected is a record that could not be applied, and why.
type Rejected struct {
	Record
	Err error
}

// Apply applies records of stream (proto.StreamVerdicts or
// proto.StreamLabels) in one transaction, with the last sequence among them.
// Records at or below the sequence already applied are skipped, so a batch
// delivered twice changes nothing. Records that cannot be decoded or are
// invalid are skipped, counted and returned.
func (ix *Index) Apply(stream string, recs []Record) ([]Rejected, error) {
	if ix.closed.Load() {
		return nil, ErrClosed
	}
	if stream != proto.StreamVerdicts && stream != proto.StreamLabels {
		return nil, fmt.Errorf("readmodel: apply: unknown stream %q", stream)
	}
	var rejected []Rejected
	var last uint64
	err := ix.db.Update(func(tx *bolt.Tx) error {
		rejected = rejected[:0]
		meta := tx.Bucket(bMeta)
		seqKey := "seq:" + stream
		applied := getU64(meta, seqKey)
		last = applied
		c, err := loadCounts(meta)
		if err != nil {
			return err
		}
		var fresh []Record
		for _, r := range recs {
			if r.Seq == 0 || r.Seq > applied {
				fresh = append(fresh, r)
				last = max(last, r.Seq)
			}
		}
		if stream == proto.StreamVerdicts {
			if rejected, err = ix.applyVerdicts(tx, c, fresh); err != nil {
				return err
			}
		} else {
			for _, r := range fresh {
				aerr := ix.applyLabel(tx, c, r.Data, r.Seq)
				if errors.Is(aerr, ErrBadQuery) || errors.Is(aerr, errMalformed) {
					rejected = append(rejected, Rejected{Record: r, Err: aerr})
				} else if aerr != nil {
					return aerr
				}
			}
		}
		c.Malformed += int64(len(rejected))
		if err := putU64(meta, seqKey, last); err != nil {
			return err
		}
		return saveCounts(meta, c)
	})
	if err != nil {
		return nil, fmt.Errorf("readmodel: apply %s: %w", stream, err)
	}
	ix.mu.Lock()
	ix.seqs[stream] = last
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.mu.Unlock()
	return rejected, nil
}

// Reset empties the index, so that it is built again from the start of the
// streams.
func (ix *Index) Reset() error {
	err := ix.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets() {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put([]byte("schema"), []byte(schema))
	})
	if err != nil {
		return fmt.Errorf("readmodel: reset: %w", err)
	}
	ix.mu.Lock()
	clear(ix.seqs)
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.mu.Unlock()
	return nil
}

var errMalformed = errors.New("readmodel: malformed message")

// newer tells whether verdict a replaces b: a higher version does; a lower
// version does only when it is also later (the classifier's state of the
// site was reset); an equal version is a duplicate.
func newer(a, b *trawlpb.Verdict) bool {
	switch {
	case a.GetVersion() > b.GetVersion():
		return true
	case a.GetVersion() < b.GetVersion():
		return a.GetUpdatedUnixMs() > b.GetUpdatedUnixMs()
	}
	return false
}

// applyVerdicts applies a batch of verdicts: the newest of each site
// replaces the stored one when it is newer, and every version goes into the
// site's history. Writes are collected and applied in key order, which keeps
// large batches fast in bbolt.
func (ix *Index) applyVerdicts(tx *bolt.Tx, c *counts, recs []Record) ([]Rejected, error) {
	var rejected []Rejected
	latest := make(map[string]*trawlpb.Verdict)
	versions := make(map[string][]*trawlpb.Verdict)
	var order []string
	for _, r := range recs {
		pv := new(trawlpb.Verdict)
		if err := gproto.Unmarshal(r.Data, pv); err != nil {
			rejected = append(rejected, Rejected{Record: r, Err: fmt.Errorf("%w: verdict: %v", errMalformed, err)})
			continue
		}
		site := NormalizeSite(pv.GetSite())
		if !ValidSite(site) {
			rejected = append(rejected, Rejected{Record: r, Err: fmt.Errorf("%w: verdict for %q: not a site name", errMalformed, pv.GetSite())})
			continue
		}
		pv.Site = site
		versions[site] = append(versions[site], pv)
		if cur, ok := latest[site]; !ok || newer(pv, cur) {
			if !ok {
				order = append(order, site)
			}
			latest[site] = pv
		}
	}
	w := &writes{tx: tx, ops: make(map[string][]op)}
	vb := tx.Bucket(bVerdict)
	for _, site := range order {
		if err := ix.putHistory(tx, w, site, versions[site]); err != nil {
			return nil, err
		}
		pv := latest[site]
		var old *trawlpb.Verdict
		if od := vb.Get([]byte(site)); od != nil {
			old = new(trawlpb.Verdict)
			if err := gproto.Unmarshal(od, old); err != nil {
				return nil, fmt.Errorf("stored verdict of %s: %w", site, err)
			}
			if !newer(pv, old) {
				continue
			}
		}
		label := ""
		if cur := currentLabel(tx, site); cur != nil {
			label = string(cur.Label)
		}
		nr := rowOf(pv, label)
		or := loadRow(tx, site)
		putRow(w, or, nr)
		c.add(or, -1)
		c.add(nr, 1)
		diffKeys(w, bEq, eqKeys(old), eqKeys(pv))
		diffKeys(w, bTerm, termKeys(old), termKeys(pv))
		enc, err := gproto.Marshal(pv)
		if err != nil {
			return nil, err
		}
		w.put(bVerdict, []byte(site), enc)
	}
	return rejected, w.flush()
}

// putHistory adds the versions of a site that are not in its history yet,
// and drops the oldest beyond HistoryPerSite.
func (ix *Index) putHistory(tx *bolt.Tx, w *writes, site string, vs []*trawlpb.Verdict) error {
	hb := tx.Bucket(bHist)
	prefix := append([]byte(site), 0)
	var keys [][]byte
	c := hb.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
	}
	have := len(keys)
	for _, pv := range vs {
		key := binary.BigEndian.AppendUint64(slices.Clone(prefix), uint64(pv.GetVersion()))
		if slices.ContainsFunc(keys, func(k []byte) bool { return bytes.Equal(k, key) }) {
			continue
		}
		h := HistoryEntry{Version: pv.GetVersion(), At: time.UnixMilli(pv.GetUpdatedUnixMs()).UTC(),
			Class: pv.GetClass(), Flagged: pv.GetFlagged(), StoreScore: pv.GetStoreScore(),
			RussiaScore: pv.GetRussiaScore(), HostingScore: pv.GetHostingScore(), ContentScore: pv.GetContentScore(),
			Pages: int(pv.GetPages()), Signals: topSignals(pv, 8)}
		b, err := json.Marshal(h)
		if err != nil {
			return err
		}
		w.put(bHist, key, b)
		keys = append(keys, key)
	}
	if len(keys) > have {
		slices.SortFunc(keys, bytes.Compare)
	}
	for len(keys) > ix.o.HistoryPerSite {
		w.del(bHist, keys[0])
		keys = keys[1:]
	}
	return nil
}

func (ix *Index) applyLabel(tx *bolt.Tx, c *counts, data []byte, seq uint64) error {
	pl := new(trawlpb.Label)
	if err := gproto.Unmarshal(data, pl); err != nil {
		return fmt.Errorf("%w: label: %v", errMalformed, err)
	}
	ev := LabelFromProto(pl)
	if err := ev.Validate(); err != nil {
		return err
	}
	ids := tx.Bucket(bLabelID)
	if ids.Get([]byte(ev.ID)) != nil {
		return nil
	}
	if err := ids.Put([]byte(ev.ID), nil); err != nil {
		return err
	}
	evb, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	at := binary.BigEndian.AppendUint64(nil, uint64(ev.At.UnixMilli()))
	evKey := append(append(append([]byte(ev.Site), 0), at...), ev.ID...)
	if err := tx.Bucket(bLabelEv).Put(evKey, evb); err != nil {
		return err
	}
	cur := currentLabel(tx, ev.Site)
	entry := AuditEntry{LabelEvent: ev, Seq: seq}
	if cur != nil {
		entry.Previous = cur.Label
	}
	ab, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bAudit).Put(append(slices.Clone(at), ev.ID...), ab); err != nil {
		return err
	}
	if cur != nil && (ev.At.Before(cur.At) || ev.At.Equal(cur.At) && ev.ID < cur.ID) {
		return nil // an older decision arriving late: history only
	}
	if err := tx.Bucket(bLabel).Put([]byte(ev.Site), evb); err != nil {
		return err
	}
	eq := tx.Bucket(bEq)
	if cur != nil {
		if err := eq.Delete(eqKey(kindLabel, string(cur.Label), ev.Site)); err != nil {
			return err
		}
	}
	if err := eq.Put(eqKey(kindLabel, string(ev.Label), ev.Site), nil); err != nil {
		return err
	}
	or := loadRow(tx, ev.Site)
	if or == nil {
		return nil // labelled before its verdict arrived
	}
	nr := *or
	nr.label = string(ev.Label)
	w := &writes{tx: tx}
	if putRow(w, or, &nr); w.err != nil {
		return w.err
	}
	c.add(or, -1)
	c.add(&nr, 1)
	return nil
}

// LabelFromProto converts a wire label.
func LabelFromProto(pl *trawlpb.Label) LabelEvent {
	return LabelEvent{ID: pl.GetId(), Site: NormalizeSite(pl.GetSite()), Label: Label(pl.GetLabel()),
		Reviewer: pl.GetReviewer(), Note: pl.GetNote(), At: time.UnixMilli(pl.GetCreatedUnixMs()).UTC()}
}

// LabelToProto converts a label to the wire.
func LabelToProto(e *LabelEvent) *trawlpb.Label {
	return &trawlpb.Label{Site: e.Site, Label: string(e.Label), Reviewer: e.Reviewer, Note: e.Note,
		CreatedUnixMs: e.At.UnixMilli(), Id: e.ID}
}

func currentLabel(tx *bolt.Tx, site string) *LabelEvent {
	b := tx.Bucket(bLabel).Get([]byte(site))
	if b == nil {
		return nil
	}
	var ev LabelEvent
	if json.Unmarshal(b, &ev) != nil {
		return nil
	}
	return &ev
}

func rowOf(pv *trawlpb.Verdict, label string) *row {
	r := &row{site: pv.GetSite(), class: pv.GetClass(), label: label, tld: TLD(pv.GetSite()),
		family: pv.GetFamily(), flagged: pv.GetFlagged(),
		first: pv.GetFirstSeenUnixMs(), last: pv.GetUpdatedUnixMs(), pages: uint32(max(pv.GetPages(), 0)),
		countries: uniqueSorted(pv.GetCountries())}
	if r.first == 0 {
		r.first = r.last
	}
	r.scores = [numScores]float64{pv.GetStoreScore(), pv.GetRussiaScore(), pv.GetHostingScore(),
		pv.GetContentScore(), pv.GetPiracyScore(), pv.GetLegitScore()}
	for _, a := range pv.GetAsns() {
		if n := ASNumber(a); n != "" {
			r.asns = append(r.asns, n)
		}
	}
	r.asns = uniqueSorted(r.asns)
	return r
}

func loadRow(tx *bolt.Tx, site string) *row {
	b := tx.Bucket(bRow).Get([]byte(site))
	if b == nil {
		return nil
	}
	var v rowView
	if !v.decode(b) {
		return nil
	}
	r := &row{site: string(v.site), class: string(v.class), label: string(v.label), tld: string(v.tld),
		family: string(v.family), flagged: v.flagged, scores: v.scores, first: v.first, last: v.last, pages: v.pages}
	for _, c := range v.countries {
		r.countries = append(r.countries, string(c))
	}
	for _, a := range v.asns {
		r.asns = append(r.asns, string(a))
	}
	return r
}

// putRow replaces old (nil for a new site) with nr in the row bucket and in
// every sort index.
func putRow(w *writes, old, nr *row) {
	enc := nr.encode()
	for _, f := range SortFields {
		if old != nil {
			w.del(sortBucket(f), old.sortKey(f))
		}
		w.put(sortBucket(f), nr.sortKey(f), enc)
	}
	w.put(bRow, []byte(nr.site), enc)
}

// writes are changes to buckets. Collected (ops not nil), they are applied
// by flush in key order, each key's changes in the order they were made;
// otherwise they are applied at once.
type writes struct {
	tx  *bolt.Tx
	ops map[string][]op
	err error
}

type op struct {
	key, val []byte
	del      bool
	n        int // order among the changes of its bucket
}

func (w *writes) put(bucket, key, val []byte) { w.do(bucket, op{key: key, val: val}) }
func (w *writes) del(bucket, key []byte)      { w.do(bucket, op{key: key, del: true}) }

func (w *writes) do(bucket []byte, o op) {
	if w.ops != nil {
		ops := w.ops[string(bucket)]
		o.n = len(ops)
		w.ops[string(bucket)] = append(ops, o)
		return
	}
	if w.err == nil {
		w.err = apply(w.tx.Bucket(bucket), o)
	}
}

func apply(b *bolt.Bucket, o op) error {
	if o.del {
		return b.Delete(o.key)
	}
	return b.Put(o.key, o.val)
}

func (w *writes) flush() error {
	if w.err != nil {
		return w.err
	}
	for name, ops := range w.ops {
		slices.SortFunc(ops, func(a, b op) int {
			if c := bytes.Compare(a.key, b.key); c != 0 {
				return c
			}
			return a.n - b.n
		})
		b := w.tx.Bucket([]byte(name))
		for _, o := range ops {
			if err := apply(b, o); err != nil {
				return err
			}
		}
	}
	clear(w.ops)
	return nil
}

// eqKeys are the pivot keys of a verdict: kind \x00 value \x00 site.
func eqKeys(pv *trawlpb.Verdict) [][]byte {
	if pv == nil {
		return nil
	}
	var keys [][]byte
	add := func(kind string, vals ...string) {
		for _, v := range uniqueSorted(vals) {
			if len(v) <= 200 {
				keys = append(keys, eqKey(kind, v, pv.GetSite()))
			}
		}
	}
	add(PivotIP, pv.GetIps()...)
	add(PivotTracker, pv.GetTrackerIds()...)
	var asns []string
	for _, a := range pv.GetAsns() {
		asns = append(asns, ASNumber(a))
	}
	add(PivotASN, asns...)
	add(PivotFamily, pv.GetFamily())
	// Not pivots: postings that narrow searches by an equality filter.
	add(kindCountry, pv.GetCountries()...)
	add(kindTLD, TLD(pv.GetSite()))
	add(kindClass, pv.GetClass())
	return keys
}

// Kinds of postings in the eq bucket that are not pivots.
const (
	kindCountry = "country"
	kindTLD     = "tld"
	kindClass   = "class"
	kindLabel   = "label"
)

// isPivot tells whether postings of a kind are offered as pivots.
func isPivot(kind string) bool {
	return kind == PivotIP || kind == PivotTracker || kind == PivotASN || kind == PivotFamily
}

func eqKey(kind, value, site string) []byte {
	k := make([]byte, 0, len(kind)+len(value)+len(site)+2)
	k = append(append(k, kind...), 0)
	k = append(append(k, value...), 0)
	return append(k, site...)
}

// termKeys are the free-text keys of a verdict: token \x00 site.
func termKeys(pv *trawlpb.Verdict) [][]byte {
	if pv == nil {
		return nil
	}
	var buf bytes.Buffer
	buf.WriteString(pv.GetSite())
	buf.WriteByte(' ')
	buf.WriteString(pv.GetTitle())
	for _, h := range pv.GetHosts() {
		buf.WriteByte(' ')
		buf.WriteString(h)
	}
	for _, e := range pv.GetEvidence() {
		buf.WriteByte(' ')
		buf.WriteString(e.GetSignal())
		buf.WriteByte(' ')
		buf.WriteString(e.GetSnippet())
	}
	toks := Tokens(buf.String(), maxSiteTokens)
	keys := make([][]byte, len(toks))
	for i, t := range toks {
		keys[i] = append(append([]byte(t), 0), pv.GetSite()...)
	}
	return keys
}

// diffKeys deletes the keys of old that are not in nw and puts those of nw
// that are not in old.
func diffKeys(w *writes, bucket []byte, old, nw [][]byte) {
	in := make(map[string]bool, len(old))
	for _, k := range old {
		in[string(k)] = true
	}
	for _, k := range nw {
		if in[string(k)] {
			delete(in, string(k))
			continue
		}
		w.put(bucket, k, nil)
	}
	for k := range in {
		w.del(bucket, []byte(k))
	}
}

// counts are the index-wide counters, kept in the meta bucket.
type counts struct {
	Sites     int64            `json:"sites"`
	Flagged   int64            `json:"flagged"`
	ToReview  int64            `json:"to_review"`
	Labelled  map[Label]int64  `json:"labelled"`
	Classes   map[string]int64 `json:"classes"`
	Malformed int64            `json:"malformed"`
}

func (c *counts) add(r *row, d int64) {
	if r == nil {
		return
	}
	c.Sites += d
	if r.flagged {
		c.Flagged += d
	}
	if toReview(r.flagged, r.label) {
		c.ToReview += d
	}
	if r.label != "" {
		c.Labelled[Label(r.label)] += d
	}
	c.Classes[r.class] += d
}

func loadCounts(meta *bolt.Bucket) (*counts, error) {
	c := &counts{Labelled: make(map[Label]int64), Classes: make(map[string]int64)}
	if b := meta.Get([]byte("counts")); b != nil {
		if err := json.Unmarshal(b, c); err != nil {
			return nil, fmt.Errorf("counters: %w", err)
		}
		if c.Labelled == nil {
			c.Labelled = make(map[Label]int64)
		}
		if c.Classes == nil {
			c.Classes = make(map[string]int64)
		}
	}
	return c, nil
}

func saveCounts(meta *bolt.Bucket, c *counts) error {
	for k, v := range c.Labelled {
		if v == 0 {
			delete(c.Labelled, k)
		}
	}
	for k, v := range c.Classes {
		if v == 0 {
			delete(c.Classes, k)
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return meta.Put([]byte("counts"), b)
}

func getU64(b *bolt.Bucket, key string) uint64 {
	v := b.Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putU64(b *bolt.Bucket, key string, v uint64) error {
	return b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, v))
}

// Stats returns the index-wide counts.
func (ix *Index) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := ix.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		c, err := loadCounts(meta)
		if err != nil {
			return err
		}
		st = Stats{Sites: c.Sites, Flagged: c.Flagged, ToReview: c.ToReview, Labelled: c.Labelled,
			Classes: c.Classes, Malformed: c.Malformed,
			VerdictsSeq: getU64(meta, "seq:"+proto.StreamVerdicts), LabelsSeq: getU64(meta, "seq:"+proto.StreamLabels)}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("readmodel: stats: %w", err)
	}
	return st, nil
}

// topSignals names a verdict's n strongest distinct signals, in the order
// of its evidence.
func topSignals(pv *trawlpb.Verdict, n int) []string {
	type sw struct {
		name string
		w    float64
	}
	var l []sw
	seen := make(map[string]int)
	for _, e := range pv.GetEvidence() {
		if i, ok := seen[e.GetSignal()]; ok {
			l[i].w = max(l[i].w, e.GetWeight())
			continue
		}
		seen[e.GetSignal()] = len(l)
		l = append(l, sw{e.GetSignal(), e.GetWeight()})
	}
	slices.SortStableFunc(l, func(a, b sw) int {
		switch {
		case a.w > b.w:
			return -1
		case a.w < b.w:
			return 1
		}
		return 0
	})
	out := make([]string, 0, min(n, len(l)))
	for _, s := range l[:min(n, len(l))] {
		out = append(out, s.name)
	}
	return out
}
