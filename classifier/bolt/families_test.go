package bolt_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/classifier"
	"trawl.dev/classifier/bolt"
)

func member(site string, keys ...classifier.FamilyKey) classifier.Member {
	return classifier.Member{Site: site, Hosts: []string{site}, Keys: keys}
}

var (
	purse = classifier.FamilyKey{Reason: classifier.LinkPayment, Value: "webmoney:Z418223017745"}
	ym    = classifier.FamilyKey{Reason: classifier.LinkTracker, Value: "ym:31877402"}
)

// Sites join and leave families as they are flagged and unflagged; a
// family that loses its bridge splits, and every site whose family changed
// is reported.
func TestFamiliesUpdate(t *testing.T) {
	f := bolt.NewFamilies(filepath.Join(t.TempDir(), "families.db"))
	if err := f.Open(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	update := func(m classifier.Member, flagged bool, want ...string) {
		t.Helper()
		got, err := f.Update(m, flagged)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Update(%s, %v): affected %v, want %v", m.Site, flagged, got, want)
		}
	}
	family := func(site string) string {
		t.Helper()
		fams, err := f.Families([]string{site})
		if err != nil {
			t.Fatal(err)
		}
		return fams[site].ID
	}
	update(member("b.ru", purse), true, "b.ru")
	update(member("b.ru", purse), true) // unchanged: nothing to do
	update(member("c.ru", purse, ym), true, "b.ru", "c.ru")
	update(member("d.ru", ym), true, "b.ru", "c.ru", "d.ru")
	if got := family("d.ru"); got != "b.ru" {
		t.Errorf("family of d.ru: got %q, want b.ru (linked through c.ru)", got)
	}
	update(member("x.ru"), false) // never flagged: nothing to do
	update(member("c.ru", purse, ym), false, "b.ru", "c.ru", "d.ru")
	for _, s := range []string{"b.ru", "c.ru", "d.ru"} {
		if got := family(s); got != "" {
			t.Errorf("after c.ru left: family of %s is %q, want none", s, got)
		}
	}
}

func TestDBLabelsAndFamily(t *testing.T) {
	d := MustOpenDB(t, filepath.Join(t.TempDir(), "part-0.db"))
	pages := loadSite(t, "store-ru.txt")
	site := pages[0].Site
	if _, err := d.Apply(pages[0], analyzer.Analyze(pages[0]), classifier.Scoring{}, now); err != nil {
		t.Fatal(err)
	}
	l := classifier.Label{ID: "l1", Site: site, Kind: classifier.LabelConfirmed, Reviewer: "ann", Created: now}
	for i, want := range []bool{true, false} {
		added, err := d.AddLabel(l)
		if err != nil || added != want {
			t.Fatalf("AddLabel #%d: got %v, %v; want %v", i+1, added, err, want)
		}
	}
	fam := &classifier.Family{ID: "a.ru", Members: []string{"a.ru", site},
		Links: []classifier.FamilyLink{{Site: "a.ru", Reason: classifier.LinkPayment, Value: "webmoney:Z418223017745"}}}
	v, _, changed, err := d.SetFamily(site, fam)
	if err != nil || !changed || v == nil || v.Family != "a.ru" || len(v.Labels) != 1 {
		t.Fatalf("SetFamily: got %+v, changed %v, %v; want the family and the label on the verdict", v, changed, err)
	}
	if _, _, changed, _ := d.SetFamily(site, fam); changed {
		t.Error("SetFamily with the same family: got changed")
	}
	// The next page keeps both.
	res, err := d.Apply(pages[1], analyzer.Analyze(pages[1]), classifier.Scoring{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.Family != "a.ru" || len(res.Verdict.Labels) != 1 || res.Verdict.Labels[0].Reviewer != "ann" {
		t.Errorf("after another page: family %q labels %+v; want both kept", res.Verdict.Family, res.Verdict.Labels)
	}
}

// A file written with the first index layout (members filed under every
// key, IPs and out-hosts included, no layout mark) is re-filed when opened,
// and families are still found along every kind of link: mirrors linking
// to each other are one family, sites sharing only a server are not.
func TestFamiliesIndexRebuiltFromOldLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "families.db")
	ip := classifier.FamilyKey{Reason: classifier.LinkIP, Value: "1.2.3.4"}
	old := []classifier.Member{
		{Site: "a.ru", Hosts: []string{"www.a.ru"}, Keys: []classifier.FamilyKey{ip}, OutHosts: []string{"b.ru", "popular.com"}},
		{Site: "b.ru", Hosts: []string{"b.ru"}, Keys: []classifier.FamilyKey{ip}, OutHosts: []string{"www.a.ru", "popular.com"}},
		{Site: "c.ru", Hosts: []string{"c.ru"}, Keys: []classifier.FamilyKey{ip}, OutHosts: []string{"popular.com"}},
	}
	db, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		members, _ := tx.CreateBucket([]byte("members"))
		index, _ := tx.CreateBucket([]byte("index"))
		for _, m := range old {
			raw, _ := json.Marshal(m)
			if err := members.Put([]byte(m.Site), raw); err != nil {
				return err
			}
			for _, k := range m.IndexKeys() { // the first layout
				if err := index.Put([]byte(k.String()+"\x00"+m.Site), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	f := bolt.NewFamilies(path)
	if err := f.Open(); err != nil {
		t.Fatal(err)
	}
	fams, err := f.Families([]string{"a.ru", "b.ru", "c.ru"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fams["b.ru"]; got.ID != "a.ru" || !slices.Equal(got.Members, []string{"a.ru", "b.ru"}) {
		t.Errorf("mirrors a.ru and b.ru: got family %+v, want a.ru's of a.ru and b.ru", got)
	}
	if got := fams["c.ru"].ID; got != "" {
		t.Errorf("c.ru shares only a server and a link target: got family %q, want none", got)
	}
	// A new mirror of a.ru joins through the rebuilt index.
	d := classifier.Member{Site: "d.ru", Hosts: []string{"d.ru"}, OutHosts: []string{"a.ru"}}
	affected, err := f.Update(d, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(affected, []string{"d.ru"}) {
		t.Errorf("d.ru links one way: affected %v, want only itself", affected)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Open again: the layout is marked, nothing is rebuilt, and a mutual
	// link now joins d.ru.
	if err := f.Open(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old[0].OutHosts = append(old[0].OutHosts, "d.ru")
	affected, err = f.Update(old[0], true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(affected, []string{"a.ru", "b.ru", "d.ru"}) {
		t.Errorf("a.ru links back to d.ru: affected %v, want a.ru, b.ru and d.ru", affected)
	}
}
