package crawler_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"trawl.dev/crawler"
)

func urls(links []crawler.Link) []string {
	var out []string
	for _, l := range links {
		out = append(out, l.URL)
	}
	return out
}

func TestParseLinks(t *testing.T) {
	tests := []struct {
		name  string
		html  string
		page  string
		max   int
		want  []string
		trunc bool
	}{
		{
			name: "relative, absolute, fragments, schemes",
			page: "http://shop.ru/music/index.html",
			html: `<a href="album.html#top">A</a> <a href="/top100">T</a> <a href="https://other.com/x?y=1#z">O</a>
				<a href="#only">F</a> <a href="javascript:void(0)">J</a> <a href="mailto:a@b.ru">M</a>
				<a href="ftp://files.ru/x">F</a> <a href="  //cdn.ru/s  ">S</a> <a>none</a> <a href="">empty</a>`,
			want: []string{"http://shop.ru/music/album.html", "http://shop.ru/top100", "https://other.com/x?y=1", "http://cdn.ru/s"},
		},
		{
			name: "base href",
			page: "http://shop.ru/a/b/c.html",
			html: `<head><base href="http://mirror.ru/root/"><base href="http://ignored.ru/"></head><a href="x.html">x</a>`,
			want: []string{"http://mirror.ru/root/x.html"},
		},
		{
			name: "area frame iframe and meta refresh",
			page: "http://shop.ru/",
			html: `<map><area href="/map1" alt="Map"></map><frameset><frame src="/left.html"></frameset>
				<iframe src="/player.html"></iframe><meta http-equiv="refresh" content="5; URL='/next.html'">`,
			want: []string{"http://shop.ru/map1", "http://shop.ru/left.html", "http://shop.ru/player.html", "http://shop.ru/next.html"},
		},
		{
			name: "duplicates kept once",
			page: "http://shop.ru/",
			html: `<a href="/a">1</a><a href="/a#x">2</a><a href="http://shop.ru/a">3</a>`,
			want: []string{"http://shop.ru/a"},
		},
		{
			name:  "cap",
			page:  "http://shop.ru/",
			html:  `<a href="/1">1</a><a href="/2">2</a><a href="/3">3</a>`,
			max:   2,
			want:  []string{"http://shop.ru/1", "http://shop.ru/2"},
			trunc: true,
		},
		{
			name: "over-long urls dropped",
			page: "http://shop.ru/",
			html: `<a href="/` + strings.Repeat("x", 3000) + `">long</a><a href="/ok">ok</a>`,
			want: []string{"http://shop.ru/ok"},
		},
		{
			name: "entities in href",
			page: "http://shop.ru/",
			html: `<a href="/buy?id=1&amp;fmt=mp3">b</a>`,
			want: []string{"http://shop.ru/buy?id=1&fmt=mp3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := crawler.Parse([]byte(tt.html), "text/html", tt.page, &crawler.ParseOptions{MaxLinks: tt.max})
			if got := urls(f.Links); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got links %q, want %q", got, tt.want)
			}
			if f.LinksTruncated != tt.trunc {
				t.Errorf("got truncated %v, want %v", f.LinksTruncated, tt.trunc)
			}
		})
	}
}

func TestParseAnchors(t *testing.T) {
	f := crawler.Parse([]byte(`<a href="/a"> Buy <b>now</b>
		</a><a href="/b"><img src="x.png"></a><area href="/c" alt="Map  area">`), "text/html", "http://s.ru/", nil)
	want := []crawler.Link{{URL: "http://s.ru/a", Anchor: "Buy now"}, {URL: "http://s.ru/b"}, {URL: "http://s.ru/c", Anchor: "Map area"}}
	if !reflect.DeepEqual(f.Links, want) {
		t.Errorf("got %+v, want %+v", f.Links, want)
	}
}

func TestParsePage(t *testing.T) {
	html := `<!DOCTYPE html><html lang="ru-RU"><head>
		<title> Музыка   MP3 &amp; FLAC </title>
		<meta name="Description" content="Лучший   магазин">
		<meta name="keywords" content="mp3, музыка">
		<meta name="robots" content="index">
		<style>body { color: red }</style>
		<script>var hidden = "not visible";</script>
		</head><body><div>Первая</div><div>вторая<br>строка</div>
		<noscript>no script text</noscript><p>Цена <b>$0.15</b> per track</p>
		<textarea>поле</textarea></body></html>`
	f := crawler.Parse([]byte(html), "text/html; charset=utf-8", "http://s.ru/", nil)
	checks := []struct {
		name      string
		got, want any
	}{
		{"charset", f.Charset, "utf-8"},
		{"title", f.Title, "Музыка MP3 & FLAC"},
		{"lang", f.Lang, "ru"},
		{"lang declared", f.LangDeclared, true},
		{"meta", f.Meta, []string{"description=Лучший магазин", "keywords=mp3, музыка"}},
		{"text", f.Text, "Первая вторая строка Цена $0.15 per track поле"},
		{"text truncated", f.TextTruncated, false},
		{"prices", len(f.Prices), 1},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	tests := []struct {
		name, html   string
		want         string
		wantDeclared bool
	}{
		{"html lang", `<html lang="EN-gb"><p>Привет, это русский текст на странице магазина</p>`, "en", true},
		{"meta content-language", `<meta http-equiv="Content-Language" content="ru"><p>Hello there this is English text</p>`, "ru", true},
		{"guess ru", `<p>Привет, это русский текст на странице магазина</p>`, "ru", false},
		{"guess en", `<p>Hello there, this is an English shop page</p>`, "en", false},
		{"mixed mostly ru", `<p>Скачать альбом Metallica в формате MP3 без регистрации</p>`, "ru", false},
		{"too few letters", `<p>OK 123</p>`, "", false},
		{"bad declared is ignored", `<html lang="12"><p>Hello there, this is an English shop page</p>`, "en", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := crawler.Parse([]byte(tt.html), "text/html", "http://s.ru/", nil)
			if f.Lang != tt.want || f.LangDeclared != tt.wantDeclared {
				t.Errorf("got %q (declared %v), want %q (declared %v)", f.Lang, f.LangDeclared, tt.want, tt.wantDeclared)
			}
		})
	}
}

func TestParseTrackers(t *testing.T) {
	html := `<html><head>
	<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABCDEF1234"></script>
	<script>gtag('config', 'G-ABCDEF1234'); _gaq.push(['_setAccount', 'UA-1234567-2']);</script>
	<script>(function(m,e,t,r,i,k,a){})(window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym");
	ym(87654321, "init", {clickmap:true});</script>
	<noscript><div><img src="https://mc.yandex.ru/watch/11223344" style="position:absolute" alt="" /></div></noscript>
	<script>var yaCounter55555555 = new Ya.Metrika({id:55555555});</script>
	</head><body>
	<script>document.write("<img src='//counter.yadro.ru/hit?t44.1;r"+escape(document.referrer)+"'>")</script>
	<a href="http://top.mail.ru/jump?from=1234567"><img src="http://top-fwz1.mail.ru/counter?id=1234567;t=479;l=1"></a>
	<a href="https://top100.rambler.ru/home?id=2345678"><img src="https://counter.rambler.ru/top100.cnt?2345678"></a>
	<p>Text mentioning UA-99999-9 is not a tracker, nor G-STRINGS1.</p>
	</body></html>`
	f := crawler.Parse([]byte(html), "text/html", "http://s.ru/", nil)
	want := []string{"ga4:G-ABCDEF1234", "ga:UA-1234567-2", "ym:87654321", "ym:11223344", "ym:55555555",
		"liveinternet", "topmailru:1234567", "rambler:2345678"}
	if !reflect.DeepEqual(f.TrackerIDs, want) {
		t.Errorf("got %q, want %q", f.TrackerIDs, want)
	}
}

func TestFindTrackers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`ga('create', 'UA-000111-1', 'auto')`, []string{"ga:UA-000111-1"}},
		{`https://www.googletagmanager.com/gtm.js?id=GTM-K7X9Q2`, []string{"gtm:GTM-K7X9Q2"}},
		{`G-ABCDEF1234 without a google script`, nil},
		{`new Ya.Metrika2({ id : "12345678" })`, []string{"ym:12345678"}},
		{`//counter.yadro.ru/hit;musicshop?r`, []string{"liveinternet:musicshop"}},
		{`_tmr.push({id: "3012345", type: "pageView"})`, []string{"topmailru:3012345"}},
		{`new top100({project: 7654321})`, []string{"rambler:7654321"}},
		{`http://top.list.ru/counter?id=999888;js=na`, []string{"topmailru:999888"}},
		{`nothing here`, nil},
	}
	for _, tt := range tests {
		if got := crawler.FindTrackers(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FindTrackers(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseTextCap(t *testing.T) {
	body := "<p>" + strings.Repeat("Ж ", 100) + "</p>"
	f := crawler.Parse([]byte(body), "text/html", "http://s.ru/", &crawler.ParseOptions{MaxText: 51})
	if !f.TextTruncated {
		t.Errorf("got truncated false, want true")
	}
	if len(f.Text) > 51 || !utf8.ValidString(f.Text) {
		t.Errorf("got %d bytes (valid %v), want at most 51 valid bytes", len(f.Text), utf8.ValidString(f.Text))
	}
	if want := strings.TrimSpace(strings.Repeat("Ж ", 17)); f.Text != want {
		t.Errorf("got %q, want %q", f.Text, want)
	}
}

func TestParseContentTypes(t *testing.T) {
	tests := []struct {
		name, ct, body string
		wantText       string
		wantLinks      int
	}{
		{"png", "image/png", "\x89PNG\r\n<a href='/x'>x</a>", "", 0},
		{"mp3", "audio/mpeg", "ID3<a href='/x'>", "", 0},
		{"plain text has no links", "text/plain; charset=utf-8", "See <a href='/x'>x</a> for 15 руб.", "See <a href='/x'>x</a> for 15 руб.", 0},
		{"no content type is html", "", "<a href='/x'>x</a>", "x", 1},
		{"xhtml", "application/xhtml+xml", "<a href='/x'>x</a>", "x", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := crawler.Parse([]byte(tt.body), tt.ct, "http://s.ru/", nil)
			if f.Text != tt.wantText || len(f.Links) != tt.wantLinks {
				t.Errorf("got text %q and %d links, want %q and %d", f.Text, len(f.Links), tt.wantText, tt.wantLinks)
			}
		})
	}
}

func TestParseHostileInput(t *testing.T) {
	deep := strings.Repeat("<div><span>", 100000) + "<a href='/deep'>глубоко</a>" + strings.Repeat("</span></div>", 100000)
	tests := []struct {
		name     string
		body     string
		wantText string
	}{
		{"100k nested elements", deep, "глубоко"},
		{"unclosed everything", `<html><body><p>one<p>two<a href="/x">three<div>four`, "one twothree four"},
		{"broken tags", `<<a href=>>< / p><p <b>bold</b> <a href="/y" <i>x</i>`, ""},
		{"unclosed script swallows the rest", `<p>seen</p><script>var x = "<a href='/no'>"`, "seen"},
		{"invalid utf-8", "<p>ok \xff\xfe bad \xc3</p>", ""},
		{"nul bytes", "<p>a\x00b</p><a href=\"/\x00\">x</a>", ""},
		{"only text", "just words", "just words"},
		{"empty", "", ""},
		{"huge attribute", `<a href="/` + strings.Repeat("a", 1<<20) + `">long</a>`, "long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := crawler.Parse([]byte(tt.body), "text/html", "http://s.ru/", nil)
			if !utf8.ValidString(f.Text) || !utf8.ValidString(f.Title) {
				t.Errorf("got invalid UTF-8 in text or title")
			}
			if tt.wantText != "" && f.Text != tt.wantText {
				t.Errorf("got text %q, want %q", f.Text, tt.wantText)
			}
			for _, l := range f.Links {
				if !utf8.ValidString(l.URL) || !utf8.ValidString(l.Anchor) {
					t.Errorf("got invalid UTF-8 in link %q", l.URL)
				}
			}
		})
	}
}

func TestParseDeepNestingKeepsLink(t *testing.T) {
	deep := strings.Repeat("<div>", 100000) + "<a href='/deep'>глубоко</a>"
	f := crawler.Parse([]byte(deep), "text/html", "http://s.ru/", nil)
	if got := urls(f.Links); !reflect.DeepEqual(got, []string{"http://s.ru/deep"}) {
		t.Errorf("got %q, want the deep link", got)
	}
}
