package warc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlnwa/gowarc/v3"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
	"trawl.dev/crawler/warc"
)

// readAll reads every record of every WARC file in dir with gowarc's reader
// and returns the response records by target URI, and the file count.
func readAll(t *testing.T, dir string) (map[string][]gowarc.WarcRecord, int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]gowarc.WarcRecord{}
	for _, f := range files {
		r, err := gowarc.NewWarcFileReader(f, 0)
		if err != nil {
			t.Fatalf("open %s: %v", f, err)
		}
		for rec, err := range r.Records() {
			if err != nil {
				t.Fatalf("read %s: %v", f, err)
			}
			if rec.WarcRecord.Type() == gowarc.Response {
				uri := rec.WarcRecord.WarcHeader().Get(gowarc.WarcTargetURI)
				got[uri] = append(got[uri], rec.WarcRecord)
			}
		}
		r.Close()
	}
	return got, len(files)
}

func TestWriterRecordsEveryResponseAndReadsBack(t *testing.T) {
	page := "<html><title>Магазин</title><body>" + strings.Repeat("MP3 за 15 руб. ", 200) + "</body></html>"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(page))
	zw.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/shop", http.StatusFound) })
	mux.HandleFunc("/shop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	w := warc.New(warc.Options{Dir: dir, MaxFileSize: 4 << 10, Software: "test"})
	f, err := colly.New(&colly.Options{AllowLoopback: true, Recorder: w})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := crawler.New(f, nil)
	for i := range 5 {
		res := c.Crawl(context.Background(), crawler.Task{URL: fmt.Sprintf("%s/old?i=%d", srv.URL, i), LeaseID: "l"})
		if res.Page == nil || res.Page.Title != "Магазин" {
			t.Fatalf("crawl %d: got %+v, want the page", i, res.Outcome)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	got, files := readAll(t, dir)
	if files < 2 {
		t.Errorf("got %d files, want the 4 KiB limit to roll over to several", files)
	}
	if n := len(got[srv.URL+"/robots.txt"]); n != 1 {
		t.Errorf("got %d robots.txt records, want 1 (cached after)", n)
	}
	for i := range 5 {
		if n := len(got[fmt.Sprintf("%s/old?i=%d", srv.URL, i)]); n != 1 {
			t.Errorf("redirect hop %d: got %d records, want 1", i, n)
		}
	}
	shop := got[srv.URL+"/shop"]
	if len(shop) != 5 {
		t.Fatalf("got %d /shop records, want 5", len(shop))
	}
	rec := shop[0]
	if ip := rec.WarcHeader().Get(gowarc.WarcIPAddress); ip != "127.0.0.1" {
		t.Errorf("got WARC-IP-Address %q, want 127.0.0.1", ip)
	}
	hb, ok := rec.Block().(gowarc.HttpResponseBlock)
	if !ok {
		t.Fatalf("got block %T, want an HTTP response block", rec.Block())
	}
	if code := hb.HttpStatusCode(); code != 200 {
		t.Errorf("got status %d, want 200", code)
	}
	if ce := hb.HttpHeader().Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("got Content-Encoding %q, want the raw gzip kept", ce)
	}
	pr, err := hb.PayloadBytes()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(pr)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("payload is not the gzip sent: %v", err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != page {
		t.Errorf("got payload decoding to %d bytes, want the %d-byte page", len(plain), len(page))
	}
	if st := w.Stats(); st.Records != 11 || st.Errors != 0 {
		t.Errorf("got stats %+v, want 11 records (1 robots, 5 redirects, 5 pages), no errors", st)
	}
	// No file is left open.
	if open, _ := filepath.Glob(filepath.Join(dir, "*.open")); len(open) != 0 {
		t.Errorf("got open files %v after Close", open)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

func TestWriterMarksTruncatedBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(bytes.Repeat([]byte("x"), 10000))
	}))
	defer srv.Close()
	dir := t.TempDir()
	w := warc.New(warc.Options{Dir: dir})
	f, _ := colly.New(&colly.Options{AllowLoopback: true, Recorder: w, MaxBody: 1000})
	defer f.Close()
	resp, err := f.Fetch(context.Background(), crawler.Request{URL: srv.URL + "/big"})
	if err != nil || !resp.Truncated {
		t.Fatalf("got %v truncated=%v, want a truncated body", err, resp.Truncated)
	}
	resp.Done()
	w.Close()
	got, _ := readAll(t, dir)
	recs := got[srv.URL+"/big"]
	if len(recs) != 1 || recs[0].WarcHeader().Get(gowarc.WarcTruncated) != "length" {
		t.Fatalf("got %d records, want one with WARC-Truncated: length", len(recs))
	}
}

// TestRecordRefsPointAtTheirRecords crawls pages concurrently through two
// writers whose files roll over, and reads each page's record back at the
// file and offset its Response.Record names.
func TestRecordRefsPointAtTheirRecords(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/old/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/p/"+strings.TrimPrefix(r.URL.Path, "/old/"), http.StatusFound)
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// 2,000 hex digits that do not repeat: about 1 KB compressed.
		rng := rand.New(rand.NewPCG(uint64(len(r.URL.Path)), uint64(r.URL.Path[len(r.URL.Path)-1])))
		var body strings.Builder
		for range 125 {
			fmt.Fprintf(&body, "%016x", rng.Uint64())
		}
		fmt.Fprintf(w, "<html><title>%s</title><body>%s</body></html>", r.URL.Path, body.String())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	w := warc.New(warc.Options{Dir: dir, MaxFileSize: 8 << 10, Writers: 2})
	f, err := colly.New(&colly.Options{AllowLoopback: true, Recorder: w})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := crawler.New(f, nil)
	const n = 24
	pages := make([]*crawler.Page, n)
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			pages[i] = c.Crawl(context.Background(), crawler.Task{URL: fmt.Sprintf("%s/old/%d", srv.URL, i), LeaseID: "l"}).Page
		}()
	}
	for range n {
		<-done
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	ids := map[string]bool{}
	for i, p := range pages {
		if p == nil || p.Record == nil {
			t.Fatalf("page %d: got %+v, want a page with its record", i, p)
		}
		ref := *p.Record
		if filepath.Base(ref.File) != ref.File || !strings.HasSuffix(ref.File, ".warc.gz") {
			t.Fatalf("page %d: file %q, want a bare .warc.gz name", i, ref.File)
		}
		files[ref.File] = true
		if ids[ref.ID] {
			t.Fatalf("page %d: record id %s given twice", i, ref.ID)
		}
		ids[ref.ID] = true
		r, err := gowarc.NewWarcFileReader(filepath.Join(dir, ref.File), ref.Offset)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("page %d: read %s at %d: %v", i, ref.File, ref.Offset, err)
		}
		h := rec.WarcRecord.WarcHeader()
		want := fmt.Sprintf("%s/p/%d", srv.URL, i)
		if rec.Offset != ref.Offset || rec.WarcRecord.Type() != gowarc.Response ||
			h.GetId(gowarc.WarcRecordID) != ref.ID || h.Get(gowarc.WarcTargetURI) != want || p.FinalURL != want {
			t.Errorf("page %d: at %s@%d got a %s record %s of %s (at %d), want response %s of %s",
				i, ref.File, ref.Offset, rec.WarcRecord.Type(), h.GetId(gowarc.WarcRecordID),
				h.Get(gowarc.WarcTargetURI), rec.Offset, ref.ID, want)
		}
		rec.Close()
		r.Close()
	}
	if len(files) < 3 {
		t.Errorf("records went to %d files, want the 8 KiB limit and two writers to spread them over several", len(files))
	}
}
