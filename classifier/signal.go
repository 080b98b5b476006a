package classifier

import (
	"net/netip"
	"strings"
)

// Axis is what a signal is evidence for.
type Axis string

// The axes of evidence.
const (
	AxisStore  Axis = "store"  // an AllofMP3-style store
	AxisRussia Axis = "russia" // linked to Russia by hosting or content
	AxisPiracy Axis = "piracy" // torrents and free downloads: another kind of site
	AxisLegit  Axis = "legit"  // a licensed service, radio, label, news or a shop of players
)

// Groups of signals. Signals in one group say much the same thing, so a
// group's contribution to a score is capped: a store needs several groups.
// On the legit axis the group tells music businesses (GroupMusic) from
// everything else (GroupOther).
const (
	GroupPrice    = "price"
	GroupBilling  = "billing"
	GroupFormat   = "format"
	GroupLegal    = "legal"
	GroupCatalog  = "catalog"
	GroupTemplate = "template"

	GroupHosting  = "hosting"
	GroupDomain   = "domain"
	GroupMoney    = "money"
	GroupCounter  = "counter"
	GroupLanguage = "language"
	GroupLaw      = "law"
	GroupContact  = "contact"

	GroupPiracy = "piracy"
	GroupMusic  = "music"
	GroupOther  = "other"
)

// Signal is one named, weighted test over a page.
type Signal struct {
	Name   string  // stable, e.g. "price.per_mb"
	Axis   Axis    // what it is evidence for
	Group  string  // family of related signals
	Weight float64 // probability-like strength in (0, 1)
	Once   bool    // a fact about the site (hosting, domain): repeats on more pages add nothing
	Doc    string  // what it looks for

	detect func(*Doc) (string, bool)
}

// Detect runs the signal on d and returns the snippet that fired it.
func (s Signal) Detect(d *Doc) (snippet string, ok bool) {
	return s.detect(d)
}

// Hit is a signal that fired on a page.
type Hit struct {
	Signal  string
	Axis    Axis
	Group   string
	Weight  float64
	Once    bool
	Snippet string // at most MaxSnippet characters
}

// Signals returns every signal, in a stable order.
func Signals() []Signal {
	return append([]Signal(nil), signals...)
}

// LookupSignal returns the signal called name.
func LookupSignal(name string) (Signal, bool) {
	for _, s := range signals {
		if s.Name == name {
			return s, true
		}
	}
	return Signal{}, false
}

// signals is the table of every signal; see signals_*.go.
var signals = concat(storeSignals, russiaSignals, counterSignals)

func concat(lists ...[]Signal) []Signal {
	var out []Signal
	seen := make(map[string]bool)
	for _, l := range lists {
		for _, s := range l {
			if seen[s.Name] {
				panic("classifier: duplicate signal " + s.Name)
			}
			seen[s.Name] = true
			out = append(out, s)
		}
	}
	return out
}

// Doc is a page prepared for the signals: folded text, prices found in the
// text and in the crawler's facts, and what the IP databases said.
type Doc struct {
	Page    *Page
	Country string // hosting country of Page.IP; "" when unknown
	Network string // "AS<n> <org>" of Page.IP; "" when unknown

	text          *Text
	money         []Money
	moneyDone     bool
	formats       []string // distinct audio formats, once computed
	bitrates      []string
	knownTrackers map[string]bool
	music         int // words about music on the page, up to two; -1 until counted
	accts         []string
	accountsDone  bool
	registrar     string // the site's registrar, when known
}

// docSep separates the parts of a page's text in a Doc.
const docSep = "\n.\n"

// NewDoc prepares p for the signals. Hosting fields are left empty; the
// Analyzer fills them from its IP databases.
func NewDoc(p *Page) *Doc {
	// The title, the meta texts and the text are separate sentences: a
	// brand in the title ("Platinum Tracks") is no unit of a price that
	// opens the text.
	var b strings.Builder
	b.WriteString(p.Title)
	b.WriteString(docSep)
	for _, m := range p.Meta {
		if _, content, ok := strings.Cut(m, "="); ok {
			m = content
		}
		b.WriteString(m)
		b.WriteString(docSep)
	}
	b.WriteString(p.Text)
	return &Doc{Page: p, text: NewText(b.String()), music: -1}
}

// Text returns the folded text the signals match against.
func (d *Doc) Text() *Text { return d.text }

// Analysis is what the Analyzer found on one page.
type Analysis struct {
	Hits     []Hit
	Country  string // hosting country of the page's IP
	Network  string // its autonomous system
	Reported bool   // the page reports on music sites rather than offering music
	// Accounts are the payment accounts the page names (PaymentAccounts).
	Accounts []string
	// Template is a near-duplicate hash of the page's structure (see
	// TemplateHash); 0 for a page with too little of it.
	Template uint64
}

// Analyzer runs every signal over pages. It is safe for concurrent use: it
// keeps no state between pages.
type Analyzer struct {
	IPDB          IPDB     // hosting country; nil: no hosting signals
	ASNDB         ASNDB    // hosting network; nil: none
	KnownTrackers []string // analytics IDs of known stores (shared back ends)
	// Registrars tells who registered a site's domain; nil: nobody knows.
	Registrars Registrars

	// NoTemplates skips the template hashes of pages (Analysis.Template),
	// which only family linking uses.
	NoTemplates bool

	// ReportDiscount multiplies the weight of store and piracy hits on a
	// page framed as a news report or blog post (it describes a store
	// rather than being one). Default 0.3.
	ReportDiscount float64
}

// Analyze runs every signal on p.
func (a *Analyzer) Analyze(p *Page) *Analysis {
	d := NewDoc(p)
	if len(a.KnownTrackers) > 0 {
		d.knownTrackers = make(map[string]bool, len(a.KnownTrackers))
		for _, id := range a.KnownTrackers {
			d.knownTrackers[strings.ToLower(strings.TrimSpace(id))] = true
		}
	}
	if ip, ok := parseIP(p.IP); ok {
		if a.IPDB != nil {
			if cc, ok := a.IPDB.Country(ip); ok {
				d.Country = strings.ToUpper(cc)
			}
		}
		if a.ASNDB != nil {
			if asn, ok := a.ASNDB.ASN(ip); ok {
				d.Network = asn.String()
			}
		}
	}
	if a.Registrars != nil {
		d.registrar, _ = a.Registrars.Registrar(p.Site)
	}
	an := &Analysis{Country: d.Country, Network: d.Network}
	for _, s := range signals {
		snip, ok := s.detect(d)
		if !ok {
			continue
		}
		an.Hits = append(an.Hits, Hit{Signal: s.Name, Axis: s.Axis, Group: s.Group, Weight: s.Weight,
			Once: s.Once, Snippet: clip(snip, MaxSnippet)})
		if s.Name == SignalNews || s.Name == SignalPressMention {
			an.Reported = true
		}
	}
	an.Accounts = d.accounts()
	// Templates tie flagged sites together: only pages with some store
	// evidence need one.
	for _, h := range an.Hits {
		if h.Axis == AxisStore && !a.NoTemplates {
			an.Template = TemplateHash(p)
			break
		}
	}
	if an.Reported {
		f := a.ReportDiscount
		if f <= 0 || f > 1 {
			f = 0.3
		}
		for i, h := range an.Hits {
			// A report describes stores, pirates and subscriptions; it is
			// none of them. What it is (radio, label) stays.
			if h.Axis == AxisStore || h.Axis == AxisPiracy || reportedCommerce[h.Signal] {
				an.Hits[i].Weight *= f
			}
		}
	}
	return an
}

// reportedCommerce are the legit signals of selling music, discounted on
// a report like the store signals.
var reportedCommerce = map[string]bool{"legit.subscription": true, "legit.standard_price": true}

// parseIP parses an address, with or without a port or brackets.
func parseIP(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	ip, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return ip.Unmap(), err == nil
}

// Detection helpers shared by the signal files.

// first returns the snippet of the earliest match of any of res.
func (d *Doc) first(res ...*pattern) (string, bool) {
	best, found := span{}, false
	for _, re := range res {
		if sp, ok := d.text.find(re); ok && (!found || sp.start < best.start) {
			best, found = sp, true
		}
	}
	if !found {
		return "", false
	}
	return d.text.snippet(best), true
}

// distinct counts how many of res match and returns the first match found.
func (d *Doc) distinct(res []*pattern) (int, span) {
	n, first := 0, span{start: -1}
	for _, re := range res {
		if sp, ok := d.text.find(re); ok {
			n++
			if first.start < 0 || sp.start < first.start {
				first = sp
			}
		}
	}
	return n, first
}

// near returns the first match of a that has a match of b within window
// bytes either side, as one span covering both.
func (d *Doc) near(a, b *pattern, window int) (span, bool) {
	t := d.text
	for _, sa := range t.findAll(a, 64) {
		from := max(0, sa.start-window)
		for pos := from; ; {
			sb, ok := t.findFrom(b, pos)
			if !ok || sb.start > sa.end+window {
				break
			}
			if sb.end >= from && (sb.end <= sa.start || sb.start >= sa.end) {
				return span{min(sa.start, sb.start), max(sa.end, sb.end)}, true
			}
			pos = sb.end
		}
	}
	return span{}, false
}

// followedBy returns the snippet of the first match of a followed by a
// match of b that starts within gap bytes after it.
func (d *Doc) followedBy(a, b *pattern, gap int) (string, bool) {
	t := d.text
	for _, sa := range t.findAll(a, 64) {
		if sb, ok := t.findFrom(b, sa.end); ok && sb.start <= sa.end+gap {
			return t.snippet(span{sa.start, sb.end}), true
		}
	}
	return "", false
}

// nearSnippet is near with the snippet of the match.
func (d *Doc) nearSnippet(a, b *pattern, window int) (string, bool) {
	sp, ok := d.near(a, b, window)
	if !ok {
		return "", false
	}
	return d.text.snippet(sp), true
}

// listSnippet joins items into a snippet: "label: a, b, c".
func listSnippet(label string, items []string) string {
	return clip(label+": "+strings.Join(items, ", "), MaxSnippet)
}
