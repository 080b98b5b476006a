// Package pagegen writes pages shaped like the real web for the benchmark
// of "classifier score --dir": 50–300 KB each, most of it markup, inline
// scripts and styles as on real sites, the rest text in English or Russian
// encoded in UTF-8, windows-1251 or KOI8-R, declared in a <meta> or not at
// all. A few are stores, most are not; some are broken (unclosed tags, a
// cut end) or JavaScript shells. The wording is its own, not simweb's.
package pagegen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Page is one generated page.
type Page struct {
	Domain  string
	Charset string // "utf-8", "windows-1251" or "koi8-r"
	Body    []byte
}

// Generate returns n pages; the same seed gives the same pages.
func Generate(n int, seed uint64) []Page {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Page, 0, n)
	for i := range n {
		out = append(out, page(r, i))
	}
	return out
}

// WriteDir writes n pages into dir as <domain>.html and returns their
// total size in bytes.
func WriteDir(dir string, n int, seed uint64) (int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var total int64
	for _, p := range Generate(n, seed) {
		if err := os.WriteFile(filepath.Join(dir, p.Domain+".html"), p.Body, 0o644); err != nil {
			return total, err
		}
		total += int64(len(p.Body))
	}
	return total, nil
}

var tlds = []string{"com", "ru", "net", "org", "info", "su", "de", "co.uk", "com.ua", "biz"}

var syllables = []string{"ka", "lo", "mi", "ra", "te", "vo", "zu", "ne", "sa", "po", "ri", "da", "mu", "xi", "bel", "tor", "mar", "son", "vik", "lan"}

func word(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	return b.String()
}

func page(r *rand.Rand, i int) Page {
	domain := fmt.Sprintf("%s%d.%s", word(r, 2+r.IntN(2)), i, tlds[r.IntN(len(tlds))])
	ru := r.IntN(2) == 0
	cs := "utf-8"
	if ru {
		cs = []string{"utf-8", "windows-1251", "windows-1251", "koi8-r"}[r.IntN(4)]
	}
	target := 50<<10 + r.IntN(250<<10)
	kind := r.IntN(20)
	var b strings.Builder
	b.Grow(target + 16<<10)
	b.WriteString("<!DOCTYPE html>\n<html")
	if r.IntN(3) > 0 {
		if ru {
			b.WriteString(` lang="ru"`)
		} else {
			b.WriteString(` lang="en"`)
		}
	}
	b.WriteString(">\n<head>\n")
	switch r.IntN(3) {
	case 0:
		fmt.Fprintf(&b, "<meta charset=\"%s\">\n", cs)
	case 1:
		fmt.Fprintf(&b, "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=%s\">\n", cs)
	}
	fmt.Fprintf(&b, "<title>%s</title>\n", title(r, ru, kind))
	fmt.Fprintf(&b, "<meta name=\"description\" content=\"%s\">\n", sentence(r, ru))
	style(r, &b)
	script(r, &b, i)
	b.WriteString("</head>\n<body class=\"page\">\n")
	if kind == 19 {
		// A JavaScript shell: the content comes from a script.
		b.WriteString(`<div id="root"></div><noscript>Please enable JavaScript to use this site.</noscript>`)
		b.WriteString("<script>window.__STATE__ = {\"items\":[")
		for b.Len() < target {
			fmt.Fprintf(&b, "{\"id\":%d,\"name\":\"%s\",\"blurb\":\"%s\"},", r.IntN(1e6), word(r, 3), sentence(r, ru))
		}
		b.WriteString("{}]};</script>\n</body></html>\n")
		return Page{Domain: domain, Charset: cs, Body: encode(b.String(), cs)}
	}
	nav(r, &b, ru)
	// Real pages are mostly markup: a text budget of 5–20% of the page,
	// the rest cards, icons, data and scripts.
	textBudget := target * (5 + r.IntN(16)) / 100
	text := 0
	for b.Len() < target {
		switch k := r.IntN(10); {
		case k < 3 && text < textBudget:
			n := b.Len()
			article(r, &b, ru, kind)
			text += (b.Len() - n) * 3 / 4
		case k < 4 && text < textBudget:
			n := b.Len()
			table(r, &b, ru, kind)
			text += (b.Len() - n) / 3
		case k < 5:
			b.WriteString("<!-- block " + word(r, 4) + " -->\n")
			script(r, &b, i)
		case k < 6:
			links(r, &b, ru)
		case k < 7:
			data(r, &b)
		default:
			cards(r, &b, ru, kind)
		}
	}
	if kind == 0 || kind == 1 {
		store(r, &b, ru)
	}
	footer(r, &b, ru)
	if r.IntN(10) == 0 {
		// Broken: cut in the middle of a tag.
		s := b.String()
		return Page{Domain: domain, Charset: cs, Body: encode(s[:len(s)-r.IntN(200)-10], cs)}
	}
	b.WriteString("</body>\n</html>\n")
	return Page{Domain: domain, Charset: cs, Body: encode(b.String(), cs)}
}

func encode(s, cs string) []byte {
	var enc *charmap.Charmap
	switch cs {
	case "windows-1251":
		enc = charmap.Windows1251
	case "koi8-r":
		enc = charmap.KOI8R
	default:
		return []byte(s)
	}
	out, err := enc.NewEncoder().String(s)
	if err != nil {
		// Characters the charset lacks: replace them, as a CMS would.
		var b strings.Builder
		for _, c := range s {
			if _, ok := enc.EncodeRune(c); ok || c < 128 {
				b.WriteRune(c)
			} else {
				b.WriteByte('?')
			}
		}
		out, _ = enc.NewEncoder().String(b.String())
	}
	return []byte(out)
}

var (
	enWords = strings.Fields("the a of and to in is for on with that by this from at as are it be was have our new more we you your all about can will one has their time year people city report market company service price local week after first other two like over just also school team game water music store order delivery garden")
	ruWords = strings.Fields("в и на с по для не что это как от из к мы вы все новый город год время люди работа компания цена услуги заказ доставка магазин музыка новости школа команда игра вода сад неделя рынок отчет первый другой также только уже")
)

func sentence(r *rand.Rand, ru bool) string {
	ws := enWords
	if ru {
		ws = ruWords
	}
	n := 6 + r.IntN(14)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = ws[r.IntN(len(ws))]
	}
	s := []rune(strings.Join(parts, " "))
	return strings.ToUpper(string(s[:1])) + string(s[1:]) + "."
}

func firstRunes(s string, n int) string {
	rs := []rune(s)
	return string(rs[:min(n, len(rs))])
}

func title(r *rand.Rand, ru bool, kind int) string {
	if kind <= 1 {
		if ru {
			return "Музыкальный архив " + word(r, 2)
		}
		return word(r, 2) + " music archive"
	}
	return sentence(r, ru)
}

func style(r *rand.Rand, b *strings.Builder) {
	b.WriteString("<style>\n")
	for range 20 + r.IntN(80) {
		fmt.Fprintf(b, ".%s-%s{margin:%dpx %dpx;padding:%dpx;color:#%06x;font:%dpx/1.4 Arial,sans-serif}\n",
			word(r, 2), word(r, 1), r.IntN(20), r.IntN(20), r.IntN(12), r.IntN(1<<24), 10+r.IntN(8))
	}
	b.WriteString("</style>\n")
}

func script(r *rand.Rand, b *strings.Builder, i int) {
	// Counters sit in small snippets of their own, as sites paste them.
	switch r.IntN(8) {
	case 0:
		fmt.Fprintf(b, "<script type=\"text/javascript\">(function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};})(window,document,'script','https://mc.yandex.ru/metrika/tag.js','ym');ym(%d,'init',{clickmap:true});</script>\n", 10000000+i)
	case 1:
		fmt.Fprintf(b, "<script>var _gaq=_gaq||[];_gaq.push(['_setAccount','UA-%d-1']);_gaq.push(['_trackPageview']);</script>\n", 100000+i)
	}
	b.WriteString("<script type=\"text/javascript\">\n")
	for range 10 + r.IntN(60) {
		fmt.Fprintf(b, "function %s(a,b){var c=a.%s||[];for(var i=0;i<c.length;i++){if(c[i]===b){return i}}return -1}\n", word(r, 3), word(r, 2))
	}
	b.WriteString("</script>\n")
}

func nav(r *rand.Rand, b *strings.Builder, ru bool) {
	b.WriteString("<div class=\"nav\"><ul>\n")
	for range 10 + r.IntN(30) {
		fmt.Fprintf(b, "<li><a href=\"/%s/%s.html\" class=\"nav-item\">%s</a></li>\n", word(r, 2), word(r, 2), firstRunes(sentence(r, ru), 8))
	}
	b.WriteString("</ul></div>\n")
}

func links(r *rand.Rand, b *strings.Builder, ru bool) {
	b.WriteString("<div class=\"links\">")
	for range 5 + r.IntN(20) {
		fmt.Fprintf(b, "<a href=\"http://%s.%s/%s\">%s</a> | ", word(r, 2), tlds[r.IntN(len(tlds))], word(r, 2), word(r, 2))
	}
	b.WriteString("</div>\n")
}

func article(r *rand.Rand, b *strings.Builder, ru bool, kind int) {
	fmt.Fprintf(b, "<div class=\"post\"><h2>%s</h2>\n", sentence(r, ru))
	for range 2 + r.IntN(5) {
		b.WriteString("<p>")
		for range 2 + r.IntN(5) {
			b.WriteString(sentence(r, ru))
			b.WriteString(" ")
		}
		if r.IntN(4) == 0 {
			b.WriteString("<b>") // left open on purpose now and then
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</div>\n")
}

func table(r *rand.Rand, b *strings.Builder, ru bool, kind int) {
	b.WriteString("<table class=\"list\" cellpadding=\"2\">\n")
	for range 5 + r.IntN(20) {
		price := fmt.Sprintf("%d.%02d", 5+r.IntN(200), r.IntN(100))
		cur := "$"
		if ru {
			cur = " руб."
		}
		if kind <= 1 {
			price = fmt.Sprintf("0.%02d", 5+r.IntN(30))
		}
		fmt.Fprintf(b, "<tr><td><a href=\"/item/%d\">%s</a></td><td>%s</td><td>%s%s</td></tr>\n",
			r.IntN(1e5), word(r, 3), firstRunes(sentence(r, ru), 12), price, cur)
	}
	b.WriteString("</table>\n")
}

func store(r *rand.Rand, b *strings.Builder, ru bool) {
	if ru {
		b.WriteString("<div class=\"info\"><p>Каждая композиция стоит от 0,15$ за трек, альбом целиком — около 1,5$. " +
			"Оплата со счета: пополните баланс через WebMoney и получите бонус 10% при пополнении от 20$. " +
			"Форматы на выбор: MP3 192 кбит/с, MP3 320 кбит/с, OGG, FLAC.</p></div>\n")
		return
	}
	b.WriteString("<div class=\"info\"><p>Tracks cost from $0.12 per track and a full album about $1.40. " +
		"Keep money on your account: refill your balance and get a 10% bonus on deposits over $25. " +
		"Choose the format you like: MP3 at 192 kbps or 320 kbps, OGG Vorbis, FLAC.</p></div>\n")
}

// cards writes product or post cards: nested divs with long class lists,
// data attributes and inline SVG icons, and a little text.
func cards(r *rand.Rand, b *strings.Builder, ru bool, kind int) {
	b.WriteString("<section class=\"grid grid--cards js-lazy\" data-component=\"cardList\">\n")
	for range 4 + r.IntN(12) {
		id := r.IntN(1e6)
		fmt.Fprintf(b, "<div class=\"card card--%s js-card is-visible\" data-id=\"%d\" data-analytics='{\"list\":\"%s\",\"position\":%d}'>"+
			"<div class=\"card__media ratio ratio--4x3\"><picture><source srcset=\"/img/%d-320.webp 320w, /img/%d-640.webp 640w\" type=\"image/webp\">"+
			"<img class=\"card__img lazyload\" src=\"/img/%d-320.jpg\" alt=\"\" loading=\"lazy\" width=\"320\" height=\"240\"></picture>"+
			"<svg class=\"icon icon--play\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><path d=\"M%d.%d %d.%dL%d %dl-%d.%d %d.%dz\"/></svg></div>"+
			"<div class=\"card__body\"><a class=\"card__title link link--primary\" href=\"/item/%d\">%s</a>"+
			"<div class=\"card__meta text-muted small\"><span class=\"badge badge--light\">%s</span></div></div></div>\n",
			word(r, 1), id, word(r, 2), r.IntN(50), id, id, id, r.IntN(20), r.IntN(10), r.IntN(20), r.IntN(10),
			r.IntN(24), r.IntN(24), r.IntN(9), r.IntN(9), r.IntN(9), r.IntN(9), id, word(r, 3), word(r, 1))
	}
	b.WriteString("</section>\n")
}

// data writes an inline JSON blob, as frameworks and shops embed.
func data(r *rand.Rand, b *strings.Builder) {
	b.WriteString("<script type=\"application/json\" data-role=\"state\">{\"items\":[")
	for k := range 20 + r.IntN(60) {
		if k > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, "{\"id\":%d,\"sku\":\"%s-%d\",\"img\":\"/img/%d.jpg\",\"w\":%d,\"h\":%d,\"tags\":[\"%s\",\"%s\"]}",
			r.IntN(1e6), word(r, 2), r.IntN(1e4), r.IntN(1e6), 100+r.IntN(900), 100+r.IntN(900), word(r, 1), word(r, 2))
	}
	b.WriteString("]}</script>\n")
}

func footer(r *rand.Rand, b *strings.Builder, ru bool) {
	fmt.Fprintf(b, "<div class=\"footer\">&copy; 2006-2024 %s. %s</div>\n", word(r, 2), sentence(r, ru))
}
