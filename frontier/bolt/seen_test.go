package bolt_test

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/frontier/bolt"
)

// smallSeen makes merges and filter rebuilds happen after a few hundred URLs.
var smallSeen = &bolt.Options{NoSync: true, MergeThreshold: 300, MergeStepBytes: 8 << 10, BloomMinCapacity: 100}

func urlN(i int) string { return fmt.Sprintf("http://h%d.example/p/%d", i%97, i) }

// TestSeenSetModel checks the seen set against a map through merge rounds,
// filter rebuilds and reopenings in the middle of a merge round.
func TestSeenSetModel(t *testing.T) {
	dir := t.TempDir()
	path := bolt.PartitionPath(dir, 0)
	s, err := bolt.Open(path, smallSeen)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string]bool{}
	next := 0
	reopened, midRound, merges := 0, 0, int64(0)
	for batch := range 120 {
		var urls []string
		for range 100 {
			if next > 0 && rng.IntN(10) < 7 {
				urls = append(urls, urlN(rng.IntN(next)))
			} else {
				urls = append(urls, urlN(next))
				next++
			}
		}
		fresh, err := s.Check(urls)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		for i, u := range urls {
			if fresh[i] == model[u] {
				t.Fatalf("batch %d: %s: got fresh %v, want %v", batch, u, fresh[i], !model[u])
			}
			model[u] = true
		}
		if batch%2 == 0 {
			if _, err := s.Maintain(); err != nil {
				t.Fatal(err)
			}
		}
		if batch%23 == 22 || midRound == 0 && batch > 40 && s.SeenStats().Merging {
			if s.SeenStats().Merging {
				midRound++
			}
			merges += s.SeenStats().Merges
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = bolt.Open(path, smallSeen); err != nil {
				t.Fatal(err)
			}
			reopened++
		}
	}
	st := s.SeenStats()
	if st.Count != int64(len(model)) {
		t.Errorf("count: got %d, want %d", st.Count, len(model))
	}
	if merges+st.Merges == 0 || midRound == 0 || st.BloomCapacity < len(model) {
		t.Errorf("stats %+v after %d reopenings (%d mid-round): want merges, a reopening mid-round and a grown filter", st, reopened, midRound)
	}
	if st.Pending > 4*300+100 {
		t.Errorf("pending: got %d unmerged hashes, want at most about 4 times the threshold", st.Pending)
	}
	// Everything is still there after the last merges complete.
	for more := true; more; {
		if more, err = s.Maintain(); err != nil {
			t.Fatal(err)
		}
	}
	var all []string
	for u := range model {
		all = append(all, u)
	}
	fresh, err := s.Check(all)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fresh {
		if f {
			t.Fatalf("%s: got fresh after merging, want seen", all[i])
		}
	}
}

// TestSeenSetMigratesFirstLayout opens a file written by the first layout
// (sha256(url)[:16] keys in bucket "seen").
func TestSeenSetMigratesFirstLayout(t *testing.T) {
	path := bolt.PartitionPath(t.TempDir(), 0)
	if err := mkdirFor(path); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := []string{"http://a.com/1", "http://a.com/2", "http://b.com/"}
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("seen"))
		if err != nil {
			return err
		}
		for _, u := range old {
			h := sha256.Sum256([]byte(u))
			if err := b.Put(h[:16], []byte{1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fresh, err := s.Check(append(old, "http://c.com/"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, false, false, true}; fmt.Sprint(fresh) != fmt.Sprint(want) {
		t.Fatalf("after migration: got fresh %v, want %v", fresh, want)
	}
}

// TestSeenSetMergesInProportionToTheSet: with the default options a set
// far below MergeThreshold still merges, once the unmerged hashes reach an
// eighth of what is on disk (at least MinMergeThreshold), so memory follows
// the set instead of filling up to the threshold.
func TestSeenSetMergesInProportionToTheSet(t *testing.T) {
	s, err := bolt.Open(bolt.PartitionPath(t.TempDir(), 0), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const batch = 1000
	worst := 0
	for i := range 120 {
		urls := make([]string, batch)
		for j := range urls {
			urls[j] = fmt.Sprintf("http://h%d.example/%d", j%50, i*batch+j)
		}
		if _, err := s.Check(urls); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Maintain(); err != nil {
			t.Fatal(err)
		}
		st := s.SeenStats()
		bound := 2*max(bolt.MinMergeThreshold, int(st.Count)/8) + batch
		if st.Pending > bound {
			t.Fatalf("after %d URLs: %d unmerged hashes, want at most %d", st.Count, st.Pending, bound)
		}
		worst = max(worst, st.Pending)
	}
	st := s.SeenStats()
	if st.Count != 120*batch || st.Merges < 5 {
		t.Fatalf("stats %+v: want %d URLs and several merge rounds well below MergeThreshold", st, 120*batch)
	}
	t.Logf("%d URLs, %d merges, at most %d unmerged", st.Count, st.Merges, worst)
}
