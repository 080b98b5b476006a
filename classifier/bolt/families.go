package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/classifier"
	"trawl.dev/proto/boltmem"
)

// Families is the family index of one classifier instance: the flagged
// sites of the partitions it owns, with the keys they could share (see
// classifier.Member), in <dir>/families.db. Buckets:
//
//	members  site → JSON classifier.Member
//	index    key 0x00 site → nothing: the sites under each of their
//	         classifier.Member.StoredKeys
//	meta     "index" → the index's layout version; an index of another
//	         layout is rebuilt from members when the file is opened
type Families struct {
	path    string
	db      *bbolt.DB
	release func() // stops boltmem.Keep
}

var (
	bucketMembers = []byte("members")
	bucketIndex   = []byte("index")
	bucketFamMeta = []byte("meta")
	keyIndexShape = []byte("index")
)

// indexShape names the index layout: version 2 files members under
// StoredKeys (version 1, unmarked, under every key including IPs and the
// hosts a site links to).
const indexShape = "2"

// NewFamilies returns the family index at path; Open opens it.
func NewFamilies(path string) *Families { return &Families{path: path} }

// FamiliesPath returns the family index file of a data directory.
func FamiliesPath(dir string) string { return filepath.Join(dir, "families.db") }

// Open opens or creates the file.
func (f *Families) Open() error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return fmt.Errorf("bolt: open %s: %w", f.path, err)
	}
	db, err := bbolt.Open(f.path, 0o644, &bbolt.Options{Timeout: 5 * time.Second, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("bolt: open %s: %w", f.path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketMembers, bucketIndex, bucketFamMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if string(tx.Bucket(bucketFamMeta).Get(keyIndexShape)) == indexShape {
			return nil
		}
		return rebuildIndex(tx)
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("bolt: create buckets in %s: %w", f.path, err)
	}
	f.db = db
	f.release = boltmem.Keep(db, 0)
	return nil
}

// rebuildIndex files every member again under its StoredKeys.
func rebuildIndex(tx *bbolt.Tx) error {
	if err := tx.DeleteBucket(bucketIndex); err != nil {
		return err
	}
	index, err := tx.CreateBucket(bucketIndex)
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m classifier.Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode member %s: %w", k, err)
		}
		for _, key := range m.StoredKeys() {
			if err := index.Put(indexKey(key, m.Site), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketFamMeta).Put(keyIndexShape, []byte(indexShape))
}

// Close closes the file.
func (f *Families) Close() error {
	if f.db == nil {
		return nil
	}
	if f.release != nil {
		f.release()
		f.release = nil
	}
	err := f.db.Close()
	f.db = nil
	if err != nil {
		return fmt.Errorf("bolt: close %s: %w", f.path, err)
	}
	return nil
}

// Update records what a site could share with others: m while it is
// flagged, nothing once it is not. It returns the sites whose family may
// have changed (the site's family before and after, the site included),
// or nil when nothing changed.
func (f *Families) Update(m classifier.Member, flagged bool) ([]string, error) {
	var affected []string
	err := f.db.Update(func(tx *bbolt.Tx) error {
		affected = nil
		members := tx.Bucket(bucketMembers)
		old, err := getJSON[classifier.Member](tx, bucketMembers, []byte(m.Site))
		if err != nil {
			return err
		}
		if !flagged && old == nil {
			return nil
		}
		if flagged && old != nil && reflect.DeepEqual(*old, m) {
			return nil
		}
		seen := make(map[string]bool)
		if old != nil {
			for _, s := range component(tx, *old) {
				seen[s] = true
			}
			for _, k := range old.StoredKeys() {
				if err := tx.Bucket(bucketIndex).Delete(indexKey(k, m.Site)); err != nil {
					return err
				}
			}
			if err := members.Delete([]byte(m.Site)); err != nil {
				return err
			}
		}
		if flagged {
			if err := putJSON(tx, bucketMembers, []byte(m.Site), m); err != nil {
				return err
			}
			for _, k := range m.StoredKeys() {
				if err := tx.Bucket(bucketIndex).Put(indexKey(k, m.Site), nil); err != nil {
					return err
				}
			}
			for _, s := range component(tx, m) {
				seen[s] = true
			}
		}
		seen[m.Site] = true
		for s := range seen {
			affected = append(affected, s)
		}
		sort.Strings(affected)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: update family of %s: %w", m.Site, err)
	}
	return affected, nil
}

// Families returns the family of each of sites that has one.
func (f *Families) Families(sites []string) (map[string]classifier.Family, error) {
	out := make(map[string]classifier.Family)
	err := f.db.View(func(tx *bbolt.Tx) error {
		done := make(map[string]bool)
		for _, s := range sites {
			if done[s] {
				continue
			}
			m, err := getJSON[classifier.Member](tx, bucketMembers, []byte(s))
			if err != nil {
				return err
			}
			if m == nil {
				done[s] = true
				continue
			}
			var members []classifier.Member
			for _, name := range component(tx, *m) {
				done[name] = true
				if mm, err := getJSON[classifier.Member](tx, bucketMembers, []byte(name)); err == nil && mm != nil {
					members = append(members, *mm)
				}
			}
			for name, fam := range classifier.LinkFamilies(members) {
				out[name] = fam
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: read families: %w", err)
	}
	return out, nil
}

// maxComponent bounds the sites gathered into one family, and maxScanned
// the index entries read to gather them, so that a key many sites share
// cannot make every lookup read the whole index.
const (
	maxComponent = 500
	maxScanned   = 20 * maxComponent
)

// component returns the sites connected to m (m's included) by links that
// make a family: it follows, from each site found, the sites filed under
// its SearchKeys that it is Joined with.
func component(tx *bbolt.Tx, m classifier.Member) []string {
	seen := map[string]bool{m.Site: true}
	queue := []classifier.Member{m}
	members := make(map[string]*classifier.Member) // read once per call
	index := tx.Bucket(bucketIndex)
	scanned := 0
	for len(queue) > 0 && len(seen) < maxComponent && scanned < maxScanned {
		cur := queue[0]
		queue = queue[1:]
		for _, k := range cur.SearchKeys() {
			prefix := indexKey(k, "")
			c := index.Cursor()
			for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix) && scanned < maxScanned; key, _ = c.Next() {
				scanned++
				other := string(key[len(prefix):])
				if seen[other] {
					continue
				}
				om, ok := members[other]
				if !ok {
					om, _ = getJSON[classifier.Member](tx, bucketMembers, []byte(other))
					members[other] = om
				}
				if om != nil && classifier.Joined(cur, *om) {
					seen[other] = true
					queue = append(queue, *om)
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func indexKey(k classifier.FamilyKey, site string) []byte {
	return []byte(k.String() + "\x00" + site)
}

// FamilyOf is what a partition file keeps of a site's family.
type FamilyOf struct {
	ID    string                  `json:"id"`
	Links []classifier.FamilyLink `json:"links,omitempty"`
}
