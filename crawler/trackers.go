package crawler

import (
	"regexp"
	"strings"
)

// tracker is one analytics or counter ID pattern. hint is a substring that
// must occur for the pattern to be tried, so most scripts cost one
// strings.Contains per pattern.
type tracker struct {
	hint   string
	re     *regexp.Regexp
	prefix string // ID is prefix + the joined submatches ("" when the pattern has none)
	needs  []string
}

// trackers are the counters common on the Russian web. IDs are reported as
// "<kind>:<id>", or just "<kind>" when the counter has no site ID.
var trackers = []tracker{
	{hint: "UA-", re: regexp.MustCompile(`\bUA-(\d{4,10}-\d{1,4})\b`), prefix: "ga:UA-"},
	{hint: "G-", re: regexp.MustCompile(`\b(G-[A-Z0-9]{6,12})\b`), prefix: "ga4:",
		needs: []string{"gtag", "googletagmanager", "google-analytics"}},
	{hint: "GTM-", re: regexp.MustCompile(`\b(GTM-[A-Z0-9]{4,10})\b`), prefix: "gtm:"},
	{hint: "ym(", re: regexp.MustCompile(`\bym\(\s*(\d{4,12})`), prefix: "ym:"},
	{hint: "yandex", re: regexp.MustCompile(`mc\.yandex\.[a-z.]{2,6}/watch/(\d{4,12})`), prefix: "ym:"},
	{hint: "yaCounter", re: regexp.MustCompile(`\byaCounter(\d{4,12})`), prefix: "ym:"},
	{hint: "Metrika", re: regexp.MustCompile(`Ya\.Metrika2?\(\s*(?:\{\s*id\s*:\s*)?["']?(\d{4,12})`), prefix: "ym:"},
	{hint: "yadro.ru", re: regexp.MustCompile(`counter\.yadro\.ru/hit(?:;([\w.]+))?`), prefix: "liveinternet"},
	{hint: "liveinternet.ru", re: regexp.MustCompile(`liveinternet\.ru/(?:click|stat)(?:;([\w.]+))?`), prefix: "liveinternet"},
	{hint: ".ru/", re: regexp.MustCompile(`top(?:-fwz1)?\.(?:mail|list)\.ru/(?:counter|jump|top|rating)\?[^"'\s<>]*?\b(?:id|from)=(\d{3,10})`), prefix: "topmailru:"},
	{hint: "_tmr", re: regexp.MustCompile(`_tmr\.push\(\s*\{\s*id\s*:\s*["']?(\d{3,10})`), prefix: "topmailru:"},
	{hint: "rambler", re: regexp.MustCompile(`counter\.rambler\.ru/top100\.(?:cnt|jcn|scn)\?(\d{3,10})`), prefix: "rambler:"},
	{hint: "rambler", re: regexp.MustCompile(`top100\.rambler\.ru/(?:home\?id=|navi/|resource/)(\d{3,10})`), prefix: "rambler:"},
	{hint: "top100", re: regexp.MustCompile(`top100\(\s*\{\s*project\s*:\s*["']?(\d{3,10})`), prefix: "rambler:"},
}

// trackerSet collects distinct tracker IDs up to max.
type trackerSet struct {
	ids []string
	max int
}

func (t *trackerSet) scan(s string) {
	if len(s) < 6 {
		return
	}
	for _, tr := range trackers {
		if !strings.Contains(s, tr.hint) || !containsAny(s, tr.needs) {
			continue
		}
		for _, m := range tr.re.FindAllStringSubmatch(s, 8) {
			id := tr.prefix
			if len(m) > 1 && m[1] != "" {
				if !strings.HasSuffix(id, ":") && !strings.HasSuffix(id, "-") {
					id += ":"
				}
				id += m[1]
			}
			t.add(id)
		}
	}
}

func (t *trackerSet) add(id string) {
	for _, have := range t.ids {
		if have == id {
			return
		}
	}
	if len(t.ids) < t.max {
		t.ids = append(t.ids, id)
	}
}

func containsAny(s string, subs []string) bool {
	if len(subs) == 0 {
		return true
	}
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// FindTrackers returns the distinct tracker IDs in s (a script, a URL, ...).
func FindTrackers(s string) []string {
	t := trackerSet{max: 50}
	t.scan(s)
	return t.ids
}
