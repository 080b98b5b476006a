package classifier

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Units of a price.
const (
	UnitTrack = "track"
	UnitMB    = "mb"
	UnitAlbum = "album"
	UnitMonth = "month"
)

// Money is a price seen on a page, from the crawler's facts or the text.
type Money struct {
	Amount   float64
	Currency string  // ISO 4217
	Unit     string  // UnitTrack, UnitMB, UnitAlbum, UnitMonth or ""
	USD      float64 // rough value in US dollars; 0 for an unknown currency
	// Snippet quotes the page around the amount; for an amount found in
	// the text it is left empty until a signal quotes it (Doc.Quote).
	Snippet string
	at      span // where in the folded text, for an amount found there
	inText  bool
}

// Quote returns the snippet of an amount of money on the page.
func (d *Doc) Quote(m Money) string {
	if m.Snippet == "" && m.inText {
		return d.text.snippet(m.at)
	}
	return m.Snippet
}

// usdPerUnit converts prices to rough US dollars. The rouble is taken at 30
// to the dollar, its rate in the AllofMP3 years: old cheap prices then read
// as cheap, and today's licensed rouble prices (15–20 ₽ a track) do not fall
// into the cheap band.
var usdPerUnit = map[string]float64{"USD": 1, "EUR": 1.1, "GBP": 1.3, "RUB": 1.0 / 30, "UAH": 1.0 / 25}

// toUSD converts an amount, or returns 0 for an unknown currency.
func toUSD(amount float64, currency string) float64 {
	return amount * usdPerUnit[strings.ToUpper(currency)]
}

// moneyWindow bounds how far an amount may reach from its currency sign
// or word: a number of up to 16 digits with its separators.
const moneyWindow = 48

const num = `(\d{1,3}(?:[ ,]\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?)`

// moneyPatterns find amounts in folded text; group 1 is the number.
// A postfix pattern ("0.02$") does not count when a digit follows it: in
// "1:12 $0.05" the dollar sign belongs to the amount after it.
var moneyPatterns = []struct {
	re       *pattern
	currency string
	scale    float64
	postfix  bool
}{
	{rxWindow(`(?:us\$|\$|usd ?)\s?`+num, moneyWindow), "USD", 1, false},
	{rxWindow(num+`\s?(?:\$|usd|us dollars?|dollars?|долл\p{L}*\.?|у\.\s?е\.)`, moneyWindow), "USD", 1, true},
	{rxWindow(`(\d{1,3})\s?(?:cents?|¢|цент\p{L}*)`, moneyWindow), "USD", 0.01, true},
	{rxWindow(`(?:€|eur ?)\s?`+num, moneyWindow), "EUR", 1, false},
	{rxWindow(num+`\s?(?:€|eur|euros?|евро)`, moneyWindow), "EUR", 1, true},
	{rxWindow(`£\s?`+num, moneyWindow), "GBP", 1, false},
	{rxWindow(num+`\s?(?:£|gbp)`, moneyWindow), "GBP", 1, true},
	{rxWindow(num+`\s?(?:₽|руб\p{L}*\.?|р\.|rub\.?|rur|roubles?|rubles?)`, moneyWindow), "RUB", 1, true},
	{rxWindow(`(\d{1,2})\s?коп\p{L}*\.?`, moneyWindow), "RUB", 0.01, true},
	{rxWindow(num+`\s?(?:грн\.?|гривен\p{L}*|uah|₴)`, moneyWindow), "UAH", 1, true},
}

// digitAfter reports whether a digit follows position i, perhaps after one space.
func digitAfter(s string, i int) bool {
	if i < len(s) && s[i] == ' ' {
		i++
	}
	return i < len(s) && s[i] >= '0' && s[i] <= '9'
}

// unitWords are the words that say what a price is for.
var unitWords = rx(`megabytes?|mbytes?|mb|мегабайт\p{L}*|мб|tracks?|songs?|singles?|трек\p{L}*|песн\p{L}*|песен|композици\p{L}*|albums?|альбом\p{L}*|months?|monthly|месяц\p{L}*|мес\.?|місяц\p{L}*`)

// unitGlue is what may stand between an amount and the unit word after it.
var unitGlue = rx(`^\s*(?:/|per|a|an|each|for|for\s+(?:the\s+)?(?:whole\s+|full\s+|entire\s+)?|за|за\s+(?:весь|всю|целый)|в|на)?\s*(?:1|one|один|одну|одного|одной)?\s*$`)

func unitOf(word string) string {
	switch {
	case strings.HasPrefix(word, "m") && !strings.HasPrefix(word, "month"),
		strings.HasPrefix(word, "мегабайт"), word == "мб":
		return UnitMB
	case strings.HasPrefix(word, "track"), strings.HasPrefix(word, "song"), strings.HasPrefix(word, "single"), strings.HasPrefix(word, "трек"),
		strings.HasPrefix(word, "песн"), word == "песен", strings.HasPrefix(word, "композици"):
		return UnitTrack
	case strings.HasPrefix(word, "album"), strings.HasPrefix(word, "альбом"):
		return UnitAlbum
	default:
		return UnitMonth
	}
}

// maxMoney is how many amounts of the text Money reads: the first ones.
const maxMoney = 64

// Money returns the prices on the page: the crawler's and those found in
// the text, with the unit each is for when the text says so.
func (d *Doc) Money() []Money {
	if d.moneyDone {
		return d.money
	}
	d.moneyDone = true
	for _, p := range d.Page.Prices {
		if p.Amount <= 0 {
			continue
		}
		// The crawler names a unit only when the text ties it to this
		// amount; a snippet can hold other prices with other units, so no
		// unit is guessed from it.
		unit := strings.ToLower(p.Unit)
		snip := p.Snippet
		if snip == "" {
			snip = strconv.FormatFloat(p.Amount, 'f', -1, 64) + " " + p.Currency
		}
		d.money = append(d.money, Money{Amount: p.Amount, Currency: strings.ToUpper(p.Currency), Unit: unit,
			USD: toUSD(p.Amount, p.Currency), Snippet: clip(collapse(snip), MaxSnippet)})
	}
	d.money = append(d.money, moneyIn(d.text, maxMoney)...)
	return d.money
}

// moneyIn finds up to limit amounts of money in t.
func moneyIn(t *Text, limit int) []Money {
	type found struct {
		sp       span
		num      string
		currency string
		scale    float64
	}
	var all []found
	for _, mp := range moneyPatterns {
		pos := 0
		for n := 0; n < limit; n++ {
			sp, ok := t.findFrom(mp.re, pos)
			if !ok {
				break
			}
			pos = sp.end
			sub := mp.re.FindStringSubmatch(t.folded[sp.start:sp.end])
			if len(sub) < 2 || (mp.postfix && digitAfter(t.folded, sp.end)) {
				continue
			}
			all = append(all, found{sp, sub[1], mp.currency, mp.scale})
		}
	}
	// Earliest first; of overlapping matches keep the longest.
	sort.Slice(all, func(i, j int) bool {
		if all[i].sp.start != all[j].sp.start {
			return all[i].sp.start < all[j].sp.start
		}
		return all[i].sp.end > all[j].sp.end
	})
	var keep []found
	for _, f := range all {
		if n := len(keep); n > 0 && f.sp.start < keep[n-1].sp.end {
			continue
		}
		keep = append(keep, f)
	}
	var out []Money
	for i, f := range keep {
		if len(out) >= limit {
			break
		}
		amount, ok := parseAmount(f.num)
		if !ok || amount <= 0 {
			continue
		}
		amount *= f.scale
		prevEnd, nextStart := 0, len(t.folded)
		if i > 0 {
			prevEnd = keep[i-1].sp.end
		}
		if i+1 < len(keep) {
			nextStart = keep[i+1].sp.start
		}
		unit, usp := unitNear(t, f.sp, prevEnd, nextStart)
		whole := f.sp
		if unit != "" {
			whole = span{min(f.sp.start, usp.start), max(f.sp.end, usp.end)}
		}
		out = append(out, Money{Amount: amount, Currency: f.currency, Unit: unit,
			USD: toUSD(amount, f.currency), at: whole, inText: true})
	}
	return out
}

// unitNear finds the unit of the price at sp: a unit word right after it
// ("$0.02 per MB", "5 руб. за трек"), or else the nearest one shortly before
// it with no other price in between ("price per track: $0.15").
func unitNear(t *Text, sp span, prevEnd, nextStart int) (string, span) {
	// Unit words are short: a window of 28 bytes plus the longest word.
	// Their literals start their matches, so where none occurs near the
	// price there is nothing to scan.
	if !t.occursIn(unitWords, max(prevEnd, sp.start-40), min(nextStart, sp.end+28)+1) {
		return "", span{}
	}
	if u, ok := t.scanRange(unitWords, sp.end, min(len(t.folded), sp.end+28+48)); ok && u.start <= sp.end+28 &&
		u.start <= nextStart && unitGlue.MatchString(t.folded[sp.end:u.start]) &&
		!sentenceEnd(t.folded[sp.start:sp.end], t.folded[sp.end:u.start]) {
		return unitOf(t.folded[u.start:u.end]), u
	}
	var last span
	found := false
	for pos := max(prevEnd, sp.start-40); ; {
		u, ok := t.scanRange(unitWords, pos, sp.start)
		if !ok {
			break
		}
		last, found, pos = u, true, u.end
	}
	if !found || !unitLead.MatchString(t.folded[last.end:sp.start]) || !leadLink.MatchString(t.folded[last.end:sp.start]) {
		return "", span{}
	}
	if before := t.folded[max(0, last.start-12):last.start]; quantity.MatchString(before) && !perOne.MatchString(before) {
		// "95.4 MB  Price: $1.90" is a size, not a price per megabyte.
		return "", span{}
	}
	return unitOf(t.folded[last.start:last.end]), last
}

// sentenceEnd reports whether a price ends its sentence, so the unit word
// after it starts the next one: "albums from 27 руб. Треки от 3 руб."
// The abbreviation dot of "руб." belongs to the price; with nothing but
// spaces after it, the next word is a new sentence.
func sentenceEnd(price, gap string) bool {
	return strings.HasSuffix(price, ".") && strings.TrimSpace(gap) == ""
}

// unitLead is what may stand between a unit word and the price after it:
// "track price: ", "за 1 мб — ", "album: ", "a song is ".
// It does not cross the end of a sentence, and it ties the two with a sign
// or a word of pricing (leadLink): "Platinum Tracks. Why pay 99 cents"
// prices no track.
var (
	unitLead = rx(`^(?:[^\d$€£₽!?.]|\.\S){0,40}$`)
	leadLink = rx(`^\s*$|[:=/—–-]|(?:^|\s)(?:is|are|costs?|priced?|prices?|for|at|from|just|only|each|now|всего|только|стои\p{L}*|стоимость|цена|за|от|по)(?:\s|$)`)
)

// quantity and perOne tell "12 tracks" and "95.4 MB" (quantities) from
// "1 MB" and "per MB" (units of a price).
var (
	quantity = rx(`\d\s*$`)
	perOne   = rx(`(?:^|[^\d.,])1\s*$`)
)

// groupSeparators drops the separators of thousands.
var groupSeparators = strings.NewReplacer(" ", "", ",", "")

// parseAmount parses "0.02", "0,02", "1 000", "1,000.50".
func parseAmount(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " ") || isThousands(s) {
		s = groupSeparators.Replace(s)
	} else {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// isThousands reports whether s uses commas to group thousands: "1,000".
func isThousands(s string) bool {
	i := strings.IndexByte(s, ',')
	if i < 0 {
		return false
	}
	rest := s[i+1:]
	if j := strings.IndexByte(rest, '.'); j >= 0 {
		rest = rest[:j]
	}
	if len(rest) != 3 {
		return false
	}
	for _, r := range rest {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return utf8.RuneCountInString(s[:i]) <= 3
}
