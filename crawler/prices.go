package crawler

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Price is an amount of money seen on a page.
type Price struct {
	Amount   float64
	Currency string // ISO 4217: USD, RUB, EUR, GBP
	Unit     string // "track", "mb", "album", "month", or "" when not said
	Snippet  string // the text around it
}

const num = `(\d{1,3}(?:[ ,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)`

var (
	priceRe = regexp.MustCompile(`(?i)(?:(US\$|\$|€|₽|£)\s?` + num + `)|(?:` + num +
		`\s?(US\$|\$|USD|долл(?:\.|ар(?:ов|а|ы)?)?|€|EUR|евро|₽|руб(?:\.|лей|ля|ль)?|р\.|RUB|RUR|` +
		`cents?|¢|цент(?:ов|а)?|коп(?:\.|еек|ейки|ейка)?|£|GBP))`)
	unitRe = regexp.MustCompile(`^\s*(?:/|per\s|за\s|в\s|an?\s|each\s)\s*(?:1|one|один|одну|одна)?\s*` +
		`(трек|track|song|песн|композици|мегабайт|megabyte|мб|mb|альбом|album|месяц|мес|month|mo)`)
)

// FindPrices returns up to limit prices in text: "$0.15", "0.15 USD",
// "15 руб.", "15 р.", "₽15", "€0.99", "1,99 €", "2 cents", "50 коп." and
// the unit said right after them ("per track", "/MB", "за трек",
// "за 1 Мб", "за альбом", "в месяц", "a month"). A unit word with no
// "per", "/", "за" or "в" before it is not taken: it usually starts the
// next item ("15 руб. Альбом ...").
func FindPrices(text string, limit int) []Price {
	// Equivalent to priceRe.FindAllStringSubmatchIndex(text, -1), but the
	// expression is tried, anchored, only where a match can start (a digit
	// or a currency sign) and on a short window: unanchored, it costs a
	// backtracking attempt at every byte of a 64 KiB text.
	var out []Price
	for p := 0; p < len(text) && len(out) < limit; {
		if c := text[p]; !(isDigit(c) || c == '$' || c == 'U' || c == 'u' || c == 0xE2 || c == 0xC2) {
			p++ // 0xE2 and 0xC2 start "€", "₽" and "£"
			continue
		}
		d := p
		for d < len(text) && d < p+windowBefore && !isDigit(text[d]) {
			d++
		}
		e := d
		for e < len(text) && (isDigit(text[e]) || text[e] == ' ' || text[e] == ',' || text[e] == '.') {
			e++
		}
		// The window is capped too: a run of hundreds of digits is no price,
		// and an uncapped window would make such a run cost its square.
		m := priceAt.FindStringSubmatchIndex(text[p:runeStart(text, min(len(text), e+windowAfter, p+maxWindow))])
		if m == nil {
			p++
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += p
			}
		}
		if pr, ok := price(text, m); ok {
			out = append(out, pr)
		}
		p = m[1]
	}
	return out
}

var priceAt = regexp.MustCompile(`^(?:` + priceRe.String() + `)`)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// A match starts at most windowBefore bytes before its first digit ("US$ ")
// and ends at most windowAfter bytes after its number ("долларов").
const windowBefore, windowAfter, maxWindow = 6, 40, 96

// runeStart moves i forward to the start of a rune.
func runeStart(s string, i int) int {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

// price reads the priceRe match m of text.
func price(text string, m []int) (Price, bool) {
	var cur, amount string
	if m[2] >= 0 {
		cur, amount = text[m[2]:m[3]], text[m[4]:m[5]]
	} else {
		cur, amount = text[m[8]:m[9]], text[m[6]:m[7]]
		// A currency word must end there: "15 рублей", not "15 рубрик".
		if r, _ := utf8.DecodeRuneInString(text[m[1]:]); unicode.IsLetter(r) && unicode.IsLetter(lastRune(cur)) {
			return Price{}, false
		}
	}
	code, scale := currency(cur)
	v, ok := parseAmount(amount)
	if !ok {
		return Price{}, false
	}
	return Price{
		Amount:   v * scale,
		Currency: code,
		Unit:     unitAfter(text[m[1]:]),
		Snippet:  snippet(text, m[0], m[1], 60),
	}, true
}

func currency(s string) (code string, scale float64) {
	s = strings.ToLower(s)
	switch {
	case strings.HasPrefix(s, "cent") || s == "¢" || strings.HasPrefix(s, "цент"):
		return "USD", 0.01
	case strings.HasPrefix(s, "коп"):
		return "RUB", 0.01
	case strings.Contains(s, "$") || s == "usd" || strings.HasPrefix(s, "долл"):
		return "USD", 1
	case s == "€" || s == "eur" || s == "евро":
		return "EUR", 1
	case s == "£" || s == "gbp":
		return "GBP", 1
	}
	return "RUB", 1 // ₽, руб, р., rub, rur
}

// parseAmount reads "1,99", "0.15", "1 000", "1,000.50": the last separator
// followed by one or two digits is the decimal point; others group thousands.
func parseAmount(s string) (float64, bool) {
	s = strings.ReplaceAll(s, " ", "")
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && len(s)-i-1 <= 2 {
		s = strings.NewReplacer(",", "", ".", "").Replace(s[:i]) + "." + s[i+1:]
	} else {
		s = strings.NewReplacer(",", "", ".", "").Replace(s)
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

func unitAfter(rest string) string {
	if len(rest) > 48 {
		rest = rest[:48]
	}
	m := unitRe.FindStringSubmatchIndex(strings.ToLower(rest))
	if m == nil {
		return ""
	}
	lower := strings.ToLower(rest)
	word := lower[m[2]:m[3]]
	if r, _ := utf8.DecodeRuneInString(lower[m[3]:]); unicode.IsLetter(r) &&
		(word == "mo" || word == "mb" || word == "мб" || word == "мес") {
		return "" // "more", "mbox", ...
	}
	switch word {
	case "трек", "track", "song", "песн", "композици":
		return "track"
	case "мегабайт", "megabyte", "мб", "mb":
		return "mb"
	case "альбом", "album":
		return "album"
	}
	return "month"
}

// snippet returns text[start:end] with up to pad bytes either side, cut
// between runes.
func snippet(text string, start, end, pad int) string {
	from, to := max(0, start-pad), min(len(text), end+pad)
	for from > 0 && !utf8.RuneStart(text[from]) {
		from++
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to--
	}
	return strings.TrimSpace(text[from:to])
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
