package corpus_test

import (
	"testing"

	"trawl.dev/classifier"
	"trawl.dev/classifier/corpus"
	"trawl.dev/classifier/iploc"
)

// Every hand-written part loads, with sites of every class.
func TestHandLoads(t *testing.T) {
	for _, src := range []string{corpus.SourceHand, corpus.SourceHoldout, corpus.SourceHoldout2, corpus.SourceHoldout3} {
		sites, err := corpus.Hand(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		classes := make(map[classifier.Class]int)
		for _, s := range sites {
			classes[s.Class]++
			if len(s.Pages) == 0 || s.Pages[0].Path == "" {
				t.Errorf("%s: %s has no home page", src, s.Domain)
			}
		}
		for _, c := range classifier.Classes {
			if classes[c] == 0 {
				t.Errorf("%s: no site of class %s", src, c)
			}
		}
	}
	if _, err := corpus.Hand("nonsense"); err == nil {
		t.Error("an unknown part: got no error")
	}
}

// The rules meet the targets on the corpus: store precision and
// recall of 0.98 or more, no decoy kind classed a store more than 2% of
// the time, every flag explained by three pieces of evidence. The simweb
// part is one generated web of 1,000 sites here ("classifier eval" reads
// three).
func TestCorpusMeetsTargets(t *testing.T) {
	var all []corpus.Site
	for _, src := range []string{corpus.SourceHand, corpus.SourceHoldout, corpus.SourceHoldout2, corpus.SourceHoldout3} {
		sites, err := corpus.Hand(src)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sites...)
	}
	sim, hosting := corpus.Simweb(1000, 1, 10)
	all = append(all, sim...)
	a := &classifier.Analyzer{IPDB: hosting.IPDB(iploc.DB{}), ASNDB: hosting}
	aggs, verdicts := corpus.Classify(all, a, classifier.DefaultScoring())
	corpus.LinkFamilies(all, aggs, verdicts)
	rep := classifier.Evaluate(corpus.Outcomes(all, verdicts))
	store := rep.Classes[classifier.ClassStore]
	if store.Precision() < 0.98 || store.Recall() < 0.98 {
		t.Errorf("store class: got precision %.3f recall %.3f, want both 0.98 or more", store.Precision(), store.Recall())
	}
	if rep.Flag.Precision() < 0.98 || rep.Flag.Recall() < 0.98 {
		t.Errorf("flag: got precision %.3f recall %.3f, want both 0.98 or more", rep.Flag.Precision(), rep.Flag.Recall())
	}
	if worst, kind := rep.MaxDecoyFPRate(); worst > 0.02 {
		t.Errorf("decoy %s classed a store %.1f%% of the time, want 2%% at most", kind, 100*worst)
	}
	if len(rep.Unexplained) > 0 {
		t.Errorf("flagged without three explained evidence items: %v", rep.Unexplained)
	}
	if p := rep.FamilyPairs.Precision(); p < 0.95 || rep.FamilyPairs.TP == 0 {
		t.Errorf("family pairs: got precision %.3f with %d right, want 0.95 or more", p, rep.FamilyPairs.TP)
	}
	for _, k := range rep.Kinds {
		if k.Decoy && k.Sites < 5 {
			t.Errorf("decoy kind %s has %d sites, want 5 or more to measure it", k.Kind, k.Sites)
		}
	}
	if t.Failed() {
		for _, o := range rep.Misses {
			t.Logf("miss: %s (%s) want %s flagged %v, got %s flagged %v", o.Site, o.Kind, o.WantClass, o.WantFlagged, o.Verdict.Class, o.Verdict.Flagged)
		}
	}
}
