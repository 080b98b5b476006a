package classifier

import (
	"hash/fnv"
	"math"
	"sort"
	"strconv"
)

// Scoring turns a site aggregate into a verdict. The zero value means the
// defaults of DefaultScoring; set a field to change one threshold.
type Scoring struct {
	// StoreThreshold is the store_score a site needs to be classed a store.
	StoreThreshold float64
	// RussiaThreshold is the russia_score a store needs to be flagged.
	RussiaThreshold float64
	// MinRussiaLinks is how many independent links to Russia a store needs
	// to be flagged: Russian hosting, a Russian domain, roubles or Russian
	// payment systems, the Russian language, Russian law or collecting
	// societies, a Russian address (RussiaLinkGroups). One link alone (an
	// IP database entry, a .ru name) can mislead.
	MinRussiaLinks int
	// MinStoreGroups is how many independent groups of store signals
	// (price, billing, format, legal, catalog, template) a store needs, one
	// of them price or billing. One mention of ROMS is not a store.
	MinStoreGroups int
	// PriceModel is the strength the price and billing groups both need
	// for a site to be a store on them alone: prices of a few cents a track
	// or a megabyte paid from a prepaid balance is AllofMP3's price model,
	// whatever else the page says.
	PriceModel float64
	// GroupCap caps one store group's contribution to store_score.
	GroupCap float64
	// GroupFloor is the strength a store group needs to count towards
	// MinStoreGroups (a snippet discounted on a news page does not).
	GroupFloor float64
	// RepeatDecay is how much each further page that fires a signal adds,
	// as a fraction of the one before: 0.5 means a signal on many pages
	// counts at most as two independent observations.
	RepeatDecay float64
	// CounterDamping scales store_score down by counter-evidence:
	// store_score = store × (1 − CounterDamping × max evidence of piracy or legit).
	CounterDamping float64
	// PiracyThreshold is the piracy score of class piracy-other.
	PiracyThreshold float64
	// LegitThreshold is the legit score of class music-legit.
	LegitThreshold float64
	// FocusThreshold is the store_score at which the frontier is asked to
	// crawl a site sooner.
	FocusThreshold float64
	// MaterialDelta is the score change that republishes a verdict.
	MaterialDelta float64
	// EvidencePerSignal and MaxEvidence bound a verdict's evidence list.
	EvidencePerSignal int
	MaxEvidence       int
}

// DefaultScoring returns the default thresholds.
func DefaultScoring() Scoring {
	return Scoring{
		StoreThreshold:    0.7,
		RussiaThreshold:   0.5,
		MinRussiaLinks:    2,
		MinStoreGroups:    3,
		PriceModel:        0.4,
		GroupCap:          0.6,
		GroupFloor:        0.15,
		RepeatDecay:       0.5,
		CounterDamping:    0.6,
		PiracyThreshold:   0.5,
		LegitThreshold:    0.4,
		FocusThreshold:    0.45,
		MaterialDelta:     0.05,
		EvidencePerSignal: 2,
		MaxEvidence:       40,
	}
}

// WithDefaults returns sc with every zero field set to its default.
func (sc Scoring) WithDefaults() Scoring {
	d := DefaultScoring()
	pick := func(v, def float64) float64 {
		if v <= 0 {
			return def
		}
		return v
	}
	sc.StoreThreshold = pick(sc.StoreThreshold, d.StoreThreshold)
	sc.RussiaThreshold = pick(sc.RussiaThreshold, d.RussiaThreshold)
	sc.GroupCap = pick(sc.GroupCap, d.GroupCap)
	sc.PriceModel = pick(sc.PriceModel, d.PriceModel)
	sc.GroupFloor = pick(sc.GroupFloor, d.GroupFloor)
	sc.RepeatDecay = pick(sc.RepeatDecay, d.RepeatDecay)
	sc.CounterDamping = pick(sc.CounterDamping, d.CounterDamping)
	sc.PiracyThreshold = pick(sc.PiracyThreshold, d.PiracyThreshold)
	sc.LegitThreshold = pick(sc.LegitThreshold, d.LegitThreshold)
	sc.FocusThreshold = pick(sc.FocusThreshold, d.FocusThreshold)
	sc.MaterialDelta = pick(sc.MaterialDelta, d.MaterialDelta)
	if sc.MinRussiaLinks <= 0 {
		sc.MinRussiaLinks = d.MinRussiaLinks
	}
	if sc.MinStoreGroups <= 0 {
		sc.MinStoreGroups = d.MinStoreGroups
	}
	if sc.EvidencePerSignal <= 0 {
		sc.EvidencePerSignal = d.EvidencePerSignal
	}
	if sc.MaxEvidence <= 0 {
		sc.MaxEvidence = d.MaxEvidence
	}
	sc.MaxEvidence = max(sc.MaxEvidence, 3)
	return sc
}

// RussiaLinkGroups are the groups of Russia signals that count as
// independent links to Russia. Counters (Yandex.Metrika, LiveInternet) and
// hosting in a neighbouring country add to russia_score but are not links
// of their own.
var RussiaLinkGroups = map[string]bool{GroupHosting: true, GroupDomain: true, GroupMoney: true,
	GroupLanguage: true, GroupLaw: true, GroupContact: true}

// effective is a signal's strength after repeats: a noisy-OR of its weight
// over the pages it fired on, each further page counting RepeatDecay as much
// as the one before, so repeats have diminishing returns.
func (sc Scoring) effective(st *SignalState) float64 {
	w := math.Min(st.Weight, 0.99)
	if st.Once || st.Pages <= 1 {
		return w
	}
	r := sc.RepeatDecay
	h := (1 - math.Pow(r, float64(st.Pages))) / (1 - r)
	if r >= 1 {
		h = float64(st.Pages)
	}
	return 1 - math.Pow(1-w, h)
}

// Score computes the verdict of a site.
func (sc Scoring) Score(s *Site) *Verdict {
	sc = sc.WithDefaults()
	notStore := func(p float64) float64 { return 1 - p }
	storeGroups := make(map[string]float64) // group → 1 − noisy-OR
	links := make(map[string]float64)       // Russia link group → strongest signal
	hosting, content, piracy, music, other := 1.0, 1.0, 1.0, 1.0, 1.0
	for name, st := range s.Signals {
		e := sc.effective(st)
		switch st.Axis {
		case AxisStore:
			if _, ok := storeGroups[st.Group]; !ok {
				storeGroups[st.Group] = 1
			}
			storeGroups[st.Group] *= notStore(e)
		case AxisRussia:
			if RussiaLinkGroups[st.Group] && name != SignalHostingNearby {
				links[st.Group] = math.Max(links[st.Group], e)
			}
			if st.Group == GroupHosting {
				hosting *= 1 - e
			} else {
				content *= 1 - e
			}
		case AxisPiracy:
			piracy *= 1 - e
		case AxisLegit:
			if st.Group == GroupMusic {
				music *= 1 - e
			} else {
				other *= 1 - e
			}
		}
	}
	v := &Verdict{Site: s.Name, Partition: s.Partition, Pages: s.Pages, Title: s.Title, Version: s.Version,
		Updated: s.Updated, FirstSeen: s.First, Hosts: s.Hosts, IPs: s.IPs, Countries: s.Countries, Networks: s.Networks,
		TrackerIDs: s.Trackers}

	store, commerce := 1.0, false
	strength := make(map[string]float64)
	for g, q := range storeGroups {
		p := math.Min(1-q, sc.GroupCap)
		strength[g] = p
		store *= 1 - p
		if p >= sc.GroupFloor {
			v.StoreGroups = append(v.StoreGroups, g)
			if g == GroupPrice || g == GroupBilling {
				commerce = true
			}
		}
	}
	sort.Strings(v.StoreGroups)
	rawStore := 1 - store
	v.PiracyScore = 1 - piracy
	v.MusicScore = 1 - music
	legit := 1 - music*other
	counter := math.Max(legit, v.PiracyScore)
	v.StoreScore = rawStore * (1 - sc.CounterDamping*counter)
	v.HostingScore = 1 - hosting
	v.ContentScore = 1 - content
	v.RussiaScore = 1 - hosting*content
	v.LegitScore = legit

	switch {
	case v.StoreScore >= sc.StoreThreshold && (len(v.StoreGroups) >= sc.MinStoreGroups && commerce ||
		strength[GroupPrice] >= sc.PriceModel && strength[GroupBilling] >= sc.PriceModel):
		v.Class = ClassStore
	case v.PiracyScore >= sc.PiracyThreshold && v.PiracyScore >= legit:
		v.Class = ClassPiracy
	case v.MusicScore >= sc.LegitThreshold && v.MusicScore >= 1-other:
		v.Class = ClassMusicLegit
	default:
		v.Class = ClassOther
	}
	v.Evidence = sc.evidence(s)
	for g, e := range links {
		if e >= sc.GroupFloor {
			v.RussiaLinks = append(v.RussiaLinks, g)
		}
	}
	sort.Strings(v.RussiaLinks)
	// A flag must be explained: at least three pieces of evidence.
	v.Flagged = v.Class == ClassStore && v.RussiaScore >= sc.RussiaThreshold &&
		len(v.RussiaLinks) >= sc.MinRussiaLinks && len(v.Evidence) >= 3
	for _, p := range []*float64{&v.StoreScore, &v.RussiaScore, &v.HostingScore, &v.ContentScore,
		&v.PiracyScore, &v.LegitScore, &v.MusicScore} {
		*p = math.Round(*p*10000) / 10000
	}
	return v
}

// evidence lists the strongest snippets of every signal, strongest first.
func (sc Scoring) evidence(s *Site) []Evidence {
	var out []Evidence
	for _, st := range s.Signals {
		n := min(len(st.Best), sc.EvidencePerSignal)
		out = append(out, st.Best[:n]...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Weight != b.Weight {
			return a.Weight > b.Weight
		}
		if a.Signal != b.Signal {
			return a.Signal < b.Signal
		}
		return better(a, b)
	})
	if len(out) > sc.MaxEvidence {
		out = out[:sc.MaxEvidence]
	}
	return out
}

// Published is what was last published about a site, so that a verdict is
// republished only when it changes materially, and focus is asked once.
type Published struct {
	Version       int64   `json:"version"`
	Class         Class   `json:"class"`
	Flagged       bool    `json:"flagged"`
	StoreScore    float64 `json:"store_score"`
	RussiaScore   float64 `json:"russia_score"`
	Focused       bool    `json:"focused"`
	FocusPriority int     `json:"focus_priority,omitempty"`
	Family        string  `json:"family,omitempty"` // FamilyHash of the verdict published
}

// Material reports whether v should be published after prev: the first
// verdict with any evidence, a new class or flag, or a score that moved by
// MaterialDelta or more. A verdict older than the one published never is.
func (sc Scoring) Material(prev Published, v *Verdict) bool {
	sc = sc.WithDefaults()
	if prev.Version == 0 {
		return len(v.Evidence) > 0
	}
	if v.Version < prev.Version || v.Version == prev.Version && prev.Family == FamilyHash(v) {
		return false
	}
	if prev.Family != FamilyHash(v) {
		return true // a family made or changed is news to the investigators
	}
	return prev.Class != v.Class || prev.Flagged != v.Flagged ||
		math.Abs(prev.StoreScore-v.StoreScore) >= sc.MaterialDelta ||
		math.Abs(prev.RussiaScore-v.RussiaScore) >= sc.MaterialDelta
}

// WantsFocus reports whether the frontier should be asked to crawl the site
// sooner: it starts to look like a store, and was not asked before.
func (sc Scoring) WantsFocus(prev Published, v *Verdict) bool {
	sc = sc.WithDefaults()
	return !prev.Focused && (v.Class == ClassStore || v.StoreScore >= sc.FocusThreshold)
}

// MarkPublished returns prev updated with v.
func (p Published) MarkPublished(v *Verdict) Published {
	p.Version, p.Class, p.Flagged, p.StoreScore, p.RussiaScore = v.Version, v.Class, v.Flagged, v.StoreScore, v.RussiaScore
	p.Family = FamilyHash(v)
	return p
}

// FamilyHash identifies a verdict's family and links: "" for a site
// alone, else a short hash that changes with any of them.
func FamilyHash(v *Verdict) string {
	if v.Family == "" {
		return ""
	}
	h := fnv.New64a()
	h.Write([]byte(v.Family))
	for _, l := range v.FamilyLinks {
		h.Write([]byte{0})
		h.Write([]byte(l.Site + "\x00" + l.Reason + "\x00" + l.Value))
	}
	return strconv.FormatUint(h.Sum64(), 36)
}
