// Package bolt keeps the classifier's per-site aggregates and verdicts in
// bbolt: one file per partition, <dir>/part-<p>.db.
//
// A file has these buckets, each keyed by site name unless noted:
//
//	sites      JSON classifier.Site: the aggregate of the site's pages
//	verdicts   JSON classifier.Verdict computed from it
//	summaries  JSON classifier.Summary, for listings
//	pages      site 0x00 page-key → counted time: pages already counted
//	published  JSON classifier.Published: what was last published
//	family     JSON FamilyOf: the site's family, set by the family index
//	labels     JSON []classifier.Label: investigators' labels, oldest first
//	famdirty   flagged (1 byte) + a mark (8 bytes): the sites whose family
//	           membership may have changed, for the family index to take up
//	meta       "scoring" → the Scoring the verdicts were computed with
//
// Apply counts a page and rescores its site in one transaction, and ignores
// a page it has counted before, so a redelivered message changes nothing.
// The transaction is committed (and synced) before Apply returns, so the
// caller may ack the message that carried the page.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/classifier"
	"trawl.dev/proto/boltmem"
)

var (
	bucketSites     = []byte("sites")
	bucketVerdicts  = []byte("verdicts")
	bucketSummaries = []byte("summaries")
	bucketPages     = []byte("pages")
	bucketPublished = []byte("published")
	bucketMeta      = []byte("meta")
	bucketFamily    = []byte("family")
	bucketLabels    = []byte("labels")
	bucketFamDirty  = []byte("famdirty")
	keyScoring      = []byte("scoring")
)

// DB is one partition's file.
type DB struct {
	path      string
	partition int
	db        *bbolt.DB
	famMark   uint64 // tells family marks apart; changed only in write transactions
	release   func() // stops boltmem.Keep
}

// CommitDelay is how long an Apply waits for others to share its commit
// (bbolt's MaxBatchDelay, 10 ms by default). Each commit of a partition's
// file costs two fsyncs, and a partition sees a page every few tens of
// milliseconds, so with bbolt's default nearly every page paid for its own
// commit: on the two-core benchmark machine the classifier's commits were a
// seventh of the whole pipeline's CPU. A page's verdict is not on the
// crawl's path (the frontier never waits for it), so a page can wait.
const CommitDelay = 200 * time.Millisecond

// NewDB returns the DB of partition p at path; Open opens it.
func NewDB(path string, partition int) *DB {
	return &DB{path: path, partition: partition}
}

// Path returns the file's path.
func (d *DB) Path() string { return d.path }

// Partition returns the partition the file belongs to.
func (d *DB) Partition() int { return d.partition }

// Open opens or creates the file and its buckets.
func (d *DB) Open() error {
	if err := os.MkdirAll(filepath.Dir(d.path), 0o755); err != nil {
		return fmt.Errorf("bolt: open %s: %w", d.path, err)
	}
	db, err := bbolt.Open(d.path, 0o644, &bbolt.Options{Timeout: 5 * time.Second, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("bolt: open %s: %w", d.path, err)
	}
	db.MaxBatchDelay = CommitDelay
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketSites, bucketVerdicts, bucketSummaries, bucketPages, bucketPublished, bucketMeta, bucketFamily, bucketLabels, bucketFamDirty} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("bolt: create buckets in %s: %w", d.path, err)
	}
	d.db = db
	d.release = boltmem.Keep(db, 0)
	return nil
}

// OpenReadOnly opens an existing file for reading, alongside no writer.
func (d *DB) OpenReadOnly() error {
	db, err := bbolt.Open(d.path, 0o644, &bbolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("bolt: open %s: %w", d.path, err)
	}
	d.db = db
	return nil
}

// Close closes the file.
func (d *DB) Close() error {
	if d.db == nil {
		return nil
	}
	if d.release != nil {
		d.release()
		d.release = nil
	}
	err := d.db.Close()
	d.db = nil
	if err != nil {
		return fmt.Errorf("bolt: close %s: %w", d.path, err)
	}
	return nil
}

// Applied is what Apply did.
type Applied struct {
	Counted    bool                 // the page was new and is now counted
	NewSite    bool                 // it was the site's first page
	WasFlagged bool                 // the site was flagged before this page
	Verdict    *classifier.Verdict  // the site's current verdict
	Site       *classifier.Site     // the site's aggregate
	Published  classifier.Published // what was last published about the site
}

// Apply counts page p, with what the analyzer found on it, into its site's
// aggregate and rescores the site, unless p was counted before. Either way
// it returns the site's current verdict and published state. Calls from
// several goroutines share commits (bbolt's Batch): the function may run
// more than once, so it starts from nothing each time.
func (d *DB) Apply(p *classifier.Page, an *classifier.Analysis, sc classifier.Scoring, now time.Time) (*Applied, error) {
	var res Applied
	err := d.db.Batch(func(tx *bbolt.Tx) error {
		res = Applied{}
		name := []byte(p.Site)
		pub, err := getJSON[classifier.Published](tx, bucketPublished, name)
		if err != nil {
			return err
		}
		if pub != nil {
			res.Published = *pub
		}
		site, err := getJSON[classifier.Site](tx, bucketSites, name)
		if err != nil {
			return err
		}
		pk := pageKey(p.Site, p.Key())
		if site != nil && tx.Bucket(bucketPages).Get(pk) != nil {
			v, err := getJSON[classifier.Verdict](tx, bucketVerdicts, name)
			if err != nil {
				return err
			}
			if v == nil {
				v = sc.Score(site)
				if err := attach(tx, v); err != nil {
					return err
				}
			}
			res.Verdict, res.WasFlagged, res.Site = v, v.Flagged, site
			return nil
		}
		if site == nil {
			site = classifier.NewSite(p.Site, d.partition)
			res.NewSite = true
		} else if sum, err := getJSON[classifier.Summary](tx, bucketSummaries, name); err != nil {
			return err
		} else if sum != nil {
			res.WasFlagged = sum.Flagged
		}
		site.AddPage(p, an, now)
		v := sc.Score(site)
		if err := putScored(tx, site, v); err != nil {
			return err
		}
		var ms [8]byte
		binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
		if err := tx.Bucket(bucketPages).Put(pk, ms[:]); err != nil {
			return err
		}
		if v.Flagged || res.WasFlagged {
			// In the same transaction: the page's ack can never come
			// before the family index is told.
			d.famMark++
			if err := tx.Bucket(bucketFamDirty).Put(name, famDirtyValue(v.Flagged, uint64(now.UnixNano())+d.famMark)); err != nil {
				return err
			}
		}
		res.Counted, res.Verdict, res.Site = true, v, site
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: apply %s to %s: %w", p.CanonicalURL(), p.Site, err)
	}
	return &res, nil
}

// SetPublished records what was published about a site.
func (d *DB) SetPublished(site string, p classifier.Published) error {
	err := d.db.Batch(func(tx *bbolt.Tx) error {
		return putJSON(tx, bucketPublished, []byte(site), p)
	})
	if err != nil {
		return fmt.Errorf("bolt: set published %s: %w", site, err)
	}
	return nil
}

// Site returns a site's aggregate.
func (d *DB) Site(ctx context.Context, site string) (*classifier.Site, error) {
	return getOne[classifier.Site](ctx, d, bucketSites, site)
}

// Verdict returns a site's verdict.
func (d *DB) Verdict(ctx context.Context, site string) (*classifier.Verdict, error) {
	return getOne[classifier.Verdict](ctx, d, bucketVerdicts, site)
}

// Published returns what was last published about a site.
func (d *DB) Published(ctx context.Context, site string) (classifier.Published, error) {
	p, err := getOne[classifier.Published](ctx, d, bucketPublished, site)
	if errors.Is(err, classifier.ErrNotFound) {
		return classifier.Published{}, nil
	}
	if err != nil {
		return classifier.Published{}, err
	}
	return *p, nil
}

// Summaries returns the summary of every site.
func (d *DB) Summaries(ctx context.Context) ([]classifier.Summary, error) {
	return all[classifier.Summary](ctx, d, bucketSummaries)
}

// Verdicts returns every site's verdict.
func (d *DB) Verdicts(ctx context.Context) ([]*classifier.Verdict, error) {
	vs, err := all[classifier.Verdict](ctx, d, bucketVerdicts)
	if err != nil {
		return nil, err
	}
	out := make([]*classifier.Verdict, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out, nil
}

// Rescore recomputes every verdict when sc differs from the scoring the
// stored verdicts were computed with (thresholds tuned between runs). It
// returns how many sites it rescored.
func (d *DB) Rescore(ctx context.Context, sc classifier.Scoring) (int, error) {
	want, err := json.Marshal(sc.WithDefaults())
	if err != nil {
		return 0, fmt.Errorf("bolt: rescore %s: %w", d.path, err)
	}
	n := 0
	err = d.db.Update(func(tx *bbolt.Tx) error {
		n = 0
		meta := tx.Bucket(bucketMeta)
		if bytes.Equal(meta.Get(keyScoring), want) {
			return nil
		}
		c := tx.Bucket(bucketSites).Cursor()
		for k, raw := c.First(); k != nil; k, raw = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var s classifier.Site
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("decode site %s: %w", k, err)
			}
			if err := putScored(tx, &s, sc.Score(&s)); err != nil {
				return err
			}
			n++
		}
		return meta.Put(keyScoring, want)
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: rescore %s: %w", d.path, err)
	}
	return n, nil
}

// putScored stores a site with its verdict (its family and labels
// attached) and summary.
func putScored(tx *bbolt.Tx, s *classifier.Site, v *classifier.Verdict) error {
	if err := putJSON(tx, bucketSites, []byte(s.Name), s); err != nil {
		return err
	}
	if err := attach(tx, v); err != nil {
		return err
	}
	return putVerdict(tx, v)
}

func putVerdict(tx *bbolt.Tx, v *classifier.Verdict) error {
	name := []byte(v.Site)
	if err := putJSON(tx, bucketVerdicts, name, v); err != nil {
		return err
	}
	return putJSON(tx, bucketSummaries, name, v.Summary())
}

// attach sets a verdict's family and labels from their buckets.
func attach(tx *bbolt.Tx, v *classifier.Verdict) error {
	name := []byte(v.Site)
	fam, err := getJSON[FamilyOf](tx, bucketFamily, name)
	if err != nil {
		return err
	}
	v.Family, v.FamilyLinks = "", nil
	if fam != nil {
		v.Family, v.FamilyLinks = fam.ID, fam.Links
	}
	labels, err := getJSON[[]classifier.Label](tx, bucketLabels, name)
	if err != nil {
		return err
	}
	v.Labels = nil
	if labels != nil {
		v.Labels = *labels
	}
	return nil
}

// SetFamily records a site's family (nil: it has none) and updates its
// verdict. It returns the verdict, with what was last published about the
// site, and whether the family changed; the verdict is nil when the site
// has none yet.
func (d *DB) SetFamily(site string, fam *classifier.Family) (*classifier.Verdict, classifier.Published, bool, error) {
	var (
		v       *classifier.Verdict
		pub     classifier.Published
		changed bool
	)
	err := d.db.Update(func(tx *bbolt.Tx) error {
		v, pub, changed = nil, classifier.Published{}, false
		name := []byte(site)
		old, err := getJSON[FamilyOf](tx, bucketFamily, name)
		if err != nil {
			return err
		}
		var now *FamilyOf
		if fam != nil {
			now = &FamilyOf{ID: fam.ID, Links: fam.Links}
		}
		if reflect.DeepEqual(old, now) {
			return nil
		}
		changed = true
		if now == nil {
			err = tx.Bucket(bucketFamily).Delete(name)
		} else {
			err = putJSON(tx, bucketFamily, name, now)
		}
		if err != nil {
			return err
		}
		if p, err := getJSON[classifier.Published](tx, bucketPublished, name); err != nil {
			return err
		} else if p != nil {
			pub = *p
		}
		if v, err = getJSON[classifier.Verdict](tx, bucketVerdicts, name); err != nil || v == nil {
			return err
		}
		if err := attach(tx, v); err != nil {
			return err
		}
		return putVerdict(tx, v)
	})
	if err != nil {
		return nil, pub, false, fmt.Errorf("bolt: set family of %s: %w", site, err)
	}
	return v, pub, changed, nil
}

// AddLabel stores an investigator's label with its site and updates the
// site's verdict, if it has one. A label whose ID is stored already
// changes nothing. It reports whether the label was new.
func (d *DB) AddLabel(l classifier.Label) (bool, error) {
	added := false
	err := d.db.Update(func(tx *bbolt.Tx) error {
		added = false
		name := []byte(l.Site)
		labels, err := getJSON[[]classifier.Label](tx, bucketLabels, name)
		if err != nil {
			return err
		}
		var have []classifier.Label
		if labels != nil {
			have = *labels
		}
		have, added = classifier.AddLabel(have, l)
		if !added {
			return nil
		}
		if err := putJSON(tx, bucketLabels, name, have); err != nil {
			return err
		}
		v, err := getJSON[classifier.Verdict](tx, bucketVerdicts, name)
		if err != nil || v == nil {
			return err
		}
		if err := attach(tx, v); err != nil {
			return err
		}
		return putVerdict(tx, v)
	})
	if err != nil {
		return false, fmt.Errorf("bolt: add label %s to %s: %w", l.ID, l.Site, err)
	}
	return added, nil
}

// Labels returns every site's labels, by site.
func (d *DB) Labels(ctx context.Context) (map[string][]classifier.Label, error) {
	out := make(map[string][]classifier.Label)
	err := d.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLabels)
		if b == nil {
			return nil // a file written before labels were kept, opened read-only
		}
		return b.ForEach(func(k, raw []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var ls []classifier.Label
			if err := json.Unmarshal(raw, &ls); err != nil {
				return fmt.Errorf("decode labels of %s: %w", k, err)
			}
			out[string(k)] = ls
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: read labels of %s: %w", d.path, err)
	}
	return out, nil
}

func pageKey(site string, key []byte) []byte {
	k := make([]byte, 0, len(site)+1+len(key))
	k = append(k, site...)
	k = append(k, 0)
	return append(k, key...)
}

func putJSON(tx *bbolt.Tx, bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return tx.Bucket(bucket).Put(key, raw)
}

// getJSON decodes key of bucket, or returns nil when it is absent.
func getJSON[T any](tx *bbolt.Tx, bucket, key []byte) (*T, error) {
	raw := tx.Bucket(bucket).Get(key)
	if raw == nil {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return v, nil
}

func getOne[T any](ctx context.Context, d *DB, bucket []byte, site string) (*T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var v *T
	err := d.db.View(func(tx *bbolt.Tx) error {
		var err error
		v, err = getJSON[T](tx, bucket, []byte(site))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: read %s of %s: %w", bucket, site, err)
	}
	if v == nil {
		return nil, fmt.Errorf("%w: %s", classifier.ErrNotFound, site)
	}
	return v, nil
}

func all[T any](ctx context.Context, d *DB, bucket []byte) ([]T, error) {
	var out []T
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, raw []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("decode %s/%s: %w", bucket, k, err)
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: read %s of %s: %w", bucket, d.path, err)
	}
	return out, nil
}

func famDirtyValue(flagged bool, mark uint64) []byte {
	b := make([]byte, 9)
	if flagged {
		b[0] = 1
	}
	binary.BigEndian.PutUint64(b[1:], mark)
	return b
}

// FamilyMark is a site waiting for the family index: whether it is flagged,
// and the mark that tells a later change from this one.
type FamilyMark struct {
	Site    string
	Flagged bool
	mark    []byte
}

// FamilyDirty returns up to max sites whose family membership may have
// changed (Apply marks every change to a site that is or was flagged).
func (d *DB) FamilyDirty(max int) ([]FamilyMark, error) {
	var out []FamilyMark
	err := d.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFamDirty)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			if len(v) != 9 {
				continue // not ours: FamilyDone clears it
			}
			out = append(out, FamilyMark{Site: string(k), Flagged: v[0] == 1, mark: bytes.Clone(v)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: family marks: %w", err)
	}
	return out, nil
}

// FamilyDone clears the marks that are still as read: a site changed again
// since keeps its newer mark.
func (d *DB) FamilyDone(marks []FamilyMark) error {
	if len(marks) == 0 {
		return nil
	}
	err := d.db.Batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFamDirty)
		for _, m := range marks {
			if bytes.Equal(b.Get([]byte(m.Site)), m.mark) {
				if err := b.Delete([]byte(m.Site)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: clear family marks: %w", err)
	}
	return nil
}
