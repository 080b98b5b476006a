package crawler_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"trawl.dev/crawler"
)

const russian = "Купить музыку в формате MP3, всего 15 рублей за альбом. Ёлки, щи, съешь же ещё этих мягких французских булок."

func encode(t *testing.T, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	b, err := cm.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %s: %v", cm, err)
	}
	return b
}

func TestDecode(t *testing.T) {
	cp1251 := func(s string) []byte { return encode(t, charmap.Windows1251, s) }
	koi8 := func(s string) []byte { return encode(t, charmap.KOI8R, s) }
	page := func(head string) string {
		return "<html><head>" + head + "<title>Магазин</title></head><body><p>" + russian + "</p></body></html>"
	}
	tests := []struct {
		name        string
		body        []byte
		contentType string
		wantCharset string
		wantText    bool // the Russian text comes out intact
	}{
		{"header only windows-1251", cp1251(page("")), "text/html; charset=windows-1251", "windows-1251", true},
		{"header only koi8-r", koi8(page("")), "text/html; charset=KOI8-R", "koi8-r", true},
		{"meta charset only windows-1251", cp1251(page(`<meta charset="windows-1251">`)), "text/html", "windows-1251", true},
		{"meta http-equiv only koi8-r", koi8(page(`<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">`)), "text/html", "koi8-r", true},
		{"meta cp1251 alias", cp1251(page(`<meta http-equiv="content-type" content="text/html; charset=cp1251">`)), "", "windows-1251", true},
		{"header beats a different meta", cp1251(page(`<meta charset="koi8-r">`)), "text/html; charset=windows-1251", "windows-1251", true},
		{"header utf-8 over a windows-1251 body gives way to meta", cp1251(page(`<meta charset="windows-1251">`)), "text/html; charset=utf-8", "windows-1251", true},
		{"latin-1 server default gives way to meta koi8-r", koi8(page(`<meta charset="koi8-r">`)), "text/html; charset=ISO-8859-1", "koi8-r", true},
		{"meta utf-8 over a koi8-r body is ignored", koi8(page(`<meta charset="utf-8">`)), "text/html", "koi8-r", true},
		{"undeclared windows-1251 is sniffed", cp1251(page("")), "text/html", "windows-1251", true},
		{"undeclared koi8-r is sniffed", koi8(page("")), "text/html", "koi8-r", true},
		{"undeclared utf-8", []byte(page("")), "text/html", "utf-8", true},
		{"utf-8 bom beats header", append([]byte("\xEF\xBB\xBF"), page("")...), "text/html; charset=windows-1251", "utf-8", true},
		{"undeclared latin-1", []byte("<p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>"), "text/html", "windows-1252", false},
		{"invalid utf-8 declared utf-8", []byte("<p>ok \xff\xfe\xfd bad</p>"), "text/html; charset=utf-8", "windows-1252", false},
		{"unknown charset label", []byte(page("")), "text/html; charset=x-nonsense", "utf-8", true},
		{"empty", nil, "text/html; charset=koi8-r", "koi8-r", false},
		// Mismatched declarations, as served by the old Russian web.
		{"utf-8 body declared windows-1251 in the header", []byte(page("")), "text/html; charset=windows-1251", "utf-8", true},
		{"utf-8 body declared koi8-r in meta", []byte(page(`<meta charset="koi8-r">`)), "text/html", "utf-8", true},
		{"utf-8 body declared koi8-r in header and meta", []byte(page(`<meta charset="koi8-r">`)), "text/html; charset=koi8-r", "utf-8", true},
		{"windows-1251 body declared koi8-r in the header", cp1251(page("")), "text/html; charset=koi8-r", "windows-1251", true},
		{"koi8-r body declared windows-1251 in meta", koi8(page(`<meta charset="windows-1251">`)), "text/html", "koi8-r", true},
		{"koi8-r body declared utf-8 in header and meta", koi8(page(`<meta charset="utf-8">`)), "text/html; charset=utf-8", "koi8-r", true},
		{"windows-1251 body under a latin-1 server default", cp1251(page("")), "text/html; charset=ISO-8859-1", "windows-1251", true},
		{"koi8-r body under a windows-1252 header", koi8(page("")), "text/html; charset=windows-1252", "koi8-r", true},
		{"utf-8 with a few bad bytes, declared", append([]byte(page("")), "\xff\xfe"...), "text/html; charset=utf-8", "utf-8", true},
		{"utf-8 with a few bad bytes, undeclared", append([]byte(page("")), "\xc0\xaf"...), "text/html", "utf-8", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, cs := crawler.Decode(tt.body, tt.contentType)
			if cs != tt.wantCharset {
				t.Errorf("got charset %q, want %q", cs, tt.wantCharset)
			}
			if !utf8.ValidString(text) {
				t.Errorf("got invalid UTF-8")
			}
			if tt.wantText && !strings.Contains(text, russian) {
				t.Errorf("got text %.120q, want it to contain the Russian sentence", text)
			}
			if strings.HasPrefix(text, "\uFEFF") {
				t.Errorf("got a leading BOM")
			}
		})
	}
}

func TestParseDecodesMetaOnlyCharsets(t *testing.T) {
	for _, cm := range []*charmap.Charmap{charmap.Windows1251, charmap.KOI8R} {
		name := map[*charmap.Charmap]string{charmap.Windows1251: "windows-1251", charmap.KOI8R: "koi8-r"}[cm]
		t.Run(name, func(t *testing.T) {
			html := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=` + name + `">` +
				`<title>Музыка MP3 дёшево</title></head><body><p>` + russian + `</p></body></html>`
			f := crawler.Parse(encode(t, cm, html), "text/html", "http://shop.example.ru/", nil)
			if f.Charset != name {
				t.Errorf("got charset %q, want %q", f.Charset, name)
			}
			if f.Title != "Музыка MP3 дёшево" {
				t.Errorf("got title %q, want %q", f.Title, "Музыка MP3 дёшево")
			}
			if f.Text != russian {
				t.Errorf("got text %q, want %q", f.Text, russian)
			}
			if f.Lang != "ru" || f.LangDeclared {
				t.Errorf("got lang %q (declared %v), want guessed ru", f.Lang, f.LangDeclared)
			}
			if len(f.Prices) != 1 || f.Prices[0].Amount != 15 || f.Prices[0].Currency != "RUB" || f.Prices[0].Unit != "album" {
				t.Errorf("got prices %+v, want 15 RUB per album", f.Prices)
			}
		})
	}
}
