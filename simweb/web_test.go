package simweb_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html/charset"
	"golang.org/x/net/publicsuffix"

	"trawl.dev/simweb"
)

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name string
		opts simweb.Options
	}{
		{"small", simweb.Options{Sites: 40, Seed: 7}},
		{"default size", simweb.Options{Seed: 42}},
		{"negative seed", simweb.Options{Sites: 300, Seed: -3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := simweb.Generate(tt.opts), simweb.Generate(tt.opts)
			var ta, tb bytes.Buffer
			if err := a.WriteTruth(&ta); err != nil {
				t.Fatal(err)
			}
			if err := b.WriteTruth(&tb); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ta.Bytes(), tb.Bytes()) {
				t.Fatalf("truth differs between two generations with %+v", tt.opts)
			}
			for i := range a.Sites() {
				if a.Sites()[i] != b.Sites()[i] {
					t.Fatalf("site %d: got %+v, want %+v", i, b.Sites()[i], a.Sites()[i])
				}
			}
			pa, pb := crawl(t, a, 8080), crawl(t, b, 8080)
			if len(pa) != len(pb) {
				t.Fatalf("got %d pages, want %d", len(pb), len(pa))
			}
			for u, body := range pa {
				if !bytes.Equal(body, pb[u]) {
					t.Fatalf("page %s differs between generations", u)
				}
			}
		})
	}
	x, y := simweb.Generate(simweb.Options{Sites: 100, Seed: 1}), simweb.Generate(simweb.Options{Sites: 100, Seed: 2})
	if x.Sites()[0].Host == y.Sites()[0].Host && x.Sites()[1].Host == y.Sites()[1].Host {
		t.Errorf("seeds 1 and 2 gave the same hosts %s, %s", x.Sites()[0].Host, x.Sites()[1].Host)
	}
}

func TestGenerateShape(t *testing.T) {
	tests := []struct {
		sites      int
		everyKind  bool
		minStores  int
		maxStores  int
		unflagged  bool
		pagesRange [2]int
	}{
		{sites: 1, pagesRange: [2]int{1, 50}},
		{sites: 5, pagesRange: [2]int{5, 100}},
		{sites: 30, everyKind: true, minStores: 1, maxStores: 3, pagesRange: [2]int{100, 400}},
		{sites: 200, everyKind: true, minStores: 6, maxStores: 10, unflagged: true, pagesRange: [2]int{1000, 2500}},
		{sites: 1000, everyKind: true, minStores: 35, maxStores: 45, unflagged: true, pagesRange: [2]int{6000, 10000}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.sites), func(t *testing.T) {
			w := simweb.Generate(simweb.Options{Sites: tt.sites, Seed: 3})
			sites := w.Sites()
			if len(sites) != tt.sites {
				t.Fatalf("got %d sites, want %d", len(sites), tt.sites)
			}
			if len(w.Seeds()) == 0 {
				t.Fatal("got no seeds")
			}
			kinds := map[simweb.Kind]int{}
			hosts := map[string]bool{}
			perIP := map[netip.Addr]int{}
			stores, unflagged := 0, 0
			for i, s := range sites {
				kinds[s.Kind]++
				if hosts[s.Host] {
					t.Errorf("host %s appears twice", s.Host)
				}
				hosts[s.Host] = true
				if s.Index != i {
					t.Errorf("site %s: got Index %d, want %d", s.Host, s.Index, i)
				}
				if !s.IP.Is4() || s.IP.As4()[0] != 127 || s.IP == netip.MustParseAddr("127.0.0.1") || s.IP.As4()[1] == 0 {
					t.Errorf("site %s: got IP %s, want 127.x outside 127.0.0.0/16", s.Host, s.IP)
				}
				perIP[s.IP]++
				if s.Class != s.Kind.Class() {
					t.Errorf("site %s: got class %q, want %q", s.Host, s.Class, s.Kind.Class())
				}
				if s.Flagged && s.Kind != simweb.KindStore {
					t.Errorf("site %s: flagged %s, want only stores flagged", s.Host, s.Kind)
				}
				if s.Kind == simweb.KindStore {
					stores++
					if !s.Flagged {
						unflagged++
					}
				}
				if s.Charset != simweb.CharsetUTF8 && s.Kind != simweb.KindStore {
					t.Errorf("site %s (%s): got charset %s, want utf-8", s.Host, s.Kind, s.Charset)
				}
				if s.Country == "" || s.ASN == 0 || s.ASOrg == "" || s.Name == "" {
					t.Errorf("site %s: missing country, AS or name: %+v", s.Host, s)
				}
			}
			if tt.everyKind {
				for k := simweb.Kind(1); k.Class() != ""; k++ {
					if kinds[k] == 0 {
						t.Errorf("got no %s site in a web of %d", k, tt.sites)
					}
				}
			}
			if stores < tt.minStores || (tt.maxStores > 0 && stores > tt.maxStores) {
				t.Errorf("got %d stores, want %d..%d", stores, tt.minStores, tt.maxStores)
			}
			if tt.unflagged && unflagged == 0 {
				t.Errorf("got no store without Russia links")
			}
			if tt.sites >= 200 {
				if got := float64(tt.sites) / float64(len(perIP)); got < 2 || got > 5 {
					t.Errorf("got %.1f sites per IP, want about 3", got)
				}
				most := 0
				for _, n := range perIP {
					most = max(most, n)
				}
				if most < 12 {
					t.Errorf("got at most %d sites on one IP, want a shared-hosting IP with dozens", most)
				}
			}
			pages := crawl(t, w, 0)
			if n := len(pages); n < tt.pagesRange[0] || n > tt.pagesRange[1] {
				t.Errorf("got %d pages reachable from home pages, want %d..%d", n, tt.pagesRange[0], tt.pagesRange[1])
			}
		})
	}
}

// russiaLinks counts the clear links of a store to Russia as a reader of its truth and home page sees them.
func russiaLinks(t *testing.T, w *simweb.Web, s simweb.Site) (n int, why []string) {
	t.Helper()
	p, ok := w.Page(s.Host, "/", 0)
	if !ok {
		t.Fatalf("no home page for %s", s.Host)
	}
	body := decode(t, p)
	suffix, _ := publicsuffix.PublicSuffix(s.Host)
	for _, c := range []struct {
		ok   bool
		name string
	}{
		{s.Country == "RU", "RU hosting"},
		{suffix == "ru" || suffix == "su" || suffix == "xn--p1ai", "Russian TLD"},
		{s.Currency == "RUB", "roubles"},
		{s.Lang != "en", "Russian text"},
		{strings.Contains(body, "WebMoney") || strings.Contains(body, "Yandex.Money") || strings.Contains(body, "Яндекс.Деньги") || strings.Contains(body, "QIWI"), "Russian payments"},
	} {
		if c.ok {
			n++
			why = append(why, c.name)
		}
	}
	return n, why
}

func TestFlaggedStores(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 1000, Seed: 11})
	for _, s := range w.Sites() {
		if s.Kind != simweb.KindStore {
			continue
		}
		n, why := russiaLinks(t, w, s)
		switch {
		case s.Flagged && n < 2:
			t.Errorf("flagged store %s: got Russia links %v, want at least two", s.Host, why)
		case !s.Flagged && n > 0:
			t.Errorf("unflagged store %s: got Russia links %v, want none", s.Host, why)
		}
		p, _ := w.Page(s.Host, "/", 0)
		body := decode(t, p)
		if hasROMS := strings.Contains(body, "ROMS") || strings.Contains(body, "РОМС"); !s.Flagged && hasROMS {
			t.Errorf("unflagged store %s mentions ROMS", s.Host)
		}
	}
}

func TestReachability(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 2000, Seed: 5})
	depth := map[string]int{}
	var queue []string
	for _, u := range w.Seeds() {
		h := mustHost(t, u)
		depth[h] = 0
		queue = append(queue, h)
	}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		for _, t := range w.Links(h) {
			if _, ok := depth[t]; !ok {
				depth[t] = depth[h] + 1
				queue = append(queue, t)
			}
		}
	}
	for _, s := range w.Sites() {
		d, ok := depth[s.Host]
		if !ok {
			t.Errorf("site %s (%s) unreachable from the seeds", s.Host, s.Kind)
			continue
		}
		if d != s.Depth {
			t.Errorf("site %s: got Depth %d, want %d", s.Host, s.Depth, d)
		}
		if s.Kind == simweb.KindStore && (s.Depth < 1 || s.Depth > 4) {
			t.Errorf("store %s: got depth %d, want 1..4", s.Host, s.Depth)
		}
		if s.Seed != (d == 0) {
			t.Errorf("site %s: got Seed %v at depth %d", s.Host, s.Seed, d)
		}
	}
}

// TestLinksOnPages checks that the cross-site links of Web.Links really appear on pages reachable from the
// home page, so that a crawler finds every site.
func TestLinksOnPages(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 300, Seed: 9})
	pages := crawl(t, w, 0)
	found := map[[2]string]bool{}
	for u, body := range pages {
		from := mustHost(t, u)
		for _, m := range hrefRE.FindAllSubmatch(body, -1) {
			if to, err := url.Parse(string(m[1])); err == nil && to.Host != "" {
				found[[2]string{from, to.Hostname()}] = true
			}
		}
	}
	for _, s := range w.Sites() {
		for _, t2 := range w.Links(s.Host) {
			if !found[[2]string{s.Host, t2}] && !s.Kind.Hostile() {
				t.Errorf("link %s -> %s is not on any page of %s", s.Host, t2, s.Host)
			}
		}
	}
}

func TestTruth(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 500, Seed: 2})
	var buf bytes.Buffer
	if err := w.WriteTruth(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 500 {
		t.Fatalf("got %d truth lines, want 500", len(lines))
	}
	sharedSites := 0
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		for _, k := range []string{"host", "site", "ip", "country", "kind", "class", "flagged", "charset", "depth"} {
			if _, ok := got[k]; !ok {
				t.Errorf("line %d: missing %q in %s", i, k, line)
			}
		}
		s := w.Sites()[i]
		if got["host"] != s.Host || got["class"] != s.Class || got["flagged"] != s.Flagged || got["ip"] != s.IP.String() {
			t.Errorf("line %d: got %s, want site %+v", i, line, s)
		}
		want, _ := publicsuffix.EffectiveTLDPlusOne(s.Host)
		if got["site"] != want {
			t.Errorf("line %d: got site %v, want %s", i, got["site"], want)
		}
		if got["site"] != got["host"] {
			sharedSites++
		}
	}
	if sharedSites == 0 {
		t.Error("got no host whose registrable domain differs from the host (subdomains, narod.ru …)")
	}
}

func TestGenerateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large web")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	w := simweb.Generate(simweb.Options{Sites: 50000, Seed: 1})
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("50,000 sites in %v, %d MB retained", took, heap>>20)
	if took > 10*time.Second {
		t.Errorf("got %v to generate 50,000 sites, want under 10s", took)
	}
	if heap > 100<<20 {
		t.Errorf("got %d MB retained for 50,000 sites, want under 100 MB", heap>>20)
	}
	stores := 0
	for _, s := range w.Sites() {
		if s.Kind == simweb.KindStore {
			stores++
			if s.Depth < 1 || s.Depth > 4 {
				t.Errorf("store %s: got depth %d, want 1..4", s.Host, s.Depth)
			}
		}
		if s.Depth < 0 {
			t.Fatalf("site %s unreachable", s.Host)
		}
	}
	if stores < 1800 || stores > 2200 {
		t.Errorf("got %d stores in 50,000 sites, want about 4%%", stores)
	}
	last := w.Sites()[len(w.Sites())-1]
	if p, ok := w.Page(last.Host, "/", 0); !ok || (p.Status != 200 && !last.Kind.Hostile()) {
		t.Errorf("home page of %s: got %d, %v", last.Host, p.Status, ok)
	}
	runtime.KeepAlive(w)
}

func TestStoreCharsets(t *testing.T) {
	tests := []struct {
		charset string
		lang    string
	}{
		{simweb.Charset1251, "ru"},
		{simweb.Charset1251, "en+ru"},
		{simweb.CharsetKOI8R, ""},
	}
	for _, tt := range tests {
		t.Run(tt.charset+"/"+tt.lang, func(t *testing.T) {
			s, w := findSite(t, func(s simweb.Site) bool {
				return s.Kind == simweb.KindStore && s.Charset == tt.charset && (tt.lang == "" || s.Lang == tt.lang)
			})
			for _, path := range []string{"/", "/help/license", "/legal/license.html", "/about/license"} {
				p, _ := w.Page(s.Host, path, 0)
				if p.Status != 200 {
					continue
				}
				if bytes.Contains(p.Body, []byte("Р")) {
					t.Errorf("%s%s: raw body contains UTF-8 Cyrillic, want %s bytes", s.Host, path, tt.charset)
				}
				_, name, _ := charset.DetermineEncoding(p.Body, p.ContentType)
				if name != tt.charset {
					t.Errorf("%s%s: got declared charset %q (Content-Type %q), want %q", s.Host, path, name, p.ContentType, tt.charset)
				}
				body := decode(t, p)
				if !regexp.MustCompile(`[а-яА-ЯёЁ]{4,}`).MatchString(body) && s.Lang != "en" {
					t.Errorf("%s%s: decoded body has no Russian words", s.Host, path)
				}
				if path != "/" && s.Flagged && !strings.Contains(body, "РОМС") && !strings.Contains(body, "ROMS") {
					t.Errorf("%s%s: licence page does not mention ROMS", s.Host, path)
				}
			}
		})
	}
}

func TestCalendarTrap(t *testing.T) {
	s, w := findSite(t, func(s simweb.Site) bool { return s.Kind == simweb.KindCalendarTrap })
	p, _ := w.Page(s.Host, "/", 0)
	next := regexp.MustCompile(`href="(/calendar/[0-9]+/[0-9]+)"`)
	m := next.FindSubmatch(p.Body)
	if m == nil {
		t.Fatalf("home page of %s has no calendar link", s.Host)
	}
	seen := map[string]bool{}
	path := string(m[1])
	for range 500 {
		if seen[path] {
			t.Fatalf("got %s twice, want a new month every time", path)
		}
		seen[path] = true
		p, _ := w.Page(s.Host, path, 0)
		if p.Status != 200 {
			t.Fatalf("%s: got status %d, want 200", path, p.Status)
		}
		all := next.FindAllSubmatch(p.Body, -1)
		if len(all) == 0 {
			t.Fatalf("%s: no calendar links", path)
		}
		path = string(all[len(all)-1][1]) // the next month
	}
	if p, _ := w.Page(s.Host, "/calendar/2026/13", 0); p.Status != 404 {
		t.Errorf("month 13: got status %d, want 404", p.Status)
	}
}

func TestRobots(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 500, Seed: 4})
	var deny, delay, missing int
	for _, s := range w.Sites() {
		p, _ := w.Page(s.Host, "/robots.txt", 0)
		switch {
		case s.Kind == simweb.KindRobotsDenyAll:
			deny++
			if !strings.Contains(string(p.Body), "Disallow: /\n") {
				t.Errorf("%s: got robots.txt %q, want Disallow: /", s.Host, p.Body)
			}
		case s.CrawlDelay() > 0:
			delay++
			if !strings.Contains(string(p.Body), fmt.Sprintf("Crawl-delay: %d", s.CrawlDelay())) {
				t.Errorf("%s: got robots.txt %q, want Crawl-delay %d", s.Host, p.Body, s.CrawlDelay())
			}
		case p.Status == 404:
			missing++
		}
		if p.Status == 200 && !strings.HasPrefix(p.ContentType, "text/plain") {
			t.Errorf("%s: robots.txt Content-Type %q, want text/plain", s.Host, p.ContentType)
		}
	}
	if deny == 0 || delay == 0 || missing == 0 {
		t.Errorf("got %d deny-all, %d crawl-delay and %d missing robots.txt, want some of each", deny, delay, missing)
	}
}

// TestDecoyWording checks that decoys carry the tempting words a naive classifier would key on.
func TestDecoyWording(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 1000, Seed: 8})
	pages := crawl(t, w, 0)
	text := map[simweb.Kind]string{}
	for u, body := range pages {
		s, _ := w.Lookup(mustHost(t, u))
		text[s.Kind] += string(body)
	}
	tests := []struct {
		kind  simweb.Kind
		words []string
	}{
		{simweb.KindRadio, []string{"ROMS|РОМС"}},
		{simweb.KindMusicBlog, []string{"AllofMP3", "ROMS|РОМС", "megabyte|мегабайт"}},
		{simweb.KindTrackStore, []string{"0.99", "FLAC", "320 kbps"}},
		{simweb.KindStreaming, []string{"руб\\.|RUB"}},
		{simweb.KindShop, []string{"MP3", "руб\\."}},
		{simweb.KindFreeMP3, []string{"mp3|MP3", "320 kbps"}},
	}
	for _, tt := range tests {
		for _, word := range tt.words {
			if !regexp.MustCompile(word).MatchString(text[tt.kind]) {
				t.Errorf("%s pages: no %q", tt.kind, word)
			}
		}
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// crawl fetches every page reachable from every site's home page through internal links, in process,
// and returns the bodies by URL. Links carry port if it is not 0. Download links (.mp3, .torrent) are
// broken on purpose and skipped.
func crawl(t *testing.T, w *simweb.Web, port int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, s := range w.Sites() {
		if s.Kind.Hostile() && s.Kind != simweb.KindRobotsDenyAll && s.Kind != simweb.KindCalendarTrap {
			continue
		}
		queue := []string{"/"}
		seen := map[string]bool{"/": true}
		for len(queue) > 0 {
			path := queue[0]
			queue = queue[1:]
			p, ok := w.Page(s.Host, path, port)
			if !ok || p.Status != 200 {
				t.Fatalf("%s%s: got status %d, want 200", s.Host, path, p.Status)
			}
			out["http://"+s.Host+path] = p.Body
			for _, m := range hrefRE.FindAllSubmatch(p.Body, -1) {
				l := string(m[1])
				if strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "/calendar/") && !seen[l] && !strings.HasSuffix(l, ".mp3") && !strings.HasSuffix(l, ".torrent") {
					seen[l] = true
					queue = append(queue, l)
				}
			}
		}
		if n := len(seen); n > 20 && s.Kind != simweb.KindHub {
			t.Errorf("site %s (%s): got %d pages, want at most 20", s.Host, s.Kind, n)
		}
	}
	return out
}

func decode(t *testing.T, p simweb.Page) string {
	t.Helper()
	r, err := charset.NewReader(bytes.NewReader(p.Body), p.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustHost(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Hostname()
}

// findSite returns the first site matching ok in webs of 1,000 sites with seeds 1, 2, 3 …
func findSite(t *testing.T, ok func(simweb.Site) bool) (simweb.Site, *simweb.Web) {
	t.Helper()
	for seed := int64(1); seed <= 20; seed++ {
		w := simweb.Generate(simweb.Options{Sites: 1000, Seed: seed})
		for _, s := range w.Sites() {
			if ok(s) {
				return s, w
			}
		}
	}
	t.Fatal("no matching site in 20 webs")
	return simweb.Site{}, nil
}
