package classifier

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Outcome is one labelled site and the verdict the rules gave it.
type Outcome struct {
	Site        string
	Source      string // where the label comes from: a corpus part, "label" for investigators' labels
	Kind        string // what the site is ("store", "radio", ...), for false-positive rates by kind
	WantClass   Class  // "" when only the flag is known (investigators' labels)
	WantFlagged bool
	WantFamily  string // sites of one operation share it; "" when alone or unknown
	Verdict     *Verdict
}

// Classes are the classes in the order reports list them.
var Classes = []Class{ClassStore, ClassPiracy, ClassMusicLegit, ClassOther}

// Decoys are the kinds of site that look like stores and are not, by the
// names the corpus uses; their false-positive rates are reported apart.
var Decoys = []string{"radio", "music-blog", "track-store", "streaming", "label", "player-shop", "torrent", "free-mp3"}

// Score is precision, recall and F1 of one decision.
type Score struct {
	TP, FP, FN int
}

// Precision is TP / (TP + FP), or 1 with no positives predicted.
func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is TP / (TP + FN), or 1 with no positives.
func (s Score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// KindRate is how sites of one kind fared: how many were classed stores
// and how many flagged.
type KindRate struct {
	Kind    string
	Sites   int
	Stores  int // classed store
	Flagged int
	Decoy   bool
}

// FPRate is the share of the kind's sites classed store.
func (k KindRate) FPRate() float64 {
	if k.Sites == 0 {
		return 0
	}
	return float64(k.Stores) / float64(k.Sites)
}

// Report is an evaluation of the rules against labels.
type Report struct {
	Sites     int
	Confusion map[Class]map[Class]int // truth → predicted
	Classes   map[Class]Score
	Flag      Score
	BySource  map[string]Score // the store class, per source
	Kinds     []KindRate
	// Unexplained lists flagged sites with fewer than three evidence items
	// that have both a snippet and a URL.
	Unexplained []string
	// Calibration bins store_score in tenths: how many sites, and how
	// many of them stores.
	Calibration [10]struct{ Sites, Stores int }
	Brier       float64 // mean squared error of store_score as the probability of a store
	// RussiaCalibration bins russia_score in tenths over the stores: how
	// many, and how many of them Russia-linked by their labels.
	RussiaCalibration [10]struct{ Sites, Stores int }
	// FamilyPairs scores families pair by pair: a pair of sites put in
	// one family is right when their labels name one family.
	FamilyPairs Score
	Misses      []Outcome
}

// Evaluate compares verdicts with labels.
func Evaluate(outs []Outcome) *Report {
	r := &Report{Confusion: make(map[Class]map[Class]int), Classes: make(map[Class]Score), BySource: make(map[string]Score)}
	for _, c := range Classes {
		r.Confusion[c] = make(map[Class]int)
	}
	kinds := make(map[string]*KindRate)
	decoy := make(map[string]bool)
	for _, d := range Decoys {
		decoy[d] = true
	}
	var brier float64
	for _, o := range outs {
		v := o.Verdict
		r.Sites++
		got := v.Class
		flagOK := o.WantFlagged == v.Flagged
		switch {
		case o.WantFlagged && v.Flagged:
			r.Flag.TP++
		case v.Flagged:
			r.Flag.FP++
		case o.WantFlagged:
			r.Flag.FN++
		}
		if v.Flagged && explained(v) < 3 {
			r.Unexplained = append(r.Unexplained, o.Site)
		}
		if o.WantClass == "" {
			if !flagOK {
				r.Misses = append(r.Misses, o)
			}
			continue
		}
		if r.Confusion[o.WantClass] == nil {
			r.Confusion[o.WantClass] = make(map[Class]int)
		}
		r.Confusion[o.WantClass][got]++
		for _, c := range Classes {
			s := r.Classes[c]
			switch {
			case o.WantClass == c && got == c:
				s.TP++
			case got == c:
				s.FP++
			case o.WantClass == c:
				s.FN++
			}
			r.Classes[c] = s
		}
		src := r.BySource[o.Source]
		switch {
		case o.WantClass == ClassStore && got == ClassStore:
			src.TP++
		case got == ClassStore:
			src.FP++
		case o.WantClass == ClassStore:
			src.FN++
		}
		r.BySource[o.Source] = src
		k := kinds[o.Kind]
		if k == nil {
			k = &KindRate{Kind: o.Kind, Decoy: decoy[o.Kind]}
			kinds[o.Kind] = k
		}
		k.Sites++
		if got == ClassStore {
			k.Stores++
		}
		if v.Flagged {
			k.Flagged++
		}
		bin := min(int(v.StoreScore*10), 9)
		r.Calibration[bin].Sites++
		truth := 0.0
		if o.WantClass == ClassStore {
			r.Calibration[bin].Stores++
			truth = 1
		}
		brier += (v.StoreScore - truth) * (v.StoreScore - truth)
		if o.WantClass == ClassStore {
			rb := min(int(v.RussiaScore*10), 9)
			r.RussiaCalibration[rb].Sites++
			if o.WantFlagged {
				r.RussiaCalibration[rb].Stores++
			}
		}
		if got != o.WantClass || !flagOK {
			r.Misses = append(r.Misses, o)
		}
	}
	if n := r.Sites; n > 0 {
		r.Brier = brier / float64(n)
	}
	r.FamilyPairs = familyPairs(outs)
	for _, k := range kinds {
		r.Kinds = append(r.Kinds, *k)
	}
	sort.Slice(r.Kinds, func(i, j int) bool {
		if r.Kinds[i].Decoy != r.Kinds[j].Decoy {
			return r.Kinds[i].Decoy
		}
		return r.Kinds[i].Kind < r.Kinds[j].Kind
	})
	return r
}

// familyPairs compares the pairs of sites in one family by the verdicts
// with the pairs in one family by the labels, among flagged sites.
func familyPairs(outs []Outcome) Score {
	want := make(map[string][]string)
	got := make(map[string][]string)
	wantOf := make(map[string]string)
	for _, o := range outs {
		if o.WantFlagged && o.WantFamily != "" {
			want[o.WantFamily] = append(want[o.WantFamily], o.Site)
			wantOf[o.Site] = o.WantFamily
		}
		if o.Verdict.Flagged && o.Verdict.Family != "" {
			got[o.Verdict.Family] = append(got[o.Verdict.Family], o.Site)
		}
	}
	var s Score
	gotPairs := 0
	for _, sites := range got {
		for i := range sites {
			for j := i + 1; j < len(sites); j++ {
				gotPairs++
				if f := wantOf[sites[i]]; f != "" && f == wantOf[sites[j]] {
					s.TP++
				}
			}
		}
	}
	s.FP = gotPairs - s.TP
	wantPairs := 0
	for _, sites := range want {
		wantPairs += len(sites) * (len(sites) - 1) / 2
	}
	s.FN = wantPairs - s.TP
	return s
}

// explained counts a verdict's evidence items that quote a snippet and
// name the URL it came from.
func explained(v *Verdict) int {
	n := 0
	for _, e := range v.Evidence {
		if e.Snippet != "" && e.URL != "" {
			n++
		}
	}
	return n
}

// MaxDecoyFPRate returns the highest false-positive rate of a decoy kind,
// and the kind.
func (r *Report) MaxDecoyFPRate() (float64, string) {
	worst, kind := 0.0, ""
	for _, k := range r.Kinds {
		if k.Decoy && k.FPRate() > worst {
			worst, kind = k.FPRate(), k.Kind
		}
	}
	return worst, kind
}

// WriteText writes the report as tables: precision, recall and F1 per
// class and of the flag, the confusion matrix, false-positive rates by
// kind of site, calibration, and, when misses is set, every site the rules
// got wrong.
func (r *Report) WriteText(w io.Writer, misses bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "class\tprecision\trecall\tF1\tsites\t\n")
	for _, c := range Classes {
		s := r.Classes[c]
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", c, s.Precision(), s.Recall(), s.F1(), s.TP+s.FN)
	}
	fmt.Fprintf(tw, "flagged\t%.3f\t%.3f\t%.3f\t%d\t\n", r.Flag.Precision(), r.Flag.Recall(), r.Flag.F1(), r.Flag.TP+r.Flag.FN)
	fmt.Fprintf(tw, "family pairs\t%.3f\t%.3f\t%.3f\t%d\t\n", r.FamilyPairs.Precision(), r.FamilyPairs.Recall(), r.FamilyPairs.F1(), r.FamilyPairs.TP+r.FamilyPairs.FN)
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "truth \\ predicted\t")
	for _, c := range Classes {
		fmt.Fprintf(tw, "%s\t", c)
	}
	fmt.Fprintln(tw)
	for _, want := range Classes {
		fmt.Fprintf(tw, "%s\t", want)
		for _, got := range Classes {
			fmt.Fprintf(tw, "%d\t", r.Confusion[want][got])
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "store class by source\tprecision\trecall\tstores\t\n")
	var sources []string
	for s := range r.BySource {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	for _, src := range sources {
		s := r.BySource[src]
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%d\t\n", src, s.Precision(), s.Recall(), s.TP+s.FN)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "kind\tsites\tas store\tflagged\tFP rate\t\n")
	for _, k := range r.Kinds {
		name := k.Kind
		if k.Decoy {
			name += " (decoy)"
		}
		rate := "-"
		if k.Kind != "store" {
			rate = fmt.Sprintf("%.1f%%", 100*k.FPRate())
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t\n", name, k.Sites, k.Stores, k.Flagged, rate)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "store_score\tsites\tstores\tshare\t\t\trussia_score (stores)\tstores\tRussia-linked\tshare\t\n")
	for i := range r.Calibration {
		b, rb := r.Calibration[i], r.RussiaCalibration[i]
		if b.Sites == 0 && rb.Sites == 0 {
			continue
		}
		bin := fmt.Sprintf("%.1f-%.1f", float64(i)/10, float64(i+1)/10)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\t\t%s\t%d\t%d\t%s\t\n", bin, b.Sites, b.Stores, share(b.Stores, b.Sites),
			bin, rb.Sites, rb.Stores, share(rb.Stores, rb.Sites))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	worst, kind := r.MaxDecoyFPRate()
	fmt.Fprintf(w, "\n%d sites; Brier score of store_score %.4f; worst decoy false-positive rate %.1f%% (%s); flagged without 3 explained evidence items: %d\n",
		r.Sites, r.Brier, 100*worst, orNone(kind), len(r.Unexplained))
	if misses && len(r.Misses) > 0 {
		fmt.Fprintf(w, "\nmisses:\n")
		for _, o := range r.Misses {
			v := o.Verdict
			fmt.Fprintf(w, "  %-32s %-12s want %s%s got %s%s  store %.2f russia %.2f piracy %.2f legit %.2f  %s\n",
				o.Site, o.Kind, o.WantClass, flagMark(o.WantFlagged), v.Class, flagMark(v.Flagged),
				v.StoreScore, v.RussiaScore, v.PiracyScore, v.LegitScore, topSignals(v, 8))
		}
	}
	return nil
}

func share(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func flagMark(f bool) string {
	if f {
		return "+flag"
	}
	return ""
}

// topSignals names a verdict's strongest distinct signals.
func topSignals(v *Verdict, n int) string {
	var names []string
	seen := make(map[string]bool)
	for _, e := range v.Evidence {
		if !seen[e.Signal] && len(names) < n {
			seen[e.Signal] = true
			names = append(names, fmt.Sprintf("%s(%.2f)", e.Signal, e.Weight))
		}
	}
	return strings.Join(names, " ")
}
