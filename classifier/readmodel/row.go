package readmodel

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
)

// A row is the part of a site that filters and sorts read. It is stored
// compactly, once by site and once in every sort index, so that a search
// walks one index and filters without reading the verdicts.
//
// Layout (version 1): version byte, flags byte, six float64 scores (store,
// russia, hosting, content, piracy, legit), first and last seen (int64 ms),
// pages (uint32), then site, class, label, tld and family as strings (a
// length byte and the bytes), then countries and ASNs as lists (a count
// byte and strings).
type row struct {
	site, class, label, tld, family string
	flagged                         bool
	scores                          [numScores]float64
	first, last                     int64
	pages                           uint32
	countries, asns                 []string
}

const (
	rowVersion = 1
	numScores  = 6
)

// Indexes of row.scores.
const (
	scoreStore = iota
	scoreRussia
	scoreHosting
	scoreContent
	scorePiracy
	scoreLegit
)

const maxListed = 32 // countries and ASNs kept in a row

func (r *row) encode() []byte {
	b := make([]byte, 0, 96+len(r.site)+8*len(r.countries)+10*len(r.asns))
	var flags byte
	if r.flagged {
		flags |= 1
	}
	b = append(b, rowVersion, flags)
	for _, s := range r.scores {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(s))
	}
	b = binary.BigEndian.AppendUint64(b, uint64(r.first))
	b = binary.BigEndian.AppendUint64(b, uint64(r.last))
	b = binary.BigEndian.AppendUint32(b, r.pages)
	for _, s := range []string{r.site, r.class, r.label, r.tld, r.family} {
		b = appendStr(b, s)
	}
	for _, l := range [][]string{r.countries, r.asns} {
		l = l[:min(len(l), maxListed)]
		b = append(b, byte(len(l)))
		for _, s := range l {
			b = appendStr(b, s)
		}
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	b = append(b, byte(len(s)))
	return append(b, s...)
}

// rowView reads an encoded row in place, without copying: its byte slices
// point into the buffer decoded, valid as long as it is (inside a bbolt
// transaction). One view is reused for every row of a walk.
type rowView struct {
	flagged                         bool
	scores                          [numScores]float64
	first, last                     int64
	pages                           uint32
	site, class, label, tld, family []byte
	countries, asns                 [][]byte
}

const rowFixed = 2 + 8*numScores + 8 + 8 + 4

func (v *rowView) decode(b []byte) bool {
	if len(b) < rowFixed || b[0] != rowVersion {
		return false
	}
	v.flagged = b[1]&1 != 0
	p := 2
	for i := range v.scores {
		v.scores[i] = math.Float64frombits(binary.BigEndian.Uint64(b[p:]))
		p += 8
	}
	v.first = int64(binary.BigEndian.Uint64(b[p:]))
	v.last = int64(binary.BigEndian.Uint64(b[p+8:]))
	v.pages = binary.BigEndian.Uint32(b[p+16:])
	p += 20
	var ok bool
	for _, dst := range []*[]byte{&v.site, &v.class, &v.label, &v.tld, &v.family} {
		if *dst, p, ok = readStr(b, p); !ok {
			return false
		}
	}
	for _, dst := range []*[][]byte{&v.countries, &v.asns} {
		if p >= len(b) {
			return false
		}
		n := int(b[p])
		p++
		*dst = (*dst)[:0]
		for range n {
			var s []byte
			if s, p, ok = readStr(b, p); !ok {
				return false
			}
			*dst = append(*dst, s)
		}
	}
	return true
}

func readStr(b []byte, p int) ([]byte, int, bool) {
	if p >= len(b) {
		return nil, p, false
	}
	n := int(b[p])
	p++
	if p+n > len(b) {
		return nil, p, false
	}
	return b[p : p+n], p + n, true
}

// toReview tells whether a site belongs in the review queue: flagged, and
// either never labelled or labelled needs-review.
func toReview(flagged bool, label string) bool {
	return flagged && (label == "" || label == string(LabelNeedsReview))
}

// sortKey is the key of a row in the index of field f: the value in an
// order-preserving encoding, then the site name (so keys are unique and
// ties sort by name).
func sortKey(f SortField, scores *[numScores]float64, first, last int64, pages uint32, site []byte) []byte {
	k := make([]byte, 0, 8+len(site))
	switch f {
	case SortStore:
		k = appendFloat(k, scores[scoreStore])
	case SortRussia:
		k = appendFloat(k, scores[scoreRussia])
	case SortHosting:
		k = appendFloat(k, scores[scoreHosting])
	case SortContent:
		k = appendFloat(k, scores[scoreContent])
	case SortLastSeen:
		k = binary.BigEndian.AppendUint64(k, uint64(last)^(1<<63))
	case SortFirstSeen:
		k = binary.BigEndian.AppendUint64(k, uint64(first)^(1<<63))
	case SortPages:
		k = binary.BigEndian.AppendUint32(k, pages)
	case SortSite:
	}
	return append(k, site...)
}

func (r *row) sortKey(f SortField) []byte {
	return sortKey(f, &r.scores, r.first, r.last, r.pages, []byte(r.site))
}

func (v *rowView) sortKey(f SortField) []byte {
	return sortKey(f, &v.scores, v.first, v.last, v.pages, v.site)
}

// appendFloat appends f so that bytes compare as the floats do.
func appendFloat(b []byte, f float64) []byte {
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(b, u)
}

// siteOfKey returns the site name at the end of a key of index f.
func siteOfKey(f SortField, k []byte) []byte {
	switch f {
	case SortSite:
		return k
	case SortPages:
		if len(k) < 4 {
			return nil
		}
		return k[4:]
	default:
		if len(k) < 8 {
			return nil
		}
		return k[8:]
	}
}

// matcher holds a query's filters, checked against row views.
type matcher struct {
	classes, labels, countries, asns, tlds []string
	family                                 string
	flagged                                *bool
	ranges                                 [4]Range // store, russia, hosting, content
	first, last                            TimeRange
	// cands, when not nil, are the only sites that can match (from the
	// free-text, IP and tracker filters).
	cands map[string]struct{}
}

func newMatcher(q *Query) *matcher {
	m := &matcher{classes: q.Classes, countries: q.Countries, asns: q.ASNs, tlds: q.TLDs,
		family: q.Family, flagged: q.Flagged, first: q.FirstSeen, last: q.LastSeen,
		ranges: [4]Range{q.Store, q.Russia, q.Hosting, q.Content}}
	for _, l := range q.Labels {
		if l == LabelNone {
			m.labels = append(m.labels, "")
		} else {
			m.labels = append(m.labels, string(l))
		}
	}
	return m
}

func (m *matcher) match(v *rowView) bool {
	if m.flagged != nil && v.flagged != *m.flagged {
		return false
	}
	for i, r := range m.ranges {
		if !r.holds(v.scores[i]) {
			return false
		}
	}
	if !m.first.holds(v.first) || !m.last.holds(v.last) {
		return false
	}
	if len(m.classes) > 0 && !anyIs(m.classes, v.class) {
		return false
	}
	if len(m.labels) > 0 && !anyIs(m.labels, v.label) {
		return false
	}
	if len(m.tlds) > 0 && !anyIs(m.tlds, v.tld) {
		return false
	}
	if m.family != "" && string(v.family) != m.family {
		return false
	}
	if len(m.countries) > 0 && !anyIn(m.countries, v.countries) {
		return false
	}
	if len(m.asns) > 0 && !anyIn(m.asns, v.asns) {
		return false
	}
	if m.cands != nil {
		if _, ok := m.cands[string(v.site)]; !ok {
			return false
		}
	}
	return true
}

func anyIs(want []string, got []byte) bool {
	for _, w := range want {
		if w == string(got) {
			return true
		}
	}
	return false
}

func anyIn(want []string, got [][]byte) bool {
	for _, g := range got {
		if anyIs(want, g) {
			return true
		}
	}
	return false
}

// uniqueSorted returns the distinct non-empty values of l, sorted.
func uniqueSorted(l []string) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
