package classifier_test

import (
	"strings"
	"testing"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/internal/testsites"
)

// scoreSite analyses and aggregates every page of a test site.
func scoreSite(t *testing.T, file string) (*classifier.Site, *classifier.Verdict) {
	t.Helper()
	name, pages, err := testsites.Load(file)
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	a := &classifier.Analyzer{IPDB: testsites.Countries()}
	site := classifier.NewSite(name, 0)
	now := time.Date(2007, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, p := range pages {
		site.AddPage(p, a.Analyze(p), now)
	}
	return site, classifier.DefaultScoring().Score(site)
}

func TestSiteVerdicts(t *testing.T) {
	tests := []struct {
		file        string
		wantClass   classifier.Class
		wantFlagged bool
		wantSignals []string // must appear in the evidence
	}{
		{"store-en-ru-hosted.txt", classifier.ClassStore, true,
			[]string{"price.per_mb", "legal.roms", "legal.fair", "billing.topup_bonus", "ru.hosting", "template.url_scheme"}},
		{"store-ru.txt", classifier.ClassStore, true,
			[]string{"price.per_track_low", "price.album_low", "legal.roms", "ru.cctld", "ru.payment", "ru.language"}},
		{"store-one-page.txt", classifier.ClassStore, true, []string{"price.per_track_low", "ru.cctld"}},
		{"store-us.txt", classifier.ClassStore, false, []string{"price.per_track_low", "billing.topup_bonus"}},
		{"radio-ru.txt", classifier.ClassMusicLegit, false, []string{"legit.radio", "legal.roms"}},
		{"blog-en.txt", classifier.ClassOther, false, []string{"legit.news", "legit.press_mention"}},
		{"news-ru.txt", classifier.ClassOther, false, []string{"legit.news"}},
		{"store-099.txt", classifier.ClassMusicLegit, false, []string{"legit.standard_price"}},
		{"streaming-ru.txt", classifier.ClassMusicLegit, false, []string{"legit.subscription", "ru.rouble"}},
		{"player-shop-ru.txt", classifier.ClassOther, false, []string{"legit.hardware_shop"}},
		{"torrent-ru.txt", classifier.ClassPiracy, false, []string{"piracy.torrent", "piracy.free_download"}},
		{"freemp3-en.txt", classifier.ClassPiracy, false, []string{"piracy.free_download", "piracy.file_host"}},
		{"label-en.txt", classifier.ClassMusicLegit, false, []string{"legit.label"}},
		{"forum-roms.txt", classifier.ClassOther, false, []string{"legal.roms"}},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".txt"), func(t *testing.T) {
			_, v := scoreSite(t, tc.file)
			t.Logf("%s: class %s flagged %v store %.3f russia %.3f (hosting %.3f content %.3f) piracy %.3f legit %.3f groups %v",
				v.Site, v.Class, v.Flagged, v.StoreScore, v.RussiaScore, v.HostingScore, v.ContentScore,
				v.PiracyScore, v.LegitScore, v.StoreGroups)
			if v.Class != tc.wantClass || v.Flagged != tc.wantFlagged {
				for _, e := range v.Evidence {
					t.Logf("  %-28s %.3f %q", e.Signal, e.Weight, e.Snippet)
				}
				t.Fatalf("%s: got class %s flagged %v, want %s flagged %v", v.Site, v.Class, v.Flagged, tc.wantClass, tc.wantFlagged)
			}
			have := make(map[string]bool)
			for _, e := range v.Evidence {
				have[e.Signal] = true
				if e.URL == "" || e.Snippet == "" {
					t.Errorf("evidence %s has URL %q snippet %q, want both", e.Signal, e.URL, e.Snippet)
				}
			}
			for _, s := range tc.wantSignals {
				if !have[s] {
					t.Errorf("evidence lacks %s; has %v", s, keys(have))
				}
			}
			if v.Flagged && len(v.Evidence) < 3 {
				t.Errorf("flagged verdict has %d evidence items, want at least 3", len(v.Evidence))
			}
			for i := 1; i < len(v.Evidence); i++ {
				if v.Evidence[i].Weight > v.Evidence[i-1].Weight {
					t.Errorf("evidence not sorted by weight: %v before %v", v.Evidence[i-1].Weight, v.Evidence[i].Weight)
				}
			}
			for _, s := range []float64{v.StoreScore, v.RussiaScore, v.HostingScore, v.ContentScore} {
				if s < 0 || s > 1 {
					t.Errorf("score %v outside 0..1", s)
				}
			}
		})
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Evidence carries the WARC record of the page it was found on.
func TestEvidenceCitesItsPagesWARCRecord(t *testing.T) {
	name, pages, err := testsites.Load("store-ru.txt")
	if err != nil {
		t.Fatal(err)
	}
	a := &classifier.Analyzer{IPDB: testsites.Countries()}
	site := classifier.NewSite(name, 0)
	refs := map[string]*classifier.WARCRef{}
	for i, p := range pages {
		p.WARC = &classifier.WARCRef{File: "trawl-1.warc.gz", Offset: int64(1000 * i), RecordID: "urn:uuid:page-" + p.CanonicalURL()}
		refs[p.CanonicalURL()] = p.WARC
		site.AddPage(p, a.Analyze(p), time.Date(2007, 3, 2, 0, 0, 0, 0, time.UTC))
	}
	v := classifier.DefaultScoring().Score(site)
	if len(v.Evidence) == 0 {
		t.Fatal("no evidence: the test would prove nothing")
	}
	for _, e := range v.Evidence {
		if want := refs[e.URL]; want == nil || e.WARC != want {
			t.Errorf("evidence %s from %s cites %+v, want %+v", e.Signal, e.URL, e.WARC, want)
		}
	}
}
