package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"trawl.dev/frontier/service"
)

// TestBackoffAndRetryAfter serves a scripted host and checks, from its own
// request times, that Retry-After (on 503 and 429) and the exponential
// backoff after errors were honoured, and that the URL was retried until it
// succeeded.
func TestBackoffAndRetryAfter(t *testing.T) {
	type step struct {
		path       string
		status     int
		retryAfter string
	}
	script := []step{
		{"/a", 503, "1"}, // waits Retry-After: 1s
		{"/a", 500, ""},  // 2nd error: backoff 4 × MinDelay
		{"/a", 500, ""},  // 3rd error: 8 × MinDelay
		{"/a", 200, ""},  // links to /b; the wait falls back to MinDelay
		{"/b", 429, "1"}, // Retry-After again
		{"/b", 200, ""},
	}
	const minDelay = 100 * time.Millisecond
	wantGap := []time.Duration{0, time.Second, 4 * minDelay, 8 * minDelay, minDelay, time.Second}
	var mu sync.Mutex
	var times []time.Time
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		i := len(times)
		times = append(times, time.Now())
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if i >= len(script) || script[i].path != r.URL.Path {
			t.Errorf("request %d: got %s, want the script's %v", i, r.URL.Path, script[min(i, len(script)-1)])
			http.NotFound(w, r)
			return
		}
		if script[i].retryAfter != "" {
			w.Header().Set("Retry-After", script[i].retryAfter)
		}
		w.WriteHeader(script[i].status)
		if script[i].status == 200 && r.URL.Path == "/a" {
			w.Write([]byte(`<a href="/b">b</a>`))
		}
	}))
	defer srv.Close()

	nc, js, _ := mustConnect(t)
	o := options(t.TempDir())
	o.MinDelay, o.AdaptiveFactor, o.MaxAttempts, o.MaxBackoff = minDelay, 0.01, 5, 10*time.Second
	s, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	run(t, s)
	startWebCrawler(t, js, nil, 4)
	if err := s.Seed(context.Background(), srv.URL+"/a"); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, s, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(times) >= len(script)
	})
	mu.Lock()
	defer mu.Unlock()
	if len(times) != len(script) {
		t.Fatalf("got %d requests %v, want %d", len(times), paths, len(script))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < wantGap[i] {
			t.Errorf("request %d (%s after %d %s): came %v after the previous, want ≥ %v",
				i, paths[i], script[i-1].status, script[i-1].retryAfter, gap, wantGap[i])
		}
	}
	if st := s.Stats(); st.Fetched != 6 || st.Failed != 4 || st.Retried != 4 || st.Dropped != 0 {
		t.Errorf("stats: got %+v; want 6 fetched, 4 failed and retried, none dropped", st)
	}
}
