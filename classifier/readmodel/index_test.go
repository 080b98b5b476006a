package readmodel_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/classifier/readmodel"
	"trawl.dev/classifier/readmodel/gen"
	"trawl.dev/proto"
	"trawl.dev/proto/trawlpb"
)

// MustOpen opens an index in a temporary directory, closed when tb ends.
func MustOpen(tb testing.TB) *readmodel.Index {
	tb.Helper()
	ix, err := readmodel.Open(filepath.Join(tb.TempDir(), "readmodel.db"), &readmodel.Options{NoSync: true})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return ix
}

func records(tb testing.TB, first uint64, msgs ...gproto.Message) []readmodel.Record {
	tb.Helper()
	out := make([]readmodel.Record, len(msgs))
	for i, m := range msgs {
		b, err := gproto.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = readmodel.Record{Seq: first + uint64(i), Data: b}
	}
	return out
}

func mustApply(tb testing.TB, ix *readmodel.Index, stream string, recs []readmodel.Record) {
	tb.Helper()
	rej, err := ix.Apply(stream, recs)
	if err != nil {
		tb.Fatalf("apply: %v", err)
	}
	if len(rej) > 0 {
		tb.Fatalf("apply rejected %d records, first: %v", len(rej), rej[0].Err)
	}
}

// loadGenerated applies n generated verdicts and returns them.
func loadGenerated(tb testing.TB, ix *readmodel.Index, n int) []*trawlpb.Verdict {
	tb.Helper()
	g := &gen.Generator{Seed: 7, FlaggedPercent: 10}
	vs := make([]*trawlpb.Verdict, n)
	msgs := make([]gproto.Message, n)
	for i := range vs {
		vs[i] = g.Verdict(i)
		msgs[i] = vs[i]
	}
	for i := 0; i < n; i += 700 {
		mustApply(tb, ix, proto.StreamVerdicts, records(tb, uint64(i+1), msgs[i:min(i+700, n)]...))
	}
	return vs
}

func ptr(f float64) *float64 { return &f }

// all pages through every result of q.
func all(tb testing.TB, ix *readmodel.Index, q readmodel.Query) []string {
	tb.Helper()
	var out []string
	for pages := 0; ; pages++ {
		p, err := ix.Search(context.Background(), q)
		if err != nil {
			tb.Fatalf("search %+v: %v", q, err)
		}
		for _, s := range p.Sites {
			out = append(out, s.Site)
		}
		if p.NextCursor == "" {
			return out
		}
		if len(p.Sites) != q.Limit {
			tb.Fatalf("page %d has %d sites and a cursor, want %d", pages, len(p.Sites), q.Limit)
		}
		q.Cursor = p.NextCursor
	}
}

func TestSearchMatchesBruteForce(t *testing.T) {
	ix := MustOpen(t)
	vs := loadGenerated(t, ix, 1500)
	yes := true
	hasTerm := func(v *trawlpb.Verdict, term string) bool {
		text := v.Site + " " + v.Title + " " + strings.Join(v.Hosts, " ")
		for _, e := range v.Evidence {
			text += " " + e.Signal + " " + e.Snippet
		}
		return slices.ContainsFunc(readmodel.Tokens(text, 0), func(tok string) bool { return strings.HasPrefix(tok, term) })
	}
	byStore := func(a, b *trawlpb.Verdict) int {
		return cmp.Or(cmp.Compare(b.StoreScore, a.StoreScore), strings.Compare(b.Site, a.Site))
	}
	tests := []struct {
		name string
		q    readmodel.Query
		want func(*trawlpb.Verdict) bool
		sort func(a, b *trawlpb.Verdict) int
	}{
		{"everything by store score", readmodel.Query{}, func(*trawlpb.Verdict) bool { return true }, byStore},
		{"flagged", readmodel.Query{Flagged: &yes}, func(v *trawlpb.Verdict) bool { return v.Flagged }, byStore},
		{"class and country by last seen", readmodel.Query{Classes: []string{"other", "music-legit"}, Countries: []string{"de"}, Sort: readmodel.SortLastSeen},
			func(v *trawlpb.Verdict) bool {
				return (v.Class == "other" || v.Class == "music-legit") && slices.Contains(v.Countries, "DE")
			},
			func(a, b *trawlpb.Verdict) int {
				return cmp.Or(cmp.Compare(b.UpdatedUnixMs, a.UpdatedUnixMs), strings.Compare(b.Site, a.Site))
			}},
		{"asn and tld, site A-Z", readmodel.Query{ASNs: []string{"12389"}, TLDs: []string{".ru"}, Sort: readmodel.SortSite},
			func(v *trawlpb.Verdict) bool {
				return strings.HasPrefix(v.Asns[0], "AS12389 ") && strings.HasSuffix(v.Site, ".ru")
			},
			func(a, b *trawlpb.Verdict) int { return strings.Compare(a.Site, b.Site) }},
		{"score ranges, oldest first", readmodel.Query{Store: readmodel.Range{Min: ptr(0.1), Max: ptr(0.9)}, Russia: readmodel.Range{Min: ptr(0.5)}, Sort: readmodel.SortFirstSeen, Asc: true},
			func(v *trawlpb.Verdict) bool {
				return v.StoreScore >= 0.1 && v.StoreScore <= 0.9 && v.RussiaScore >= 0.5
			},
			func(a, b *trawlpb.Verdict) int {
				return cmp.Or(cmp.Compare(a.FirstSeenUnixMs, b.FirstSeenUnixMs), strings.Compare(a.Site, b.Site))
			}},
		{"free text", readmodel.Query{Text: "ROMS licence"}, func(v *trawlpb.Verdict) bool { return hasTerm(v, "roms") && hasTerm(v, "licence") }, byStore},
		{"free text prefix, Cyrillic", readmodel.Query{Text: "лиценз"}, func(v *trawlpb.Verdict) bool { return hasTerm(v, "лиценз") }, byStore},
		{"free text and a filter", readmodel.Query{Text: "torrent", Countries: []string{"RU"}},
			func(v *trawlpb.Verdict) bool { return hasTerm(v, "torrent") && v.Countries[0] == "RU" }, byStore},
		{"ip", readmodel.Query{IP: vs[3].Ips[0]}, func(v *trawlpb.Verdict) bool { return v.Ips[0] == vs[3].Ips[0] }, byStore},
		{"nothing matches", readmodel.Query{Countries: []string{"ZZ"}}, func(*trawlpb.Verdict) bool { return false }, byStore},
		{"unlabelled", readmodel.Query{Labels: []readmodel.Label{readmodel.LabelNone}, Flagged: &yes}, func(v *trawlpb.Verdict) bool { return v.Flagged }, byStore},
	}
	// Every case both ways: from candidate sets where they are small, and
	// by walking the sort index.
	for _, way := range []struct {
		name  string
		small int
	}{{"candidates", 4096}, {"walk", 0}} {
		restore := readmodel.SetSmallCands(way.small)
		for _, tt := range tests {
			t.Run(way.name+"/"+tt.name, func(t *testing.T) {
				checkSearch(t, ix, vs, tt.q, tt.want, tt.sort, tt.name == "nothing matches")
			})
		}
		restore()
	}
}

func checkSearch(t *testing.T, ix *readmodel.Index, vs []*trawlpb.Verdict, q readmodel.Query,
	match func(*trawlpb.Verdict) bool, order func(a, b *trawlpb.Verdict) int, empty bool) {
	t.Helper()
	var want []string
	ws := slices.Clone(vs)
	slices.SortFunc(ws, order)
	for _, v := range ws {
		if match(v) {
			want = append(want, v.Site)
		}
	}
	q.Limit = 37
	got := all(t, ix, q)
	if !slices.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("got %d sites, want %d; they differ from position %d: got %q…, want %q…",
			len(got), len(want), i, got[i:min(i+3, len(got))], want[i:min(i+3, len(want))])
	}
	if !empty && len(want) == 0 {
		t.Fatalf("the case selects nothing: it tests nothing")
	}
}

func TestBadQueries(t *testing.T) {
	ix := MustOpen(t)
	loadGenerated(t, ix, 50)
	p, err := ix.Search(context.Background(), readmodel.Query{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    readmodel.Query
	}{
		{"limit too large", readmodel.Query{Limit: readmodel.MaxLimit + 1}},
		{"unknown class", readmodel.Query{Classes: []string{"shop"}}},
		{"unknown label", readmodel.Query{Labels: []readmodel.Label{"maybe"}}},
		{"country not a code", readmodel.Query{Countries: []string{"Russia"}}},
		{"asn not a number", readmodel.Query{ASNs: []string{"ASX"}}},
		{"score above 1", readmodel.Query{Store: readmodel.Range{Min: ptr(2)}}},
		{"empty range", readmodel.Query{Russia: readmodel.Range{Min: ptr(0.8), Max: ptr(0.2)}}},
		{"unknown sort", readmodel.Query{Sort: "price"}},
		{"cursor of another sort", readmodel.Query{Sort: readmodel.SortSite, Cursor: p.NextCursor}},
		{"garbage cursor", readmodel.Query{Cursor: "store_score.d.!!!"}},
		{"text without words", readmodel.Query{Text: "* -"}},
		{"text too long", readmodel.Query{Text: strings.Repeat("a", readmodel.MaxTextLen+1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tt.q)
			if !errors.Is(err, readmodel.ErrBadQuery) {
				t.Fatalf("got %v, want an ErrBadQuery", err)
			}
		})
	}
}

func label(id, site string, l readmodel.Label, who string, at time.Time) *trawlpb.Label {
	e := readmodel.LabelEvent{ID: id, Site: site, Label: l, Reviewer: who, Note: "note " + id, At: at}
	return readmodel.LabelToProto(&e)
}

func TestLabelsAndAudit(t *testing.T) {
	ix := MustOpen(t)
	vs := loadGenerated(t, ix, 300)
	var flagged []string
	for _, v := range vs {
		if v.Flagged {
			flagged = append(flagged, v.Site)
		}
	}
	if len(flagged) < 3 {
		t.Fatalf("%d flagged sites, want 3 or more", len(flagged))
	}
	ctx := context.Background()
	before, _ := ix.Stats(ctx)
	t0 := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)
	a, b := flagged[0], flagged[1]
	mustApply(t, ix, proto.StreamLabels, records(t, 1,
		label("l1", a, readmodel.LabelNeedsReview, "ann", t0),
		label("l2", a, readmodel.LabelConfirmed, "bob", t0.Add(time.Minute)),
		label("l1", a, readmodel.LabelNeedsReview, "ann", t0),             // a duplicate
		label("l3", a, readmodel.LabelCleared, "eve", t0.Add(-time.Hour)), // older, arriving late
		label("l4", b, readmodel.LabelFalsePositive, "ann", t0),
		label("l5", "not-yet-seen.example", readmodel.LabelConfirmed, "ann", t0),
	))
	d, err := ix.Detail(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if d.Label == nil || d.Label.Label != readmodel.LabelConfirmed || d.Label.Reviewer != "bob" {
		t.Fatalf("label of %s: got %+v, want confirmed by bob", a, d.Label)
	}
	if len(d.Labels) != 3 || d.Labels[0].ID != "l2" {
		t.Fatalf("label history of %s: got %+v, want l2, l1, l3 (newest first)", a, d.Labels)
	}
	got := all(t, ix, readmodel.Query{Labels: []readmodel.Label{readmodel.LabelConfirmed}, Limit: 10})
	if !slices.Equal(got, []string{a}) {
		t.Fatalf("sites labelled confirmed: got %q, want [%s]", got, a)
	}
	if got := all(t, ix, readmodel.Query{Labels: []readmodel.Label{readmodel.LabelNeedsReview, readmodel.LabelCleared}, Limit: 10}); len(got) != 0 {
		t.Fatalf("sites labelled needs-review or cleared: got %q, want none (both were replaced)", got)
	}
	unl := all(t, ix, readmodel.Query{Labels: []readmodel.Label{readmodel.LabelNone}, Flagged: new(true), Limit: 100})
	if slices.Contains(unl, a) || slices.Contains(unl, b) || len(unl) != len(flagged)-2 {
		t.Fatalf("unlabelled flagged sites: got %d, want %d without %s and %s", len(unl), len(flagged)-2, a, b)
	}
	st, _ := ix.Stats(ctx)
	if st.ToReview != before.ToReview-2 || st.Labelled[readmodel.LabelConfirmed] != 1 || st.Labelled[readmodel.LabelFalsePositive] != 1 {
		t.Fatalf("stats: got to_review %d labelled %v, want to_review %d and one confirmed, one false-positive",
			st.ToReview, st.Labelled, before.ToReview-2)
	}
	audit, next, err := ix.Audit(ctx, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 3 || audit[0].ID != "l2" || audit[0].Previous != readmodel.LabelNeedsReview || next == "" {
		t.Fatalf("audit: got %+v next %q, want l2 (was needs-review) first and a next page", audit, next)
	}
	rest, next, err := ix.Audit(ctx, next, 10)
	if err != nil || len(rest) != 2 || next != "" {
		t.Fatalf("audit page 2: got %d entries, next %q, err %v; want 2 and no next page", len(rest), next, err)
	}

	// A site labelled before its first verdict shows the label once it arrives.
	v := &trawlpb.Verdict{Site: "not-yet-seen.example", Class: "store", Flagged: true, StoreScore: 0.9, Version: 1, UpdatedUnixMs: t0.UnixMilli()}
	mustApply(t, ix, proto.StreamVerdicts, records(t, 1000, v))
	d, err = ix.Detail(ctx, "not-yet-seen.example")
	if err != nil || d.Label == nil || d.Label.Label != readmodel.LabelConfirmed {
		t.Fatalf("label of a site labelled before its verdict: got %+v, %v; want confirmed", d, err)
	}
}

func TestVerdictVersions(t *testing.T) {
	ix := MustOpen(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC).UnixMilli()
	v := func(version int64, at int64, score float64) *trawlpb.Verdict {
		return &trawlpb.Verdict{Site: "Shop.Example.", Class: "store", StoreScore: score, Version: version, UpdatedUnixMs: at}
	}
	tests := []struct {
		name      string
		v         *trawlpb.Verdict
		wantScore float64
		history   int
	}{
		{"first", v(2, t0, 0.5), 0.5, 1},
		{"newer version", v(3, t0+1000, 0.7), 0.7, 2},
		{"older version arriving late", v(1, t0-1000, 0.1), 0.7, 3},
		{"same version again", v(3, t0+1000, 0.9), 0.7, 3},
		{"reset classifier: lower version, later", v(1, t0+9000, 0.3), 0.3, 3},
	}
	for i, tt := range tests {
		mustApply(t, ix, proto.StreamVerdicts, records(t, uint64(i+1), tt.v))
		d, err := ix.Detail(ctx, "shop.example")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if d.StoreScore != tt.wantScore || len(d.History) != tt.history {
			t.Fatalf("%s: got score %v and %d history entries, want %v and %d", tt.name, d.StoreScore, len(d.History), tt.wantScore, tt.history)
		}
	}
	got := all(t, ix, readmodel.Query{Limit: 5})
	if !slices.Equal(got, []string{"shop.example"}) {
		t.Fatalf("listing after replacements: got %q, want one row for shop.example", got)
	}
	// A batch applied again changes nothing.
	mustApply(t, ix, proto.StreamVerdicts, records(t, 1, v(9, t0+99000, 1)))
	if d, _ := ix.Detail(ctx, "shop.example"); d.StoreScore != 0.3 {
		t.Fatalf("record at an applied sequence: got score %v, want it skipped (0.3)", d.StoreScore)
	}
}

func TestMalformedRecordsAreRejectedAndCounted(t *testing.T) {
	ix := MustOpen(t)
	good := records(t, 1, &trawlpb.Verdict{Site: "ok.example", Version: 1})[0]
	recs := []readmodel.Record{
		{Seq: 2, Data: []byte{0xff, 0xff, 0xff}},
		good,
		records(t, 3, &trawlpb.Verdict{Site: "bad site!", Version: 1})[0],
	}
	rej, err := ix.Apply(proto.StreamVerdicts, recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rej) != 2 || rej[0].Seq != 2 || rej[1].Seq != 3 {
		t.Fatalf("rejected: got %v, want sequences 2 and 3", rej)
	}
	lrej, err := ix.Apply(proto.StreamLabels, records(t, 1, label("x", "ok.example", "maybe", "ann", time.Now())))
	if err != nil || len(lrej) != 1 {
		t.Fatalf("label with an unknown value: got %v rejected, err %v; want 1", lrej, err)
	}
	st, _ := ix.Stats(context.Background())
	if st.Malformed != 3 || st.Sites != 1 || st.VerdictsSeq != 3 || st.LabelsSeq != 1 {
		t.Fatalf("stats: got %+v, want 3 malformed, 1 site, sequences 3 and 1", st)
	}
}

func TestExportMatchesSearch(t *testing.T) {
	ix := MustOpen(t)
	loadGenerated(t, ix, 1200)
	for _, q := range []readmodel.Query{{}, {Sort: readmodel.SortSite}, {Text: "refill"}, {Countries: []string{"RU"}, Sort: readmodel.SortLastSeen, Asc: true}} {
		t.Run(fmt.Sprintf("%s %s", q.Sort, q.Text), func(t *testing.T) {
			sq := q
			sq.Limit = readmodel.MaxLimit
			want := all(t, ix, sq)
			var got []string
			var evidence int
			err := ix.Export(context.Background(), q, true, func(s *readmodel.Site, ev []readmodel.Evidence) error {
				got = append(got, s.Site)
				evidence += len(ev)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) || evidence == 0 {
				t.Fatalf("export: got %d sites and %d evidence, want the %d of the search and evidence", len(got), evidence, len(want))
			}
		})
	}
}

func TestPivotsAndFamily(t *testing.T) {
	ix := MustOpen(t)
	vs := loadGenerated(t, ix, 600)
	var store *trawlpb.Verdict
	for _, v := range vs {
		if v.Family != "" {
			store = v
			break
		}
	}
	if store == nil {
		t.Fatal("no generated site has a family")
	}
	ctx := context.Background()
	pivots, err := ix.Pivots(ctx, store.Site, 50)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range vs {
		if v.Site != store.Site && v.Ips[0] == store.Ips[0] {
			want = append(want, v.Site)
		}
	}
	slices.Sort(want)
	i := slices.IndexFunc(pivots, func(p readmodel.Pivot) bool { return p.Kind == readmodel.PivotIP })
	if i < 0 || !slices.Equal(pivots[i].Sites, want) || len(want) == 0 {
		t.Fatalf("ip pivot of %s: got %+v, want %q", store.Site, pivots, want)
	}
	members, edges, err := ix.Family(ctx, store.Family)
	if err != nil {
		t.Fatal(err)
	}
	var wantMembers int
	for _, v := range vs {
		if v.Family == store.Family {
			wantMembers++
		}
	}
	if len(members) != wantMembers || len(edges) == 0 {
		t.Fatalf("family %s: got %d members and %d links, want %d members and links", store.Family, len(members), len(edges), wantMembers)
	}
	if _, err := ix.Pivots(ctx, "nowhere.example", 5); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("pivots of an unknown site: got %v, want ErrNotFound", err)
	}
}

// TestExportRunsInConstantMemory checks that the heap an export holds does
// not grow with the rows it has written.
func TestExportRunsInConstantMemory(t *testing.T) {
	ix := MustOpen(t)
	loadGenerated(t, ix, 12000)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC() // a second cycle frees what sync.Pools kept through the first
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var early, peak uint64
	n := 0
	err := ix.Export(context.Background(), readmodel.Query{}, true, func(s *readmodel.Site, ev []readmodel.Evidence) error {
		switch n++; {
		case n == 1000:
			early = heap()
		case n%2000 == 0:
			peak = max(peak, heap())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("early %d KB peak %d KB", early>>10, peak>>10)
	if n != 12000 || early == 0 {
		t.Fatalf("exported %d rows, want 12000", n)
	}
	if peak > early+4<<20 {
		t.Fatalf("heap after 1000 rows %d KB, later up to %d KB: the export holds what it has written", early>>10, peak>>10)
	}
}
