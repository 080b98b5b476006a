package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/bolt"
	classifierhttp "trawl.dev/classifier/http"
	"trawl.dev/classifier/internal/testsites"
	"trawl.dev/proto"
)

const numPartitions = 4

// MustServe fills a store with every test site and serves the API over it.
func MustServe(tb testing.TB) *httptest.Server {
	tb.Helper()
	store := bolt.NewStore(tb.TempDir(), []int{0, 1, 2, 3}, numPartitions)
	if err := store.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	entries, err := os.ReadDir(testsites.Dir())
	if err != nil {
		tb.Fatal(err)
	}
	a := &classifier.Analyzer{IPDB: testsites.Countries()}
	now := time.Date(2007, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		_, pages, err := testsites.Load(e.Name())
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range pages {
			p.Partition = proto.Partition(p.Site, numPartitions)
			if _, err := store.DB(p.Partition).Apply(p, a.Analyze(p), classifier.Scoring{}, now); err != nil {
				tb.Fatal(err)
			}
		}
	}
	srv := httptest.NewServer(classifierhttp.NewHandler(store, nil))
	tb.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, wantStatus int, into any) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: got status %d, want %d; body %s", path, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: got Content-Type %q, want JSON", path, ct)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: decode %s: %v", path, body, err)
		}
	}
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestListFlaggedStores(t *testing.T) {
	srv := MustServe(t)
	var list classifier.List
	get(t, srv, "/api/v1/sites?flagged=true&class=store", http.StatusOK, &list)
	want := map[string]bool{"mp3vault-direct.com": true, "muzlavka-mp3.ru": true, "cheaptunes-mp3.su": true}
	if len(list.Sites) != len(want) {
		t.Fatalf("got %d sites %+v, want %d", len(list.Sites), list.Sites, len(want))
	}
	for i, s := range list.Sites {
		if !want[s.Site] || !s.Flagged || s.Class != classifier.ClassStore {
			t.Errorf("got %+v, want one of %v, flagged store", s, want)
		}
		if i > 0 && (s.StoreScore > list.Sites[i-1].StoreScore ||
			s.StoreScore == list.Sites[i-1].StoreScore && s.Site < list.Sites[i-1].Site) {
			t.Errorf("not sorted: %s (%.3f) after %s (%.3f)", s.Site, s.StoreScore, list.Sites[i-1].Site, list.Sites[i-1].StoreScore)
		}
	}
	if list.NextCursor != "" {
		t.Errorf("got next_cursor %q on the last page, want none", list.NextCursor)
	}
}

func TestListPagesWithCursor(t *testing.T) {
	srv := MustServe(t)
	var all classifier.List
	get(t, srv, "/api/v1/sites?limit=1000", http.StatusOK, &all)
	if len(all.Sites) != 14 {
		t.Fatalf("got %d sites, want 14", len(all.Sites))
	}
	var paged []string
	cursor := ""
	for range 20 {
		var page classifier.List
		get(t, srv, "/api/v1/sites?limit=3&cursor="+url.QueryEscape(cursor), http.StatusOK, &page)
		for _, s := range page.Sites {
			paged = append(paged, s.Site)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(paged) != len(all.Sites) {
		t.Fatalf("paging gave %d sites, want %d", len(paged), len(all.Sites))
	}
	for i, s := range all.Sites {
		if paged[i] != s.Site {
			t.Errorf("page order %d: got %s, want %s", i, paged[i], s.Site)
		}
	}
	var legit classifier.List
	get(t, srv, "/api/v1/sites?class=music-legit&flagged=false", http.StatusOK, &legit)
	if len(legit.Sites) != 4 {
		t.Errorf("got %d music-legit sites, want 4 (radio, $0.99 store, streaming, label)", len(legit.Sites))
	}
}

func TestGetOneSite(t *testing.T) {
	srv := MustServe(t)
	tests := []struct{ path, want string }{
		{"/api/v1/sites/muzlavka-mp3.ru", "muzlavka-mp3.ru"},
		{"/api/v1/sites/WWW.MuzLavka-mp3.ru", "muzlavka-mp3.ru"},
		{"/api/v1/sites/mp3vault-direct.com", "mp3vault-direct.com"},
	}
	for _, tc := range tests {
		var v classifier.Verdict
		get(t, srv, tc.path, http.StatusOK, &v)
		if v.Site != tc.want || !v.Flagged || len(v.Evidence) < 3 {
			t.Errorf("GET %s: got site %s flagged %v with %d evidence, want %s flagged with 3 or more",
				tc.path, v.Site, v.Flagged, len(v.Evidence), tc.want)
		}
		for _, e := range v.Evidence {
			if e.URL == "" || e.Snippet == "" || e.Signal == "" {
				t.Errorf("GET %s: incomplete evidence %+v", tc.path, e)
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	srv := MustServe(t)
	for _, path := range []string{"/api/v1/sites/no-such-site.example", "/api/v1/nothing"} {
		var e apiError
		get(t, srv, path, http.StatusNotFound, &e)
		if e.Error.Code != "not_found" || e.Error.Message == "" {
			t.Errorf("GET %s: got error %+v, want code not_found with a message", path, e)
		}
	}
}

func TestBadRequest(t *testing.T) {
	srv := MustServe(t)
	for _, path := range []string{
		"/api/v1/sites?flagged=maybe",
		"/api/v1/sites?class=shop",
		"/api/v1/sites?limit=0",
		"/api/v1/sites?limit=5000",
		"/api/v1/sites?limit=ten",
		"/api/v1/sites?cursor=not-a-cursor",
		"/api/v1/sites/bad%20domain%21",
	} {
		var e apiError
		get(t, srv, path, http.StatusBadRequest, &e)
		if e.Error.Code != "bad_request" || e.Error.Message == "" {
			t.Errorf("GET %s: got error %+v, want code bad_request with a message", path, e)
		}
	}
}

func TestHealthz(t *testing.T) {
	srv := MustServe(t)
	get(t, srv, "/healthz", http.StatusOK, nil)
	get(t, srv, "/readyz", http.StatusOK, nil)
}
