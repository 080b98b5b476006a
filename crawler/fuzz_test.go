package crawler_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"trawl.dev/crawler"
)

// FuzzParse feeds arbitrary bytes and content types to the one-pass parser
// and checks what every page must give: no panic, valid UTF-8 within the
// caps, and links that are absolute http(s) URLs with ASCII hosts, no
// fragments or session IDs, distinct, and stable (a link found on a page,
// put on another page, is found again unchanged).
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ body, ct string }{
		{`<html><head><base href="http://Пример.ru/a/"><title>Т</title></head><body><a href="b?PHPSESSID=0123456789abcdef0123456789abcdef#x">b</a></body></html>`, "text/html"},
		{"<a href=/x;jsessionid=ABCDEF0123456789>x</a><a href='http://[::1]:80/'>v6</a><a href=//evil.com/%zz>bad</a>", "text/html; charset=utf-8"},
		{"<meta charset=koi8-r><p>\xf7\xd3\xc5\xc7\xcf 15 \xd2\xd5\xc2. \xda\xc1 \xd4\xd2\xc5\xcb</p>", ""},
		{"<meta http-equiv=refresh content=\"0; URL='http://a.ru/?sid=fedcba9876543210fedcba9876543210&x=1'\">", "text/html"},
		{"<div><div><div><a href=\"http://xn--e1afmkfd.xn--p1ai/\">рф</a><script>ym(12345678,'init')</script>", "application/xhtml+xml"},
		{"\xff\xfe<\x00a\x00 \x00h\x00r\x00e\x00f\x00=\x00/\x00>", "text/html"},
		{"Всего $0.99 per track, 1 000,50 руб. за альбом", "text/plain; charset=windows-1251"},
		{"<area href=\"http://0x7f000001/\" alt=x><iframe src=\"javascript:alert(1)\">", "text/html"},
	} {
		f.Add([]byte(seed.body), seed.ct)
	}
	opts := &crawler.ParseOptions{MaxText: 4096, MaxLinks: 64, MaxURL: 512}
	const page = "http://shop.example.ru/dir/page.html?q=1"
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		facts := crawler.Parse(body, contentType, page, opts)
		for name, s := range map[string]string{"text": facts.Text, "title": facts.Title, "charset": facts.Charset} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not UTF-8: %q", name, s)
			}
		}
		if len(facts.Text) > opts.MaxText || len(facts.Links) > opts.MaxLinks {
			t.Fatalf("got %d bytes of text and %d links, over the caps", len(facts.Text), len(facts.Links))
		}
		seen := map[string]bool{}
		for _, l := range facts.Links {
			u, err := url.Parse(l.URL)
			switch {
			case err != nil:
				t.Fatalf("link %q does not parse: %v", l.URL, err)
			case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
				t.Fatalf("link %q is not an absolute http(s) URL", l.URL)
			case strings.Contains(l.URL, "#"):
				t.Fatalf("link %q has a fragment", l.URL)
			case len(l.URL) > opts.MaxURL:
				t.Fatalf("link %q is over MaxURL", l.URL)
			case seen[l.URL]:
				t.Fatalf("link %q twice", l.URL)
			case !utf8.ValidString(l.Anchor):
				t.Fatalf("anchor %q is not UTF-8", l.Anchor)
			}
			for i := 0; i < len(u.Hostname()); i++ {
				if u.Hostname()[i] >= 0x80 {
					t.Fatalf("link %q has a non-ASCII host", l.URL)
				}
			}
			if q := strings.ToLower(u.RawQuery); strings.Contains(q, "phpsessid=") || strings.Contains(strings.ToLower(u.Path), ";jsessionid=") {
				t.Fatalf("link %q kept a session ID", l.URL)
			}
			seen[l.URL] = true
			again := crawler.Parse([]byte(`<a href="`+htmlEscape(l.URL)+`">x</a>`), "text/html", "http://other.example/", nil)
			if len(again.Links) != 1 || again.Links[0].URL != l.URL {
				t.Fatalf("link %q found again as %v: not stable", l.URL, again.Links)
			}
		}
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;").Replace(s)
}
