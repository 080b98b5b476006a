package classifier

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Limits on what a site aggregate keeps.
const (
	EvidencePerSignal = 3   // strongest snippets kept per signal
	maxListed         = 32  // hosts, IPs, trackers kept per site
	maxTemplates      = 4   // template hashes kept per site: its first pages
	maxOutHosts       = 128 // other hosts linked, kept per site
)

// Site is the aggregate of every page counted for one site: what its
// pages' signals found, and where it is hosted. Pages are counted once each
// (by Page.Key, which the store keeps); Version grows with every page.
type Site struct {
	Name       string                  `json:"site"`
	Partition  int                     `json:"partition"`
	Pages      int                     `json:"pages"`
	Title      string                  `json:"title,omitempty"`
	TitleDepth int                     `json:"title_depth"`
	Hosts      []string                `json:"hosts,omitempty"`
	IPs        []string                `json:"ips,omitempty"`
	Countries  []string                `json:"countries,omitempty"` // hosting countries of the IPs
	Networks   []string                `json:"networks,omitempty"`  // their autonomous systems
	Trackers   []string                `json:"trackers,omitempty"`
	Accounts   []string                `json:"accounts,omitempty"`  // payment accounts named (PaymentAccounts)
	Templates  []uint64                `json:"templates,omitempty"` // template hashes of its first pages (TemplateHash)
	OutHosts   []string                `json:"out_hosts,omitempty"` // other hosts its pages link to
	Signals    map[string]*SignalState `json:"signals,omitempty"`
	Version    int64                   `json:"version"`
	First      time.Time               `json:"first"`
	Updated    time.Time               `json:"updated"`
}

// SignalState is what a site's pages said about one signal.
type SignalState struct {
	Axis   Axis       `json:"axis"`
	Group  string     `json:"group"`
	Once   bool       `json:"once,omitempty"`
	Weight float64    `json:"weight"` // strongest weight it fired with
	Pages  int        `json:"pages"`  // pages it fired on
	Best   []Evidence `json:"best"`   // strongest distinct snippets, at most EvidencePerSignal
}

// Evidence is one signal that fired, with the text that fired it.
type Evidence struct {
	Signal  string    `json:"signal"`
	Axis    Axis      `json:"axis"`
	Weight  float64   `json:"weight"`
	Snippet string    `json:"snippet"`
	URL     string    `json:"url"`
	Seen    time.Time `json:"seen"`
	WARC    *WARCRef  `json:"warc,omitempty"` // the WARC record of the page at URL
}

// NewSite returns an empty aggregate.
func NewSite(name string, partition int) *Site {
	return &Site{Name: name, Partition: partition, Signals: make(map[string]*SignalState), TitleDepth: -1}
}

// AddPage counts one page with what the Analyzer found on it. The caller
// makes sure a page is added once (see Page.Key).
func (s *Site) AddPage(p *Page, an *Analysis, now time.Time) {
	if s.Signals == nil {
		s.Signals = make(map[string]*SignalState)
	}
	seen := p.Fetched
	if seen.IsZero() {
		seen = now
	}
	s.Pages++
	s.Version++
	if s.First.IsZero() {
		s.First = now
	}
	s.Updated = now
	if p.Title != "" && (s.TitleDepth < 0 || p.Depth < s.TitleDepth) {
		s.Title, s.TitleDepth = clip(collapse(p.Title), MaxSnippet), p.Depth
	}
	s.Hosts = addTo(s.Hosts, p.lowerHost())
	s.IPs = addTo(s.IPs, p.IP)
	if an == nil {
		return
	}
	s.Countries = addTo(s.Countries, an.Country)
	s.Networks = addTo(s.Networks, an.Network)
	for _, id := range p.TrackerIDs {
		s.Trackers = addTo(s.Trackers, id)
	}
	for _, a := range an.Accounts {
		s.Accounts = addTo(s.Accounts, a)
	}
	for _, h := range p.OutHosts {
		if h = strings.TrimSuffix(strings.ToLower(h), "."); h != "" && !strings.HasSuffix(h, "."+s.Name) && h != s.Name {
			s.OutHosts = addToCapped(s.OutHosts, h, maxOutHosts)
		}
	}
	if an.Template != 0 && len(s.Templates) < maxTemplates && !slices.Contains(s.Templates, an.Template) {
		s.Templates = append(s.Templates, an.Template)
	}
	url := p.CanonicalURL()
	for _, h := range an.Hits {
		st := s.Signals[h.Signal]
		if st == nil {
			st = &SignalState{Axis: h.Axis, Group: h.Group, Once: h.Once}
			s.Signals[h.Signal] = st
		}
		st.Pages++
		st.Weight = max(st.Weight, h.Weight)
		st.add(Evidence{Signal: h.Signal, Axis: h.Axis, Weight: h.Weight, Snippet: h.Snippet, URL: url, Seen: seen, WARC: p.WARC})
	}
}

// add keeps the strongest distinct snippets: by weight, then earliest seen,
// then URL, so the result does not depend on delivery order of equal pages.
func (st *SignalState) add(e Evidence) {
	for i, b := range st.Best {
		if b.Snippet == e.Snippet {
			if better(e, b) {
				st.Best[i] = e
				sortEvidence(st.Best)
			}
			return
		}
	}
	st.Best = append(st.Best, e)
	sortEvidence(st.Best)
	if len(st.Best) > EvidencePerSignal {
		st.Best = st.Best[:EvidencePerSignal]
	}
}

func better(a, b Evidence) bool {
	if a.Weight != b.Weight {
		return a.Weight > b.Weight
	}
	if !a.Seen.Equal(b.Seen) {
		return a.Seen.Before(b.Seen)
	}
	if a.URL != b.URL {
		return a.URL < b.URL
	}
	return a.Signal < b.Signal
}

func sortEvidence(es []Evidence) {
	sort.SliceStable(es, func(i, j int) bool { return better(es[i], es[j]) })
}

// addTo adds v to a sorted set capped at maxListed.
func addTo(set []string, v string) []string { return addToCapped(set, v, maxListed) }

// addToCapped adds v to a sorted set capped at n.
func addToCapped(set []string, v string, n int) []string {
	if v == "" {
		return set
	}
	i, found := slices.BinarySearch(set, v)
	if found || len(set) >= n {
		return set
	}
	return slices.Insert(set, i, v)
}
