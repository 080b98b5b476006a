package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/bolt"
	"trawl.dev/classifier/internal/testsites"
	"trawl.dev/proto"
)

// MustOpenDB opens a partition file in a temporary directory.
func MustOpenDB(tb testing.TB, path string) *bolt.DB {
	tb.Helper()
	d := bolt.NewDB(path, 0)
	if err := d.Open(); err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

func loadSite(tb testing.TB, file string) []*classifier.Page {
	tb.Helper()
	_, pages, err := testsites.Load(file)
	if err != nil {
		tb.Fatal(err)
	}
	return pages
}

var (
	analyzer = &classifier.Analyzer{IPDB: testsites.Countries()}
	now      = time.Date(2007, 3, 2, 0, 0, 0, 0, time.UTC)
)

func TestApplyIsIdempotentAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "part-0.db")
	pages := loadSite(t, "store-en-ru-hosted.txt")
	site := pages[0].Site
	sc := classifier.Scoring{}

	d := MustOpenDB(t, path)
	for i, p := range pages {
		res, err := d.Apply(p, analyzer.Analyze(p), sc, now)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Counted {
			t.Fatalf("page %d: got Counted false, want true", i)
		}
		if res.NewSite != (i == 0) {
			t.Errorf("page %d: got NewSite %v, want %v", i, res.NewSite, i == 0)
		}
		if res.Verdict.Version != int64(i+1) {
			t.Errorf("page %d: got version %d, want %d", i, res.Verdict.Version, i+1)
		}
	}
	before, err := d.Verdict(ctx, site)
	if err != nil {
		t.Fatal(err)
	}
	if !before.Flagged {
		t.Fatalf("got flagged false for %s, want true", site)
	}

	redeliver := func(d *bolt.DB) {
		t.Helper()
		for _, p := range pages {
			res, err := d.Apply(p, analyzer.Analyze(p), sc, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if res.Counted || res.NewSite {
				t.Errorf("redelivered %s: got Counted %v NewSite %v, want false", p.URL, res.Counted, res.NewSite)
			}
			if !res.WasFlagged {
				t.Errorf("redelivered %s: got WasFlagged false, want true", p.URL)
			}
		}
	}
	redeliver(d)
	if err := d.SetPublished(site, classifier.Published{}.MarkPublished(before)); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = MustOpenDB(t, path)
	redeliver(d)
	after, err := d.Verdict(ctx, site)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("verdict changed by redelivery:\nbefore %+v\nafter  %+v", before, after)
	}
	agg, err := d.Site(ctx, site)
	if err != nil {
		t.Fatal(err)
	}
	if agg.Pages != len(pages) || agg.Version != int64(len(pages)) {
		t.Errorf("got pages %d version %d, want %d and %d", agg.Pages, agg.Version, len(pages), len(pages))
	}
	pub, err := d.Published(ctx, site)
	if err != nil {
		t.Fatal(err)
	}
	if pub.Version != before.Version || !pub.Flagged {
		t.Errorf("got published %+v, want version %d flagged", pub, before.Version)
	}
	sums, err := d.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || sums[0].Site != site || !sums[0].Flagged {
		t.Errorf("got summaries %+v, want one flagged %s", sums, site)
	}
}

func TestRescoreAfterThresholdChange(t *testing.T) {
	ctx := context.Background()
	d := MustOpenDB(t, filepath.Join(t.TempDir(), "part-0.db"))
	for _, p := range loadSite(t, "store-one-page.txt") {
		if _, err := d.Apply(p, analyzer.Analyze(p), classifier.Scoring{}, now); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		sc        classifier.Scoring
		wantN     int
		wantClass classifier.Class
	}{
		{"defaults recorded", classifier.Scoring{}, 1, classifier.ClassStore},
		{"same again", classifier.Scoring{}, 0, classifier.ClassStore},
		{"stricter store threshold", classifier.Scoring{StoreThreshold: 0.99}, 1, classifier.ClassOther},
	}
	for _, tc := range tests {
		n, err := d.Rescore(ctx, tc.sc)
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.Verdict(ctx, "cheaptunes-mp3.su")
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.wantN || v.Class != tc.wantClass {
			t.Errorf("%s: got %d rescored, class %s; want %d, %s", tc.name, n, v.Class, tc.wantN, tc.wantClass)
		}
	}
}

func TestStoreRoutesByPartition(t *testing.T) {
	ctx := context.Background()
	const n = 4
	s := bolt.NewStore(t.TempDir(), []int{0, 1, 2, 3}, n)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	files := []string{"store-ru.txt", "radio-ru.txt", "blog-en.txt"}
	for _, f := range files {
		for _, p := range loadSite(t, f) {
			p.Partition = proto.Partition(p.Site, n)
			if _, err := s.DB(p.Partition).Apply(p, analyzer.Analyze(p), classifier.Scoring{}, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	v, err := s.Verdict(ctx, "MuzLavka-MP3.ru.")
	if err != nil {
		t.Fatal(err)
	}
	if v.Site != "muzlavka-mp3.ru" || v.Partition != proto.Partition("muzlavka-mp3.ru", n) {
		t.Errorf("got site %s partition %d, want muzlavka-mp3.ru in %d", v.Site, v.Partition, proto.Partition("muzlavka-mp3.ru", n))
	}
	if _, err := s.Verdict(ctx, "unknown.example"); !errors.Is(err, classifier.ErrNotFound) {
		t.Errorf("unknown site: got %v, want ErrNotFound", err)
	}
	vs, err := s.Verdicts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(files) {
		t.Errorf("got %d verdicts, want %d", len(vs), len(files))
	}
	sums, err := s.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(files) {
		t.Errorf("got %d summaries, want %d", len(sums), len(files))
	}
}

// TestFamilyMarks: a change to a flagged site is marked for the family
// index in Apply's transaction, the mark survives a reopen, a redelivered
// page marks nothing, and clearing a mark read before a newer change
// keeps the newer one.
func TestFamilyMarks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "part-0.db")
	store := loadSite(t, "store-en-ru-hosted.txt")
	other := loadSite(t, "label-en.txt")
	d := MustOpenDB(t, path)
	for _, p := range other {
		if _, err := d.Apply(p, analyzer.Analyze(p), classifier.Scoring{}, now); err != nil {
			t.Fatal(err)
		}
	}
	marks, err := d.FamilyDirty(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 0 {
		t.Fatalf("a site never flagged was marked: %+v", marks)
	}
	last := len(store) - 1
	for _, p := range store[:last] {
		if _, err := d.Apply(p, analyzer.Analyze(p), classifier.Scoring{}, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = MustOpenDB(t, path)
	marks, err = d.FamilyDirty(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 1 || marks[0].Site != store[0].Site || !marks[0].Flagged {
		t.Fatalf("after reopen: marks %+v, want %s flagged", marks, store[0].Site)
	}
	// A newer page after the marks were read: clearing the old read
	// keeps the new mark.
	if _, err := d.Apply(store[last], analyzer.Analyze(store[last]), classifier.Scoring{}, now); err != nil {
		t.Fatal(err)
	}
	if err := d.FamilyDone(marks); err != nil {
		t.Fatal(err)
	}
	newer, err := d.FamilyDirty(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(newer) != 1 {
		t.Fatalf("the newer change's mark was cleared with the older: %+v", newer)
	}
	if err := d.FamilyDone(newer); err != nil {
		t.Fatal(err)
	}
	// Redelivered pages change nothing and mark nothing.
	for _, p := range store {
		if _, err := d.Apply(p, analyzer.Analyze(p), classifier.Scoring{}, now); err != nil {
			t.Fatal(err)
		}
	}
	if left, err := d.FamilyDirty(100); err != nil || len(left) != 0 {
		t.Fatalf("after clearing and redelivery: %+v, %v; want none", left, err)
	}
}
