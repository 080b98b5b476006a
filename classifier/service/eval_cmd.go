package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/bolt"
	"trawl.dev/classifier/corpus"
	"trawl.dev/classifier/iploc"
)

func init() {
	commands["eval"] = command{"measure the rules: on the labelled corpus, or (--labels) on investigators' labels", evalCommand}
}

// evalCommand is "classifier eval": it classifies the labelled corpus (the
// hand-written sites, the held-out ones and simweb's generated sites) and
// prints precision, recall and F1 per class, the confusion matrix and the
// false-positive rate of each kind of decoy. With --labels it compares the
// stored verdicts with investigators' labels instead.
func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sites    = fs.Int("simweb-sites", 1000, "sites of each generated web; 0 leaves simweb out")
		seeds    = fs.String("simweb-seeds", "1-3", `seeds of the generated webs: "1-3", "1,5"`)
		maxPages = fs.Int("max-pages", 10, "pages read of each generated site")
		sources  = fs.String("sources", "hand,holdout,holdout2,holdout3,simweb", "parts of the corpus to use")
		misses   = fs.Bool("misses", false, "list every site the rules got wrong")
		labels   = fs.Bool("labels", false, "evaluate against investigators' labels stored in --data instead of the corpus")
		data     = fs.String("data", envOr("TRAWL_DATA", "data"), "data directory of the classifier, for --labels (TRAWL_DATA)")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "classifier eval: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *labels {
		return evalLabels(ctx, *data, *misses, stdout, stderr)
	}
	seedList, err := parseSeeds(*seeds)
	if err != nil || *sites < 0 || *maxPages < 1 {
		fmt.Fprintf(stderr, "classifier eval: --simweb-seeds %q, --simweb-sites %d, --max-pages %d: want seeds like 1-3 and positive counts\n", *seeds, *sites, *maxPages)
		return 2
	}
	start := time.Now()
	var all []corpus.Site
	hosting := make(corpus.Hosting)
	for _, src := range strings.Split(*sources, ",") {
		switch src = strings.TrimSpace(src); src {
		case corpus.SourceHand, corpus.SourceHoldout, corpus.SourceHoldout2, corpus.SourceHoldout3:
			ss, err := corpus.Hand(src)
			if err != nil {
				fmt.Fprintf(stderr, "classifier eval: %v\n", err)
				return 1
			}
			all = append(all, ss...)
		case corpus.SourceSimweb:
			if *sites == 0 {
				continue
			}
			for _, seed := range seedList {
				ss, h := corpus.Simweb(*sites, seed, *maxPages)
				all = append(all, ss...)
				for ip, x := range h {
					hosting[ip] = x
				}
			}
		default:
			fmt.Fprintf(stderr, "classifier eval: --sources: unknown part %q (want hand, holdout, holdout2, holdout3, simweb)\n", src)
			return 2
		}
	}
	a := &classifier.Analyzer{IPDB: hosting.IPDB(iploc.DB{}), ASNDB: hosting}
	aggs, verdicts := corpus.Classify(all, a, classifier.DefaultScoring())
	corpus.LinkFamilies(all, aggs, verdicts)
	rep := classifier.Evaluate(corpus.Outcomes(all, verdicts))
	fmt.Fprintf(stdout, "classifier eval: %d sites (%s; simweb %d sites × seeds %s, up to %d pages each) in %.1fs\n\n",
		len(all), *sources, *sites, *seeds, *maxPages, time.Since(start).Seconds())
	if err := rep.WriteText(stdout, *misses); err != nil {
		fmt.Fprintf(stderr, "classifier eval: %v\n", err)
		return 1
	}
	return 0
}

// parseSeeds parses "1-3" or "1,5,7".
func parseSeeds(s string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseInt(lo, 10, 64)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = strconv.ParseInt(hi, 10, 64); err != nil || b < a || b-a > 100 {
				return nil, fmt.Errorf("bad seed range %q", part)
			}
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	return out, nil
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// evalLabels compares the current rules with investigators' labels: it
// rescores every labelled site's stored aggregate with the default
// thresholds and reports how the flags agree with the labels in force
// ("confirmed" wants a flag; "false-positive" and "cleared" want none;
// "needs-review" is counted apart). The classifier must not be running on
// the same data (its files are locked while it runs).
func evalLabels(ctx context.Context, data string, misses bool, stdout, stderr io.Writer) int {
	dir := filepath.Join(data, "classifier")
	paths, err := filepath.Glob(filepath.Join(dir, "part-*.db"))
	if err != nil || len(paths) == 0 {
		fmt.Fprintf(stderr, "classifier eval --labels: no partition files in %s\n", dir)
		return 1
	}
	sc := classifier.DefaultScoring()
	var outs []classifier.Outcome
	review, undecided := 0, 0
	kinds := make(map[classifier.LabelKind]int)
	for _, path := range paths {
		db := bolt.NewDB(path, 0)
		if err := db.OpenReadOnly(); err != nil {
			fmt.Fprintf(stderr, "classifier eval --labels: %v (is the classifier running on %s?)\n", err, data)
			return 1
		}
		labels, err := db.Labels(ctx)
		if err == nil {
			for site, ls := range labels {
				cur, ok := classifier.CurrentLabel(ls)
				if !ok {
					continue
				}
				kinds[cur.Kind]++
				want, decided := cur.Kind.Store()
				if !decided {
					review++
					continue
				}
				agg, err := db.Site(ctx, site)
				if errors.Is(err, classifier.ErrNotFound) {
					undecided++ // labelled before any page of it was counted
					continue
				}
				if err != nil {
					db.Close()
					fmt.Fprintf(stderr, "classifier eval --labels: %v\n", err)
					return 1
				}
				v := sc.Score(agg)
				v.Labels = ls
				outs = append(outs, classifier.Outcome{Site: site, Source: "label", Kind: string(cur.Kind), WantFlagged: want, Verdict: v})
			}
		}
		db.Close()
		if err != nil {
			fmt.Fprintf(stderr, "classifier eval --labels: %v\n", err)
			return 1
		}
	}
	rep := classifier.Evaluate(outs)
	fmt.Fprintf(stdout, "classifier eval --labels: %d labelled sites in %s (confirmed %d, false-positive %d, cleared %d, needs-review %d; %d labelled sites without pages)\n\n",
		len(outs)+review+undecided, dir, kinds[classifier.LabelConfirmed], kinds[classifier.LabelFalsePositive],
		kinds[classifier.LabelCleared], kinds[classifier.LabelNeedsReview], undecided)
	f := rep.Flag
	fmt.Fprintf(stdout, "flag against labels: precision %.3f recall %.3f F1 %.3f (%d agree that it is a store, %d flagged against a label, %d confirmed but not flagged)\n",
		f.Precision(), f.Recall(), f.F1(), f.TP, f.FP, f.FN)
	if misses {
		for _, o := range rep.Misses {
			l, _ := classifier.CurrentLabel(o.Verdict.Labels)
			fmt.Fprintf(stdout, "  %-32s labelled %-14s by %-12s flagged %-5v class %-12s store %.2f russia %.2f  %s\n",
				o.Site, l.Kind, l.Reviewer, o.Verdict.Flagged, o.Verdict.Class, o.Verdict.StoreScore, o.Verdict.RussiaScore, l.Note)
		}
	}
	return 0
}
