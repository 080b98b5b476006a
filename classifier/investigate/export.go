package investigate

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"trawl.dev/classifier/readmodel"
)

type exportFormat int

const (
	formatCSV exportFormat = iota
	formatJSONL
)

// CSVHeader is the header row of CSV exports.
var CSVHeader = []string{"site", "title", "class", "flagged", "store_score", "russia_score", "hosting_score",
	"content_score", "piracy_score", "legit_score", "hosting_countries", "asns", "ips", "hosts", "tracker_ids",
	"family", "pages", "first_seen", "last_seen", "label", "label_reviewer", "label_at", "label_note",
	"top_signals", "evidence_url", "evidence_warc_file", "evidence_warc_offset", "evidence_warc_record_id"}

// flushEvery is how many rows an export writes between flushes.
const flushEvery = 200

// exportHandler streams every site a query selects as CSV or JSON lines.
// The query is checked before anything is written, so a bad one gets a 400;
// a failure after the first row aborts the response, so a client never
// mistakes a cut export for a complete one.
func (s *Server) exportHandler(f exportFormat) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		q, aerr := parseQuery(v, "evidence")
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		evidence := false
		if e := v.Get("evidence"); e != "" {
			b, err := strconv.ParseBool(e)
			if err != nil {
				writeError(w, badRequest(fmt.Sprintf("evidence must be true or false, got %q", e)))
				return
			}
			evidence = b
		}
		if f == formatCSV && evidence {
			writeError(w, badRequest("evidence=true is for JSON lines exports; CSV has one row per site"))
			return
		}
		idx := s.index(w)
		if idx == nil {
			return
		}
		check := q
		check.Limit, check.Cursor = 1, ""
		if _, err := idx.Search(r.Context(), check); err != nil {
			s.fail(w, r, err)
			return
		}
		s.exports.Add(1)
		s.streamExport(w, r, idx, q, f, evidence)
	}
}

func (s *Server) streamExport(w http.ResponseWriter, r *http.Request, idx *readmodel.Index, q readmodel.Query, f exportFormat, evidence bool) {
	name := "trawl-sites-" + s.now().UTC().Format("20060102-150405")
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if f == formatCSV {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	} else {
		h.Set("Content-Type", "application/jsonl; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+`.jsonl"`)
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var rows int64
	var write func(*readmodel.Site, []readmodel.Evidence) error
	var cw *csv.Writer
	if f == formatCSV {
		cw = csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return
		}
		write = func(st *readmodel.Site, _ []readmodel.Evidence) error { return cw.Write(csvRow(st)) }
	} else {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		write = func(st *readmodel.Site, ev []readmodel.Evidence) error {
			if evidence {
				return enc.Encode(struct {
					*readmodel.Site
					Evidence []readmodel.Evidence `json:"evidence"`
				}{st, ev})
			}
			return enc.Encode(st)
		}
	}
	err := idx.Export(r.Context(), q, evidence, func(st *readmodel.Site, ev []readmodel.Evidence) error {
		if err := write(st, ev); err != nil {
			return err
		}
		if rows++; rows%flushEvery == 0 {
			if cw != nil {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return err
				}
			}
			return rc.Flush()
		}
		return nil
	})
	if cw != nil && err == nil {
		cw.Flush()
		err = cw.Error()
	}
	s.exportedRows.Add(rows)
	if err != nil {
		if !errors.Is(err, r.Context().Err()) && !errors.Is(err, io.ErrClosedPipe) {
			s.log.Error("investigate: export failed", "rows", rows, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

func csvRow(st *readmodel.Site) []string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	var label, by, at, note string
	if st.Label != nil {
		label, by, at, note = string(st.Label.Label), st.Label.Reviewer, t(st.Label.At), st.Label.Note
	}
	url, ref := st.URL, st.WARC
	if st.Match != nil {
		url, ref = st.Match.URL, st.Match.WARC
	}
	var warcFile, warcOffset, warcID string
	if ref != nil {
		warcFile, warcOffset, warcID = ref.File, strconv.FormatInt(ref.Offset, 10), ref.RecordID
	}
	row := []string{st.Site, st.Title, st.Class, strconv.FormatBool(st.Flagged), f(st.StoreScore), f(st.RussiaScore),
		f(st.HostingScore), f(st.ContentScore), f(st.PiracyScore), f(st.LegitScore), strings.Join(st.Countries, ";"),
		strings.Join(st.ASNs, ";"), strings.Join(st.IPs, ";"), strings.Join(st.Hosts, ";"), strings.Join(st.TrackerIDs, ";"),
		st.Family, strconv.Itoa(st.Pages), t(st.FirstSeen), t(st.LastSeen), label, by, at, note,
		strings.Join(st.TopSignals, ";"), url, warcFile, warcOffset, warcID}
	for i, c := range row {
		row[i] = csvSafe(c)
	}
	return row
}

// csvSafe keeps a spreadsheet from running a cell as a formula: titles and
// notes come from the web and from people.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
