package colly_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"trawl.dev/crawler"
	"trawl.dev/crawler/colly"
)

// site is an httptest web site whose robots.txt answer can be changed.
type site struct {
	mu          sync.Mutex
	robotsCode  int
	robotsBody  string
	robotsHits  atomic.Int64
	privateHits atomic.Int64
	url         string
}

func mustSite(t *testing.T) *site {
	s := &site{robotsCode: 200, robotsBody: "User-agent: *\nCrawl-delay: 2\nDisallow: /private\n"}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		s.robotsHits.Add(1)
		s.mu.Lock()
		code, body := s.robotsCode, s.robotsBody
		s.mu.Unlock()
		if code == 301 {
			http.Redirect(w, r, "/robots.txt", http.StatusMovedPermanently)
			return
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	})
	mux.HandleFunc("/private/", func(w http.ResponseWriter, r *http.Request) {
		s.privateHits.Add(1)
		fmt.Fprint(w, "secret")
	})
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/shop/", http.StatusFound) })
	mux.HandleFunc("/shop/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Powered-By", "PHP/4.4.9")
		w.Header().Add("Set-Cookie", "PHPSESSID=1; path=/")
		fmt.Fprint(w, `<html lang="ru"><head><title>MP3 магазин</title>
			<script>ym(12345678, "init", {});</script></head>
			<body><a href="album/1.html">Альбом</a> <a href="http://other.example.com/x#y">x</a>
			<p>Всего $0.01 per MB</p></body></html>`)
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/song.mp3", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write(make([]byte, 1<<20))
	})
	s.url = mustServer(t, mux).URL
	return s
}

func (s *site) setRobots(code int, body string) {
	s.mu.Lock()
	s.robotsCode, s.robotsBody = code, body
	s.mu.Unlock()
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }
func task(url string) crawler.Task   { return crawler.Task{URL: url, LeaseID: "l1"} }
func crawl(c *crawler.Crawler, url string) crawler.Result {
	return c.Crawl(context.Background(), task(url))
}

func TestCrawlPage(t *testing.T) {
	s := mustSite(t)
	c := crawler.New(mustFetcher(t, colly.Options{}), &crawler.Options{AddrPolicy: crawler.AddrPolicy{AllowLoopback: true}})
	res := crawl(c, s.url+"/old")
	o := res.Outcome
	if o.ErrorCode != "" || o.StatusCode != 200 || o.FinalURL != s.url+"/shop/" || o.IP != "127.0.0.1" ||
		o.CrawlDelay != 2*time.Second || o.Bytes == 0 || o.ContentType != "text/html; charset=utf-8" {
		t.Errorf("got outcome %+v, want a 200 from /shop/ with a 2s crawl delay", o)
	}
	p := res.Page
	if p == nil {
		t.Fatalf("got no page")
	}
	wantLinks := []crawler.Link{{URL: s.url + "/shop/album/1.html", Anchor: "Альбом"}, {URL: "http://other.example.com/x", Anchor: "x"}}
	checks := []struct {
		name      string
		got, want any
	}{
		{"title", p.Title, "MP3 магазин"},
		{"lang", p.Lang, "ru"},
		{"links", p.Links, wantLinks},
		{"trackers", p.TrackerIDs, []string{"ym:12345678"}},
		{"headers", p.Headers, map[string]string{"X-Powered-By": "PHP/4.4.9", "Set-Cookie": "PHPSESSID"}},
		{"price", len(p.Prices) == 1 && p.Prices[0].Unit == "mb" && p.Prices[0].Currency == "USD", true},
		{"final url", p.FinalURL, s.url + "/shop/"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestCrawlRobots(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		body      string
		path      string
		wantCode  string
		wantPage  bool
		wantDelay time.Duration
	}{
		{"allowed", 200, "User-agent: *\nDisallow: /private\n", "/shop/", "", true, 0},
		{"disallowed", 200, "User-agent: *\nCrawl-delay: 3\nDisallow: /private\n", "/private/x", crawler.CodeRobots, false, 3 * time.Second},
		{"our group disallows", 200, "User-agent: *\nAllow: /\n\nUser-agent: TrawlBot\nDisallow: /shop\n", "/shop/", crawler.CodeRobots, false, 0},
		{"404 allows all", 404, "", "/private/x", "", true, 0},
		{"403 allows all", 403, "User-agent: *\nDisallow: /\n", "/shop/", "", true, 0},
		{"500 is unavailable", 500, "", "/shop/", crawler.CodeRobotsUnavailable, false, 0},
		{"429 is unavailable", 429, "", "/shop/", crawler.CodeRobotsUnavailable, false, 0},
		{"redirect loop allows all", 301, "", "/shop/", "", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSite(t)
			s.setRobots(tt.code, tt.body)
			c := crawler.New(mustFetcher(t, colly.Options{}), nil)
			res := crawl(c, s.url+tt.path)
			if res.Outcome.ErrorCode != tt.wantCode || (res.Page != nil) != tt.wantPage || res.Outcome.CrawlDelay != tt.wantDelay {
				t.Errorf("got code %q page %v delay %v (%s), want %q %v %v", res.Outcome.ErrorCode, res.Page != nil,
					res.Outcome.CrawlDelay, res.Outcome.Error, tt.wantCode, tt.wantPage, tt.wantDelay)
			}
			if tt.wantCode != "" && res.Outcome.StatusCode != 0 {
				t.Errorf("got status %d, want 0: the page must not be fetched", res.Outcome.StatusCode)
			}
			if tt.wantCode != "" && s.privateHits.Load() != 0 {
				t.Errorf("got %d fetches of a refused page, want 0", s.privateHits.Load())
			}
		})
	}
}

func TestCrawlRobotsCache(t *testing.T) {
	s := mustSite(t)
	clk := newClock()
	c := crawler.New(mustFetcher(t, colly.Options{}), &crawler.Options{Now: clk.Now, RobotsTTL: time.Hour})
	crawl(c, s.url+"/shop/")
	crawl(c, s.url+"/private/a")
	if got := s.robotsHits.Load(); got != 1 {
		t.Errorf("got %d robots.txt fetches within the TTL, want 1", got)
	}
	clk.Add(61 * time.Minute)
	s.setRobots(500, "")
	if res := crawl(c, s.url+"/shop/"); res.Outcome.ErrorCode != crawler.CodeRobotsUnavailable {
		t.Errorf("after expiry with robots 500: got %q, want %q", res.Outcome.ErrorCode, crawler.CodeRobotsUnavailable)
	}
	s.setRobots(200, "User-agent: *\nDisallow: /shop\n")
	if res := crawl(c, s.url+"/shop/"); res.Outcome.ErrorCode != crawler.CodeRobots {
		t.Errorf("a 5xx must not be cached: got %q, want %q", res.Outcome.ErrorCode, crawler.CodeRobots)
	}
	if got := s.robotsHits.Load(); got != 3 {
		t.Errorf("got %d robots.txt fetches, want 3", got)
	}
}

func TestCrawlOutcomes(t *testing.T) {
	s := mustSite(t)
	clk := newClock()
	c := crawler.New(mustFetcher(t, colly.Options{}), &crawler.Options{Now: clk.Now})

	busy := crawl(c, s.url+"/busy")
	if busy.Outcome.StatusCode != 429 || busy.Outcome.RetryAfter != 2*time.Minute || busy.Outcome.ErrorCode != "" || busy.Page != nil {
		t.Errorf("429: got %+v, want status 429, retry after 2m, no page", busy.Outcome)
	}
	song := crawl(c, s.url+"/song.mp3")
	if song.Outcome.ContentType != "audio/mpeg" || song.Outcome.Bytes != 0 || song.Page != nil || song.Outcome.ErrorCode != "" {
		t.Errorf("mp3: got %+v (page %v), want its content type, no body, no page", song.Outcome, song.Page != nil)
	}
	if !song.Outcome.FetchedAt.Equal(clk.Now()) {
		t.Errorf("got fetched at %v, want the injected clock's %v", song.Outcome.FetchedAt, clk.Now())
	}
}

func TestCrawlHostFailuresKeepTheirCode(t *testing.T) {
	resolver := mustDNS(t, map[string]string{"private.trawl-test.": "10.1.2.3"})
	c := crawler.New(mustFetcher(t, colly.Options{Resolver: resolver}), nil)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := l.Addr().String()
	l.Close()
	tests := []struct{ url, code string }{
		{"http://nowhere.trawl-test/", crawler.CodeDNS},
		{"http://private.trawl-test/", crawler.CodeBlockedIP},
		{"http://" + refused + "/", crawler.CodeRobotsUnavailable},
	}
	for _, tt := range tests {
		if got := crawl(c, tt.url).Outcome.ErrorCode; got != tt.code {
			t.Errorf("%s: got %q, want %q", tt.url, got, tt.code)
		}
	}
}
