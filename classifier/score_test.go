package classifier_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"trawl.dev/classifier"
)

// siteWith builds an aggregate where each named signal fired on n pages.
func siteWith(fired map[string]int) *classifier.Site {
	s := classifier.NewSite("example.test", 0)
	pages := 0
	for _, n := range fired {
		pages = max(pages, n)
	}
	now := time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range pages {
		an := &classifier.Analysis{}
		for name, n := range fired {
			if i >= n {
				continue
			}
			sig, ok := classifier.LookupSignal(name)
			if !ok {
				panic("no signal " + name)
			}
			an.Hits = append(an.Hits, classifier.Hit{Signal: name, Axis: sig.Axis, Group: sig.Group, Weight: sig.Weight,
				Once: sig.Once, Snippet: fmt.Sprintf("%s on page %d", name, i)})
		}
		s.AddPage(&classifier.Page{URL: fmt.Sprintf("http://example.test/%d", i), Host: "example.test", Site: "example.test"}, an, now)
	}
	return s
}

func TestScoreRules(t *testing.T) {
	sc := classifier.DefaultScoring()
	tests := []struct {
		name      string
		fired     map[string]int
		wantClass classifier.Class
		wantFlag  bool
	}{
		{"one ROMS mention is not a store", map[string]int{"legal.roms": 1, "ru.hosting": 1}, classifier.ClassOther, false},
		{"ROMS on every page is still not a store", map[string]int{"legal.roms": 50, "legal.fair": 50, "legal.license_number": 50, "ru.hosting": 1}, classifier.ClassOther, false},
		{"legal claims without prices are not a store", map[string]int{"legal.roms": 1, "format.picker": 1, "catalog.counter": 1, "catalog.western_charts": 1}, classifier.ClassOther, false},
		{"three groups with prices", map[string]int{"price.per_mb": 1, "billing.prepaid_balance": 1, "format.picker": 1, "ru.hosting": 1, "ru.payment": 1}, classifier.ClassStore, true},
		{"store on Russian hosting alone: one link", map[string]int{"price.per_mb": 1, "billing.prepaid_balance": 1, "format.picker": 1, "ru.hosting": 1}, classifier.ClassStore, false},
		{"counter, nearby hosting and Russian text: one link", map[string]int{"price.per_mb": 1, "billing.prepaid_balance": 1, "format.picker": 1, "ru.counter": 3, "ru.hosting_nearby": 1, "ru.language": 1}, classifier.ClassStore, false},
		{"store without Russia", map[string]int{"price.per_mb": 1, "billing.prepaid_balance": 1, "format.picker": 1}, classifier.ClassStore, false},
		{"store on Ukrainian hosting alone", map[string]int{"price.per_mb": 1, "billing.prepaid_balance": 1, "format.picker": 1, "ru.hosting_nearby": 1}, classifier.ClassStore, false},
		{"store with Russian legal claims and payments", map[string]int{"price.per_mb": 1, "billing.prepaid_balance": 1, "format.picker": 1, "ru.law": 1, "ru.collecting_society": 1, "ru.payment": 1}, classifier.ClassStore, true},
		{"the price model alone: cheap tracks from a prepaid balance", map[string]int{"price.per_track_low": 1, "price.album_low": 1, "billing.prepaid_balance": 1, "ru.payment": 1, "ru.hosting": 1}, classifier.ClassStore, true},
		{"cheap tracks without a balance are not a store", map[string]int{"price.per_track_low": 1, "price.album_low": 1, "ru.payment": 1, "ru.hosting": 1}, classifier.ClassOther, false},
		{"torrents", map[string]int{"piracy.torrent": 3, "format.list": 3}, classifier.ClassPiracy, false},
		{"radio", map[string]int{"legit.radio": 2, "legal.roms": 1, "ru.hosting": 1}, classifier.ClassMusicLegit, false},
		{"store-like with a subscription", map[string]int{"price.per_track_low": 1, "billing.prepaid_balance": 1, "format.picker": 1, "legit.subscription": 3, "ru.hosting": 1}, classifier.ClassMusicLegit, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := sc.Score(siteWith(tc.fired))
			if v.Class != tc.wantClass || v.Flagged != tc.wantFlag {
				t.Errorf("got class %s flagged %v (store %.3f russia %.3f groups %v), want %s flagged %v",
					v.Class, v.Flagged, v.StoreScore, v.RussiaScore, v.StoreGroups, tc.wantClass, tc.wantFlag)
			}
		})
	}
}

func TestRepeatsHaveDiminishingReturns(t *testing.T) {
	sc := classifier.DefaultScoring()
	prev, prevGain := 0.0, math.Inf(1)
	for n := 1; n <= 6; n++ {
		v := sc.Score(siteWith(map[string]int{"ru.payment": n}))
		gain := v.RussiaScore - prev
		if gain <= 0 || gain >= prevGain {
			t.Errorf("%d pages: russia %.4f, gain %.4f after %.4f; want a smaller positive gain", n, v.RussiaScore, gain, prevGain)
		}
		prev, prevGain = v.RussiaScore, gain
	}
	if limit := 1 - math.Pow(1-0.4, 2); prev >= limit {
		t.Errorf("russia %.4f after many pages, want below %.4f (twice one page)", prev, limit)
	}
	once := sc.Score(siteWith(map[string]int{"ru.hosting": 1}))
	many := sc.Score(siteWith(map[string]int{"ru.hosting": 20}))
	if once.RussiaScore != many.RussiaScore {
		t.Errorf("hosting on 20 pages: got %.4f, want %.4f as on one page (a site fact)", many.RussiaScore, once.RussiaScore)
	}
}

func TestHostingAndContentApart(t *testing.T) {
	v := classifier.DefaultScoring().Score(siteWith(map[string]int{"ru.hosting": 1, "ru.language": 1}))
	if v.HostingScore != 0.6 || v.ContentScore != 0.3 {
		t.Errorf("got hosting %.3f content %.3f, want 0.6 and 0.3", v.HostingScore, v.ContentScore)
	}
	if want := 1 - 0.4*0.7; math.Abs(v.RussiaScore-want) > 1e-4 {
		t.Errorf("got russia %.4f, want %.4f", v.RussiaScore, want)
	}
}

func TestReportDiscount(t *testing.T) {
	page := classifier.Page{URL: "http://blog.test/p", Host: "blog.test", Site: "blog.test",
		Text: "Posted by Ann. According to the RIAA, the site sells music at $0.02 per MB. 3 comments"}
	an := (&classifier.Analyzer{}).Analyze(&page)
	if !an.Reported {
		t.Fatal("news page not recognised as a report")
	}
	for _, h := range an.Hits {
		if h.Signal == "price.per_mb" && h.Weight >= 0.7 {
			t.Errorf("per-MB price on a news page: got weight %.3f, want it discounted", h.Weight)
		}
	}
}

func TestMaterialAndFocus(t *testing.T) {
	sc := classifier.DefaultScoring()
	v := &classifier.Verdict{Site: "x", Class: classifier.ClassStore, Flagged: true, StoreScore: 0.9, RussiaScore: 0.8,
		Version: 5, Evidence: []classifier.Evidence{{Signal: "price.per_mb"}}}
	tests := []struct {
		name string
		prev classifier.Published
		want bool
	}{
		{"first verdict", classifier.Published{}, true},
		{"same", classifier.Published{Version: 4, Class: classifier.ClassStore, Flagged: true, StoreScore: 0.89, RussiaScore: 0.8}, false},
		{"score moved", classifier.Published{Version: 4, Class: classifier.ClassStore, Flagged: true, StoreScore: 0.8, RussiaScore: 0.8}, true},
		{"flag changed", classifier.Published{Version: 4, Class: classifier.ClassStore, StoreScore: 0.9, RussiaScore: 0.8}, true},
		{"older than published", classifier.Published{Version: 6, Class: classifier.ClassOther}, false},
	}
	for _, tc := range tests {
		if got := sc.Material(tc.prev, v); got != tc.want {
			t.Errorf("%s: Material = %v, want %v", tc.name, got, tc.want)
		}
	}
	if sc.Material(classifier.Published{}, &classifier.Verdict{Version: 1}) {
		t.Error("a first verdict without evidence: got material")
	}
	if !sc.WantsFocus(classifier.Published{}, v) || sc.WantsFocus(classifier.Published{Focused: true}, v) {
		t.Error("WantsFocus: want true before focus was asked, false after")
	}
	if sc.WantsFocus(classifier.Published{}, &classifier.Verdict{Class: classifier.ClassOther, StoreScore: 0.2}) {
		t.Error("WantsFocus for a weak site: got true")
	}
}

func TestSelect(t *testing.T) {
	yes := true
	all := []classifier.Summary{
		{Site: "b.ru", Class: classifier.ClassStore, Flagged: true, StoreScore: 0.9},
		{Site: "a.ru", Class: classifier.ClassStore, Flagged: true, StoreScore: 0.9},
		{Site: "c.com", Class: classifier.ClassStore, StoreScore: 0.95},
		{Site: "d.ru", Class: classifier.ClassOther, StoreScore: 0.1},
	}
	l, err := classifier.Select(all, classifier.Query{Flagged: &yes, Class: classifier.ClassStore, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Sites) != 1 || l.Sites[0].Site != "a.ru" || l.NextCursor == "" {
		t.Fatalf("page 1: got %+v, want a.ru and a cursor", l)
	}
	l, err = classifier.Select(all, classifier.Query{Flagged: &yes, Limit: 1, Cursor: l.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Sites) != 1 || l.Sites[0].Site != "b.ru" || l.NextCursor != "" {
		t.Fatalf("page 2: got %+v, want b.ru and no cursor", l)
	}
	l, _ = classifier.Select(all, classifier.Query{})
	if got := []string{l.Sites[0].Site, l.Sites[1].Site, l.Sites[2].Site, l.Sites[3].Site}; fmt.Sprint(got) != "[c.com a.ru b.ru d.ru]" {
		t.Errorf("order: got %v, want [c.com a.ru b.ru d.ru]", got)
	}
	for _, q := range []classifier.Query{{Limit: -1}, {Limit: classifier.MaxLimit + 1}, {Class: "shop"}, {Cursor: "%%%"}} {
		if _, err := classifier.Select(all, q); !errors.Is(err, classifier.ErrBadQuery) {
			t.Errorf("Select(%+v): got %v, want ErrBadQuery", q, err)
		}
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		text     string
		amount   float64
		currency string
		unit     string
	}{
		{"$0.02 per MB", 0.02, "USD", classifier.UnitMB},
		{"0,15$ за трек", 0.15, "USD", classifier.UnitTrack},
		{"2 цента за мегабайт", 0.02, "USD", classifier.UnitMB},
		{"199 ₽ в месяц", 199, "RUB", classifier.UnitMonth},
		{"1 000 руб.", 1000, "RUB", ""},
		{"€1,000.50 per album", 1000.5, "EUR", classifier.UnitAlbum},
		{"album: £1.20", 1.2, "GBP", classifier.UnitAlbum},
		{"50 коп. за трек", 0.5, "RUB", classifier.UnitTrack},
		{"4:05 $0.16", 0.16, "USD", ""},
	}
	for _, tc := range tests {
		p := classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", Text: tc.text}
		m := classifier.NewDoc(&p).Money()
		if len(m) != 1 || math.Abs(m[0].Amount-tc.amount) > 1e-9 || m[0].Currency != tc.currency || m[0].Unit != tc.unit {
			t.Errorf("Money(%q) = %+v, want one %v %s per %q", tc.text, m, tc.amount, tc.currency, tc.unit)
		}
	}
}

func TestSignalTable(t *testing.T) {
	seen := make(map[string]bool)
	axes := map[classifier.Axis]int{}
	for _, s := range classifier.Signals() {
		if seen[s.Name] {
			t.Errorf("duplicate signal %s", s.Name)
		}
		seen[s.Name] = true
		axes[s.Axis]++
		if s.Weight <= 0 || s.Weight >= 1 || s.Group == "" || s.Doc == "" {
			t.Errorf("signal %s: weight %v group %q doc %q", s.Name, s.Weight, s.Group, s.Doc)
		}
	}
	for _, a := range []classifier.Axis{classifier.AxisStore, classifier.AxisRussia, classifier.AxisPiracy, classifier.AxisLegit} {
		if axes[a] == 0 {
			t.Errorf("no signal on axis %s", a)
		}
	}
}
