package investigate_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"trawl.dev/classifier/investigate"
	"trawl.dev/classifier/readmodel"
	"trawl.dev/proto/trawlpb"
)

func refOf(w *trawlpb.WarcRef) *readmodel.WARCRef {
	if w == nil {
		return nil
	}
	return &readmodel.WARCRef{File: w.GetFile(), Offset: w.GetOffset(), RecordID: w.GetRecordId()}
}

// TestEvidenceCitesWARCRecords checks that the WARC record of each piece of
// evidence reaches every place evidence is shown: the site API, the site
// page, the listing, and the CSV and JSON-lines exports.
func TestEvidenceCitesWARCRecords(t *testing.T) {
	e := startEnv(t, 60)
	flagged := e.flagged()
	if len(flagged) == 0 {
		t.Fatal("no flagged site: the test would prove nothing")
	}
	v := flagged[0]
	if len(v.GetEvidence()) == 0 || v.GetEvidence()[0].GetWarc() == nil {
		t.Fatal("the generated verdict cites no WARC record: the test would prove nothing")
	}

	d := decode[investigate.SiteDetail](t, e.do(t, "GET", "/api/v1/sites/"+v.Site, viewerToken, "", ""))
	if len(d.Evidence) != len(v.GetEvidence()) {
		t.Fatalf("got %d evidence items, want %d", len(d.Evidence), len(v.GetEvidence()))
	}
	for i, ev := range d.Evidence {
		if want := refOf(v.GetEvidence()[i].GetWarc()); want == nil || ev.WARC == nil || *ev.WARC != *want {
			t.Errorf("evidence %d (%s): got WARC %+v, want %+v", i, ev.Signal, ev.WARC, want)
		}
	}
	first := refOf(v.GetEvidence()[0].GetWarc())
	if d.WARC == nil || *d.WARC != *first {
		t.Errorf("site: got WARC %+v, want the strongest evidence's %+v", d.WARC, first)
	}

	// The site page says where each piece of evidence is archived.
	req, _ := http.NewRequest("GET", e.url+"/sites/"+v.Site, nil)
	req.AddCookie(&http.Cookie{Name: "trawl_session", Value: viewerToken})
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("site page: got %d", resp.StatusCode)
	}
	for i, ev := range v.GetEvidence() {
		w := ev.GetWarc()
		line := "WARC: <code>" + html.EscapeString(w.GetFile()) + "</code> @ " + strconv.FormatInt(w.GetOffset(), 10) +
			", record <code>&lt;" + html.EscapeString(w.GetRecordId()) + "&gt;</code>"
		if !strings.Contains(string(page), line) {
			t.Errorf("site page lacks evidence %d's record %q", i, line)
		}
	}

	// Exports: CSV carries the strongest evidence's record, JSON lines every one.
	resp = e.do(t, "GET", "/api/v1/export.csv?flagged=true", viewerToken, "", "")
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(investigate.CSVHeader, name) }
	found := false
	for _, r := range recs[1:] {
		if r[0] != v.Site {
			continue
		}
		found = true
		got := readmodel.WARCRef{File: r[col("evidence_warc_file")], RecordID: r[col("evidence_warc_record_id")]}
		got.Offset, _ = strconv.ParseInt(r[col("evidence_warc_offset")], 10, 64)
		if got != *first || r[col("evidence_url")] != v.GetEvidence()[0].GetUrl() {
			t.Errorf("csv: got url %q and record %+v, want %q and %+v", r[col("evidence_url")], got, v.GetEvidence()[0].GetUrl(), first)
		}
	}
	if !found {
		t.Fatalf("csv export lacks %s", v.Site)
	}
	resp = e.do(t, "GET", "/api/v1/export.jsonl?flagged=true&evidence=true", viewerToken, "", "")
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	found = false
	for sc.Scan() {
		var row struct {
			Site     string               `json:"site"`
			Evidence []readmodel.Evidence `json:"evidence"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if row.Site != v.Site {
			continue
		}
		found = true
		for i, ev := range row.Evidence {
			if want := refOf(v.GetEvidence()[i].GetWarc()); ev.WARC == nil || *ev.WARC != *want {
				t.Errorf("jsonl evidence %d: got WARC %+v, want %+v", i, ev.WARC, want)
			}
		}
	}
	if !found {
		t.Fatalf("jsonl export lacks %s", v.Site)
	}
}
