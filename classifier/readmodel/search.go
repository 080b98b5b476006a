package readmodel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/proto/trawlpb"
)

// smallCands is the size up to which a candidate set (from free text, IP,
// tracker, a selective filter) is filtered and sorted directly instead of
// walking a sort index. A variable for tests.
var smallCands = 4096

// exportChunk is how many sites an export reads per transaction: exports
// hold no transaction open while they write, and keep no more than this in
// memory.
const exportChunk = 256

type hit struct {
	key  []byte
	site string
}

// Search returns one page of the sites that match q, in q's order.
func (ix *Index) Search(ctx context.Context, q Query) (Page, error) {
	desc, err := q.normalize()
	if err != nil {
		return Page{}, err
	}
	var after []byte
	if q.Cursor != "" {
		if after, err = decodeCursor(q.Cursor, q.Sort, desc); err != nil {
			return Page{}, err
		}
	}
	page := Page{Sites: []Site{}}
	terms := q.terms()
	err = ix.view(func(tx *bolt.Tx) error {
		m := newMatcher(&q)
		if err := candidates(tx, &q, m); err != nil {
			return err
		}
		hits, more, err := walk(ctx, tx, q.Sort, desc, after, m, q.Limit)
		if err != nil {
			return err
		}
		for _, h := range hits {
			s, _, err := siteOf(tx, h.site, terms, false)
			if err != nil {
				return err
			}
			page.Sites = append(page.Sites, *s)
		}
		if more {
			page.NextCursor = encodeCursor(q.Sort, desc, hits[len(hits)-1].key)
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("readmodel: search: %w", err)
	}
	return page, nil
}

// Export calls each for every site that matches q (Limit and Cursor are
// ignored), in q's order, with the site's evidence when evidence is true.
// It reads a few hundred sites per transaction and holds none open while
// each runs, so its memory does not grow with the number of sites (except
// for the set of sites a free-text, IP or tracker filter selects).
func (ix *Index) Export(ctx context.Context, q Query, evidence bool, each func(*Site, []Evidence) error) error {
	q.Limit, q.Cursor = 1, ""
	desc, err := q.normalize()
	if err != nil {
		return err
	}
	terms := q.terms()
	m := newMatcher(&q)
	if err := ix.view(func(tx *bolt.Tx) error { return candidates(tx, &q, m) }); err != nil {
		return fmt.Errorf("readmodel: export: %w", err)
	}
	type item struct {
		s  *Site
		ev []Evidence
	}
	var after []byte
	buf := make([]item, 0, exportChunk)
	for {
		buf = buf[:0]
		var more bool
		err := ix.view(func(tx *bolt.Tx) error {
			var hits []hit
			var err error
			hits, more, err = walk(ctx, tx, q.Sort, desc, after, m, exportChunk)
			if err != nil {
				return err
			}
			for _, h := range hits {
				s, ev, err := siteOf(tx, h.site, terms, evidence)
				if err != nil {
					return err
				}
				buf = append(buf, item{s, ev})
			}
			if len(hits) > 0 {
				after = hits[len(hits)-1].key
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("readmodel: export: %w", err)
		}
		for _, it := range buf {
			if err := each(it.s, it.ev); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// candidates narrows m to the sites that the free-text, IP and tracker
// filters of q select.
func candidates(tx *bolt.Tx, q *Query, m *matcher) error {
	var set map[string]struct{}
	narrow := func(scan func(yield func(site []byte))) {
		next := make(map[string]struct{})
		scan(func(site []byte) {
			if set == nil {
				next[string(site)] = struct{}{}
			} else if _, ok := set[string(site)]; ok {
				next[string(site)] = struct{}{}
			}
		})
		set = next
	}
	eq := tx.Bucket(bEq)
	for _, f := range []struct{ kind, value string }{{PivotIP, q.IP}, {PivotTracker, q.Tracker}} {
		if f.value == "" {
			continue
		}
		prefix := eqKey(f.kind, f.value, "")
		narrow(func(yield func([]byte)) {
			c := eq.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				yield(k[len(prefix):])
			}
		})
	}
	if strings.TrimSpace(q.Text) != "" {
		terms := q.terms()
		if len(terms) == 0 {
			return fmt.Errorf("%w: text %q has no word of %d or more letters or digits", ErrBadQuery, q.Text, minToken)
		}
		tb := tx.Bucket(bTerm)
		for _, t := range terms {
			prefix := []byte(t)
			narrow(func(yield func([]byte)) {
				c := tb.Cursor()
				for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
					if i := bytes.IndexByte(k, 0); i >= 0 {
						yield(k[i+1:])
					}
				}
			})
			if len(set) == 0 {
				break
			}
		}
	}
	if set == nil || len(set) > smallCands {
		// A selective equality filter or score range finds the few sites
		// it can match at once, where a walk of a sort index would read
		// the whole index to fill a page. Each source is read only up to
		// smallCands sites.
		if small := selective(tx, q); small != nil {
			narrow(func(yield func([]byte)) {
				for s := range small {
					yield([]byte(s))
				}
			})
		}
	}
	m.cands = set
	return nil
}

// selective returns the sites that one of q's equality filters or score
// ranges selects, when one selects at most smallCands; otherwise nil.
func selective(tx *bolt.Tx, q *Query) map[string]struct{} {
	eq := tx.Bucket(bEq)
	fromPostings := func(kind string, values []string) map[string]struct{} {
		// Count first, without allocating: most filters are not selective.
		n := 0
		for _, v := range values {
			prefix := eqKey(kind, v, "")
			c := eq.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				if n++; n > smallCands {
					return nil
				}
			}
		}
		out := make(map[string]struct{}, n)
		for _, v := range values {
			prefix := eqKey(kind, v, "")
			c := eq.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				out[string(k[len(prefix):])] = struct{}{}
			}
		}
		return out
	}
	lists := []struct {
		kind   string
		values []string
	}{{kindCountry, q.Countries}, {PivotASN, q.ASNs}, {kindTLD, q.TLDs}, {kindClass, q.Classes}}
	if q.Family != "" {
		lists = append(lists, struct {
			kind   string
			values []string
		}{PivotFamily, []string{q.Family}})
	}
	var labels []string
	for _, l := range q.Labels {
		if l == LabelNone {
			labels = nil // absence has no postings
			break
		}
		labels = append(labels, string(l))
	}
	if len(labels) > 0 {
		lists = append(lists, struct {
			kind   string
			values []string
		}{kindLabel, labels})
	}
	for _, l := range lists {
		if len(l.values) > 0 {
			if out := fromPostings(l.kind, l.values); out != nil {
				return out
			}
		}
	}
	for _, r := range []struct {
		f SortField
		r Range
	}{{SortStore, q.Store}, {SortRussia, q.Russia}, {SortHosting, q.Hosting}, {SortContent, q.Content}} {
		if r.r.Min == nil && r.r.Max == nil {
			continue
		}
		lo, hi := 0.0, 1.0
		if r.r.Min != nil {
			lo = *r.r.Min
		}
		if r.r.Max != nil {
			hi = *r.r.Max
		}
		if out := scoreRange(tx, r.f, lo, hi); out != nil {
			return out
		}
	}
	return nil
}

// scoreRange returns the sites whose score f is in [lo, hi], when there are
// at most smallCands of them; otherwise nil.
func scoreRange(tx *bolt.Tx, f SortField, lo, hi float64) map[string]struct{} {
	start, end := appendFloat(nil, lo), appendFloat(nil, hi)
	in := func(k []byte) bool { return k != nil && bytes.Compare(k[:min(8, len(k))], end) <= 0 }
	c := tx.Bucket(sortBucket(f)).Cursor()
	n := 0
	for k, _ := c.Seek(start); in(k); k, _ = c.Next() {
		if n++; n > smallCands {
			return nil
		}
	}
	out := make(map[string]struct{}, n)
	for k, _ := c.Seek(start); in(k); k, _ = c.Next() {
		out[string(siteOfKey(f, k))] = struct{}{}
	}
	return out
}

// walk finds up to n sites that m matches, after the key after (nil: from
// the start) in index f, ascending or descending. more tells whether there
// are further matches.
func walk(ctx context.Context, tx *bolt.Tx, f SortField, desc bool, after []byte, m *matcher, n int) (hits []hit, more bool, err error) {
	var v rowView
	if m.cands != nil && len(m.cands) <= smallCands {
		rb := tx.Bucket(bRow)
		for site := range m.cands {
			b := rb.Get([]byte(site))
			if b == nil || !v.decode(b) || !m.match(&v) {
				continue
			}
			k := v.sortKey(f)
			if after != nil {
				if c := bytes.Compare(k, after); desc && c >= 0 || !desc && c <= 0 {
					continue
				}
			}
			hits = append(hits, hit{key: k, site: site})
		}
		slices.SortFunc(hits, func(a, b hit) int {
			if desc {
				return bytes.Compare(b.key, a.key)
			}
			return bytes.Compare(a.key, b.key)
		})
		if len(hits) > n {
			return hits[:n], true, nil
		}
		return hits, false, nil
	}
	c := tx.Bucket(sortBucket(f)).Cursor()
	var k, val []byte
	step := c.Next
	switch {
	case desc && after == nil:
		k, val = c.Last()
		step = c.Prev
	case desc:
		step = c.Prev
		if k, val = c.Seek(after); k == nil {
			k, val = c.Last()
		}
		for k != nil && bytes.Compare(k, after) >= 0 {
			k, val = c.Prev()
		}
	case after == nil:
		k, val = c.First()
	default:
		if k, val = c.Seek(after); k != nil && bytes.Equal(k, after) {
			k, val = c.Next()
		}
	}
	for i := 0; k != nil; k, val = step() {
		if i++; i%8192 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		if !v.decode(val) || !m.match(&v) {
			continue
		}
		if len(hits) == n {
			return hits, true, nil
		}
		hits = append(hits, hit{key: slices.Clone(k), site: string(v.site)})
	}
	return hits, false, nil
}

// siteOf reads a site's listing entry, and its evidence when asked. With
// terms, Match is the first evidence whose snippet holds one of them.
func siteOf(tx *bolt.Tx, site string, terms []string, evidence bool) (*Site, []Evidence, error) {
	data := tx.Bucket(bVerdict).Get([]byte(site))
	if data == nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, site)
	}
	pv := new(trawlpb.Verdict)
	if err := gproto.Unmarshal(data, pv); err != nil {
		return nil, nil, fmt.Errorf("stored verdict of %s: %w", site, err)
	}
	s := siteFromProto(pv)
	s.Label = currentLabel(tx, site)
	if len(terms) > 0 {
		for _, e := range pv.GetEvidence() {
			low := strings.ToLower(e.GetSnippet())
			if slices.ContainsFunc(terms, func(t string) bool { return strings.Contains(low, t) }) {
				ev := evidenceFromProto(e)
				s.Match = &ev
				break
			}
		}
	}
	var ev []Evidence
	if evidence {
		ev = make([]Evidence, 0, len(pv.GetEvidence()))
		for _, e := range pv.GetEvidence() {
			ev = append(ev, evidenceFromProto(e))
		}
	}
	return s, ev, nil
}

func siteFromProto(pv *trawlpb.Verdict) *Site {
	s := &Site{Site: pv.GetSite(), Title: pv.GetTitle(), Class: pv.GetClass(), Flagged: pv.GetFlagged(),
		StoreScore: pv.GetStoreScore(), RussiaScore: pv.GetRussiaScore(), HostingScore: pv.GetHostingScore(),
		ContentScore: pv.GetContentScore(), PiracyScore: pv.GetPiracyScore(), LegitScore: pv.GetLegitScore(),
		Countries: nonNil(pv.GetCountries()), ASNs: nonNil(pv.GetAsns()), IPs: nonNil(pv.GetIps()),
		Hosts: nonNil(pv.GetHosts()), TrackerIDs: nonNil(pv.GetTrackerIds()), Family: pv.GetFamily(),
		Pages: int(pv.GetPages()), Version: pv.GetVersion(), Partition: int(pv.GetPartition()),
		LastSeen: time.UnixMilli(pv.GetUpdatedUnixMs()).UTC(), TopSignals: topSignals(pv, 5)}
	if ev := pv.GetEvidence(); len(ev) > 0 {
		s.URL, s.WARC = ev[0].GetUrl(), warcFromProto(ev[0].GetWarc())
	}
	s.FirstSeen = s.LastSeen
	if ms := pv.GetFirstSeenUnixMs(); ms > 0 {
		s.FirstSeen = time.UnixMilli(ms).UTC()
	}
	return s
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func evidenceFromProto(e *trawlpb.Evidence) Evidence {
	return Evidence{Signal: e.GetSignal(), Axis: e.GetAxis(), Weight: e.GetWeight(), Snippet: e.GetSnippet(),
		URL: e.GetUrl(), Seen: time.UnixMilli(e.GetSeenUnixMs()).UTC(), WARC: warcFromProto(e.GetWarc())}
}

// Detail returns everything known about a site (a host name of the site
// will not do: pass the registrable domain).
func (ix *Index) Detail(ctx context.Context, site string) (*Detail, error) {
	site = NormalizeSite(site)
	var d *Detail
	err := ix.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bVerdict).Get([]byte(site))
		if data == nil {
			return fmt.Errorf("%w: no verdict for site %s", ErrNotFound, site)
		}
		pv := new(trawlpb.Verdict)
		if err := gproto.Unmarshal(data, pv); err != nil {
			return fmt.Errorf("stored verdict of %s: %w", site, err)
		}
		d = &Detail{Site: *siteFromProto(pv), Evidence: []Evidence{}, FamilyLinks: []FamilyLink{},
			History: []HistoryEntry{}, Labels: []LabelEvent{}}
		d.Label = currentLabel(tx, site)
		for _, e := range pv.GetEvidence() {
			d.Evidence = append(d.Evidence, evidenceFromProto(e))
		}
		for _, l := range pv.GetFamilyLinks() {
			d.FamilyLinks = append(d.FamilyLinks, FamilyLink{Site: l.GetSite(), Reason: l.GetReason(), Value: l.GetValue()})
		}
		prefix := append([]byte(site), 0)
		c := tx.Bucket(bHist).Cursor()
		for k, v := lastWithPrefix(c, prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			var h HistoryEntry
			if json.Unmarshal(v, &h) == nil {
				d.History = append(d.History, h)
			}
		}
		c = tx.Bucket(bLabelEv).Cursor()
		for k, v := lastWithPrefix(c, prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			var ev LabelEvent
			if json.Unmarshal(v, &ev) == nil {
				d.Labels = append(d.Labels, ev)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("readmodel: site %s: %w", site, err)
	}
	return d, nil
}

// lastWithPrefix positions c on the last key with prefix (or somewhere
// before it when there is none).
func lastWithPrefix(c *bolt.Cursor, prefix []byte) ([]byte, []byte) {
	end := append(slices.Clone(prefix), 0xff)
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// Pivots returns, for each IP, analytics ID, ASN and family of a site, up
// to limit other sites that share it.
func (ix *Index) Pivots(ctx context.Context, site string, limit int) ([]Pivot, error) {
	site = NormalizeSite(site)
	if limit <= 0 {
		limit = 20
	}
	var out []Pivot
	err := ix.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bVerdict).Get([]byte(site))
		if data == nil {
			return fmt.Errorf("%w: no verdict for site %s", ErrNotFound, site)
		}
		pv := new(trawlpb.Verdict)
		if err := gproto.Unmarshal(data, pv); err != nil {
			return fmt.Errorf("stored verdict of %s: %w", site, err)
		}
		eq := tx.Bucket(bEq)
		for _, k := range eqKeys(pv) {
			parts := bytes.SplitN(k, []byte{0}, 3)
			if !isPivot(string(parts[0])) {
				continue
			}
			p := Pivot{Kind: string(parts[0]), Value: string(parts[1]), Sites: []string{}}
			prefix := eqKey(p.Kind, p.Value, "")
			c := eq.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				other := string(k[len(prefix):])
				if other == site {
					continue
				}
				if len(p.Sites) == limit {
					p.More = true
					break
				}
				p.Sites = append(p.Sites, other)
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("readmodel: pivots of %s: %w", site, err)
	}
	return out, nil
}

// FamilyEdge is a family link as seen from one member.
type FamilyEdge struct {
	From string `json:"from"`
	FamilyLink
}

// Family returns the members of a family (up to MaxLimit, strongest store
// first) and the links between them.
func (ix *Index) Family(ctx context.Context, family string) ([]Site, []FamilyEdge, error) {
	if family == "" || len(family) > 200 {
		return nil, nil, fmt.Errorf("%w: family id must be 1-200 characters", ErrBadQuery)
	}
	page, err := ix.Search(ctx, Query{Family: family, Limit: MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	if len(page.Sites) == 0 {
		return nil, nil, fmt.Errorf("readmodel: family %s: %w", family, ErrNotFound)
	}
	edges := []FamilyEdge{}
	err = ix.view(func(tx *bolt.Tx) error {
		for _, s := range page.Sites {
			pv := new(trawlpb.Verdict)
			if err := gproto.Unmarshal(tx.Bucket(bVerdict).Get([]byte(s.Site)), pv); err != nil {
				return err
			}
			for _, l := range pv.GetFamilyLinks() {
				edges = append(edges, FamilyEdge{From: s.Site, FamilyLink: FamilyLink{Site: l.GetSite(), Reason: l.GetReason(), Value: l.GetValue()}})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("readmodel: family %s: %w", family, err)
	}
	return page.Sites, edges, nil
}

// Audit returns up to limit label changes, newest first, before the cursor
// (the NextCursor of the previous call; "" for the newest).
func (ix *Index) Audit(ctx context.Context, cursor string, limit int) ([]AuditEntry, string, error) {
	if limit <= 0 || limit > MaxLimit {
		return nil, "", fmt.Errorf("%w: limit %d outside 1-%d", ErrBadQuery, limit, MaxLimit)
	}
	var before []byte
	if cursor != "" {
		var err error
		if before, err = base64.RawURLEncoding.DecodeString(cursor); err != nil || len(before) < 8 {
			return nil, "", fmt.Errorf("%w: %w: malformed", ErrBadQuery, ErrBadCursor)
		}
	}
	out := []AuditEntry{}
	next := ""
	err := ix.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		var k, v []byte
		if before == nil {
			k, v = c.Last()
		} else {
			if k, v = c.Seek(before); k == nil {
				k, v = c.Last()
			}
			for k != nil && bytes.Compare(k, before) >= 0 {
				k, v = c.Prev()
			}
		}
		for ; k != nil; k, v = c.Prev() {
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString(out[len(out)-1].key)
				break
			}
			var e AuditEntry
			if json.Unmarshal(v, &e) == nil {
				e.key = slices.Clone(k)
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("readmodel: audit: %w", err)
	}
	return out, next, nil
}
