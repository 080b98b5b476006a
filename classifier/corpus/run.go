package corpus

import (
	"net/netip"
	"runtime"
	"sync"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/pagefile"
)

// Fetched is the time every corpus page counts as fetched.
var Fetched = time.Date(2007, 3, 1, 12, 0, 0, 0, time.UTC)

// Classify runs every site's pages through the analyzer, as the pipeline
// would (the crawler's parser, one aggregate per site), and returns the
// sites' aggregates and verdicts in the order of sites. A page that cannot
// be parsed is left out of its site.
func Classify(sites []Site, a *classifier.Analyzer, sc classifier.Scoring) ([]*classifier.Site, []*classifier.Verdict) {
	aggs := make([]*classifier.Site, len(sites))
	verdicts := make([]*classifier.Verdict, len(sites))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				aggs[i] = Aggregate(&sites[i], a)
				verdicts[i] = sc.Score(aggs[i])
			}
		})
	}
	for i := range sites {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return aggs, verdicts
}

// Aggregate analyses a site's pages into its aggregate.
func Aggregate(s *Site, a *classifier.Analyzer) *classifier.Site {
	agg := classifier.NewSite(s.Domain, 0)
	for depth, pg := range s.Pages {
		p, err := pagefile.Parse(pg.Body, s.URL(pg), pg.ContentType, s.IP, Fetched, nil)
		if err != nil {
			continue
		}
		p.Depth = min(depth, 1)
		agg.AddPage(p.Page, a.Analyze(p.Page), Fetched)
	}
	return agg
}

// Outcomes pairs sites with their verdicts for classifier.Evaluate.
func Outcomes(sites []Site, verdicts []*classifier.Verdict) []classifier.Outcome {
	out := make([]classifier.Outcome, len(sites))
	for i, s := range sites {
		out[i] = classifier.Outcome{Site: s.Domain, Source: s.Source, Kind: s.Kind, WantClass: s.Class,
			WantFlagged: s.Flagged, WantFamily: s.Family, Verdict: verdicts[i]}
	}
	return out
}

// LinkFamilies puts the flagged sites into families, as the service does,
// and sets each verdict's Family and FamilyLinks. Sites of different
// generated webs are never linked: their addresses and IDs are reused.
func LinkFamilies(sites []Site, aggs []*classifier.Site, verdicts []*classifier.Verdict) {
	byWeb := make(map[string][]classifier.Member)
	index := make(map[string]int)
	for i, v := range verdicts {
		if !v.Flagged {
			continue
		}
		web := sites[i].Source
		if web == SourceSimweb {
			web += "-" + sites[i].Web
		}
		byWeb[web] = append(byWeb[web], classifier.MemberOf(aggs[i]))
		index[sites[i].Domain] = i
	}
	for _, members := range byWeb {
		for site, f := range classifier.LinkFamilies(members) {
			v := verdicts[index[site]]
			v.Family, v.FamilyLinks = f.ID, f.Links
		}
	}
}

// IPDB looks addresses up in h first, then in fallback.
func (h Hosting) IPDB(fallback classifier.IPDB) classifier.IPDB {
	return chain{h, fallback}
}

type chain struct {
	h        Hosting
	fallback classifier.IPDB
}

func (c chain) Country(ip netip.Addr) (string, bool) {
	if cc, ok := c.h.Country(ip); ok {
		return cc, true
	}
	if c.fallback == nil {
		return "", false
	}
	return c.fallback.Country(ip)
}
