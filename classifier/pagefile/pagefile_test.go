package pagefile_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"trawl.dev/classifier"
	"trawl.dev/classifier/internal/pagegen"
	"trawl.dev/classifier/internal/testsites"
	"trawl.dev/classifier/pagefile"
)

func TestDomain(t *testing.T) {
	tests := []struct {
		name, want string
		err        bool
	}{
		{"allofmp3.com", "allofmp3.com", false},
		{"AllOfMP3.com.HTML", "allofmp3.com", false},
		{"dir/www.example.ru.htm.gz", "www.example.ru", false},
		{"музыка.рф.html", "xn--80anjg9azc.xn--p1ai", false},
		{"127.0.0.1.html", "127.0.0.1", false},
		{"index.html", "", true},
		{".DS_Store", "", true},
		{"bad_name!.com", "", true},
		{"notes.txt", "", true},
	}
	for _, tc := range tests {
		got, err := pagefile.Domain(tc.name)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Domain(%q) = %q, %v; want %q, error %v", tc.name, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, pagefile.ErrBadName) {
			t.Errorf("Domain(%q): got %v, want ErrBadName", tc.name, err)
		}
	}
}

func TestReadIPs(t *testing.T) {
	in := "# comment\nshop.ru\t95.213.1.2\n\nwww.other.com 8.8.8.8\nbroken\nx.ru\tnot-an-ip\n"
	ips, bad := pagefile.ReadIPs(strings.NewReader(in))
	if ips["shop.ru"] != "95.213.1.2" || ips["www.other.com"] != "8.8.8.8" || len(ips) != 2 {
		t.Errorf("got %v, want shop.ru and www.other.com", ips)
	}
	if len(bad) != 2 || !strings.Contains(bad[0].Error(), "line 5") || !strings.Contains(bad[1].Error(), "line 6") {
		t.Errorf("got bad lines %v, want lines 5 and 6", bad)
	}
}

// storeHTML is a hand-written store front page, in the page's charset.
const storeHTML = `<!DOCTYPE html><html><head><meta charset="%s"><title>Мелодия — музыкальный магазин</title>
<script>ym(12345678,'init',{})</script></head><body>
<div class="menu"><a href="/_album1234/">Альбом</a> <a href="/refill/">Пополнить</a></div>
<p>Любая песня — 0,12$ за трек, весь альбом за 1,40$. Оплата с баланса: пополните счёт через WebMoney, при пополнении от 20$ бонус 10%.</p>
<p>Форматы на выбор: MP3 192 кбит/с, MP3 320 кбит/с, OGG, FLAC. Работаем по лицензии РОМС № ЛС-3М-03-03.</p>
</body></html>`

func encoded(t *testing.T, cs string) []byte {
	t.Helper()
	s := strings.Replace(storeHTML, "%s", cs, 1)
	switch cs {
	case "windows-1251":
		b, err := charmap.Windows1251.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(b)
	case "koi8-r":
		b, err := charmap.KOI8R.NewEncoder().String(strings.NewReplacer("—", "-", "№", "N").Replace(s))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(b)
	}
	return []byte(s)
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// score --dir: one line per file, in name order; bad files are lines with
// an error; real pages in any charset, broken, huge or gzipped are scored.
func TestScoreDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a-utf8.ru.html", encoded(t, "utf-8"))
	write("b-cp1251.ru.html", encoded(t, "windows-1251"))
	write("c-koi8.ru.htm", encoded(t, "koi8-r"))
	write("d-gzip.ru.html.gz", gz(t, encoded(t, "utf-8")))
	broken := encoded(t, "utf-8")
	write("e-broken.ru", append(append([]byte("<div><p><b>"), broken[:len(broken)-40]...), "<a href=\"/x"...))
	huge := append(encoded(t, "utf-8"), bytes.Repeat([]byte("<div class=\"x\"><span>filler text</span></div>\n"), 200000)...)
	write("f-huge.ru.html", huge) // about 9 MB
	write("g-shell.ru.html", []byte(`<html><head><title>App</title></head><body><div id="app"></div>
<script>window.__STATE__={"blurb":"Every track for $0.10 per track, refill your balance with WebMoney and get a bonus of 10% on $20","formats":"Choose format: MP3, OGG or FLAC at 192 or 320 kbps"}</script></body></html>`))
	write("h-empty.ru.html", nil)
	write("i-binary.ru.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
	write("not a domain", []byte("<html>hello</html>"))
	if err := os.Mkdir(filepath.Join(dir, "sub.ru"), 0o755); err != nil {
		t.Fatal(err)
	}
	ipFile := "a-utf8.ru\t77.88.55.242\n"
	ips, _ := pagefile.ReadIPs(strings.NewReader(ipFile))

	for _, exact := range []bool{false, true} {
		sc := &pagefile.Scorer{Analyzer: &classifier.Analyzer{IPDB: testsites.Countries()}, IPs: ips, Exact: exact}
		var out bytes.Buffer
		st, err := sc.ScoreDir(context.Background(), dir, &out)
		if err != nil {
			t.Fatal(err)
		}
		var got []pagefile.Result
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var r pagefile.Result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			got = append(got, r)
		}
		if len(got) != 10 || st.Files != 10 || st.Errors != 3 || st.Scored != 7 {
			t.Fatalf("exact=%v: got %d lines, stats %+v; want 10 lines, 7 scored, 3 errors", exact, len(got), st)
		}
		for i, want := range []string{"a-utf8.ru", "b-cp1251.ru", "c-koi8.ru", "d-gzip.ru", "e-broken.ru", "f-huge.ru", "g-shell.ru"} {
			r := got[i]
			if r.Domain != want || r.Error != "" || r.Class != classifier.ClassStore {
				t.Errorf("exact=%v line %d: got %s class %s error %q (store %.2f), want %s scored as a store",
					exact, i, r.Domain, r.Class, r.Error, r.StoreScore, want)
			}
			for _, e := range r.Evidence {
				if e.URL != "http://"+want+"/" || e.Snippet == "" {
					t.Errorf("%s: evidence %+v, want URL http://%s/ and a snippet", want, e, want)
				}
			}
		}
		if !got[0].Flagged || got[0].RussiaScore < 0.5 {
			t.Errorf("a-utf8.ru, hosted in Russia by the IP file: got flagged %v russia %.2f, want flagged", got[0].Flagged, got[0].RussiaScore)
		}
		for i, wantErr := range map[int]string{7: "empty", 8: "not an HTML", 9: "not a domain"} {
			if r := got[i]; r.Error == "" || !strings.Contains(r.Error, wantErr) || r.File == "" {
				t.Errorf("line %d: got %+v, want an error mentioning %q with the file name", i, r, wantErr)
			}
		}
	}
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// The byte scanner finds what the crawler's tokenizer finds on pages of
// real-world shape, in every charset.
func TestParseFastAgrees(t *testing.T) {
	pages := pagegen.Generate(60, 7)
	for _, cs := range []string{"utf-8", "windows-1251", "koi8-r"} {
		pages = append(pages, pagegen.Page{Domain: "store-" + cs + ".ru", Charset: cs, Body: encoded(t, cs)})
	}
	for _, pg := range pages {
		u := "http://" + pg.Domain + "/"
		a, err1 := pagefile.Parse(pg.Body, u, "", "", time.Time{}, nil)
		b, err2 := pagefile.ParseFast(pg.Body, u, "", "", time.Time{}, nil)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.Text != b.Text || a.Title != b.Title || a.Lang != b.Lang || a.Charset != b.Charset ||
			!slices.Equal(sorted(a.TrackerIDs), sorted(b.TrackerIDs)) || !slices.Equal(a.Meta, b.Meta) ||
			!slices.Equal(a.OutHosts, b.OutHosts) || !slices.Equal(a.LinkPaths, b.LinkPaths) || len(a.Prices) != len(b.Prices) {
			t.Errorf("%s (%s): the fast parse differs:\ntitle %q / %q\nlang %q / %q charset %q / %q\ntrackers %v / %v\nlinks %d,%d / %d,%d\ntext %.200q\n     %.200q",
				pg.Domain, pg.Charset, a.Title, b.Title, a.Lang, b.Lang, a.Charset, b.Charset, a.TrackerIDs, b.TrackerIDs,
				len(a.OutHosts), len(a.LinkPaths), len(b.OutHosts), len(b.LinkPaths), a.Text, b.Text)
		}
	}
}
