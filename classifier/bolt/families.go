package bolt

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/classifier"
)

// Families is the family index of one classifier instance: the flagged
// sites of the partitions it owns, with the keys they could share (see
// classifier.Member), in <dir>/families.db. Buckets:
//
//	members  site → JSON classifier.Member
//	index    key 0x00 site → nothing: the sites under each key
type Families struct {
	path string
	db   *bbolt.DB
}

var (
	bucketMembers = []byte("members")
	bucketIndex   = []byte("index")
)

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
		for _, b := range [][]byte{bucketMembers, bucketIndex} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("bolt: create buckets in %s: %w", f.path, err)
	}
	f.db = db
	return nil
}

// Close closes the file.
func (f *Families) Close() error {
	if f.db == nil {
		return nil
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
			for _, k := range old.IndexKeys() {
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
			for _, k := range m.IndexKeys() {
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

// maxComponent bounds the sites gathered into one family, so that a key
// many sites share cannot make every lookup read the whole index.
const maxComponent = 500

// component returns the sites connected to m (m's included) by links that
// make a family.
func component(tx *bbolt.Tx, m classifier.Member) []string {
	seen := map[string]bool{m.Site: true}
	queue := []classifier.Member{m}
	for len(queue) > 0 && len(seen) < maxComponent {
		cur := queue[0]
		queue = queue[1:]
		for _, k := range cur.IndexKeys() {
			prefix := indexKey(k, "")
			c := tx.Bucket(bucketIndex).Cursor()
			for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
				other := string(key[len(prefix):])
				if seen[other] {
					continue
				}
				om, err := getJSON[classifier.Member](tx, bucketMembers, []byte(other))
				if err != nil || om == nil {
					continue
				}
				if fam := classifier.LinkFamilies([]classifier.Member{cur, *om}); fam[cur.Site].ID != "" {
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
