package investigate

import (
	"html/template"
	"regexp"
	"sort"
	"strings"
)

// signalPatterns find, in a signal's snippet, the words that made it fire,
// by the signal's group (the part of its name before the dot).
var signalPatterns = map[string]*regexp.Regexp{
	"price":   regexp.MustCompile(`(?i)(?:[$€£]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:руб\.?|rub\b|usd\b|eur\b|коп\.?|р\.)|\b(?:per|за)\s+(?:mb|мб|track|трек|album|альбом)\b)`),
	"billing": regexp.MustCompile(`(?i)(?:refill\w*|top[- ]?up|balance|bonus|deposit|пополн\p{L}*|баланс\p{L}*|бонус\p{L}*|счет\p{L}*|счёт\p{L}*)`),
	"format":  regexp.MustCompile(`(?i)(?:\bmp3\b|\bogg\b|\bflac\b|\baac\b|\bwma\b|\d{2,3}\s?kbps|choose format|lossless|drm[- ]free|формат\p{L}*)`),
	"legal":   regexp.MustCompile(`(?i)(?:\broms\b|\bfair\b|РОМС|ФАИР|licen[cs]\w*|лиценз\p{L}*|russian (?:law|federation)|copyright legislation|legislation|закон\p{L}*|No\.\s?[\w/-]+|LS-[\w-]+)`),
	"catalog": regexp.MustCompile(`(?i)(?:top \d+|charts?|singles|billboard|discograph\w*|new releases)`),
	"ru":      regexp.MustCompile(`(?i)(?:webmoney|yandex\.?\s?money|qiwi|яндекс\.?\s?деньги|robokassa|rbk money|moneta\.ru|paymaster|interkassa|\bin RU\b|\.(?:ru|su|рф)\b|xn--p1ai)`),
	"piracy":  regexp.MustCompile(`(?i)(?:torrent\w*|seeders?|leechers?|free (?:mp3 )?download\w*|скачать бесплатно|без регистрации|depositfiles|letitbit|rapidshare|turbobit|megaupload)`),
	"legit":   regexp.MustCompile(`(?i)(?:\$\d+\.\d\d|subscription|premium|\bvat\b|per month|/month|record label|radio)`),
	"counter": regexp.MustCompile(`(?i)(?:liveinternet|top\.mail\.ru|rambler|yandex|metrika|hotlog|openstat)`),
}

// highlight returns the snippet as HTML with the words that fired the
// signal, and the words searched for, marked.
func highlight(snippet, signal string, terms []string) template.HTML {
	type span struct{ a, b int }
	var spans []span
	group, _, _ := strings.Cut(signal, ".")
	if re := signalPatterns[group]; re != nil {
		for _, m := range re.FindAllStringIndex(snippet, 20) {
			spans = append(spans, span{m[0], m[1]})
		}
	}
	low := strings.ToLower(snippet)
	if len(low) == len(snippet) { // byte offsets agree
		for _, t := range terms {
			for from := 0; t != "" && from < len(low); {
				i := strings.Index(low[from:], t)
				if i < 0 {
					break
				}
				a, b := from+i, from+i+len(t)
				// Mark the whole word: the search matches word prefixes.
				for b < len(low) && isWordByte(low[b]) {
					b++
				}
				spans = append(spans, span{a, b})
				from = b
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var out strings.Builder
	pos := 0
	for i := 0; i < len(spans); i++ {
		a, b := spans[i].a, spans[i].b
		for i+1 < len(spans) && spans[i+1].a <= b { // merge overlapping marks
			i++
			b = max(b, spans[i].b)
		}
		out.WriteString(template.HTMLEscapeString(snippet[pos:a]))
		out.WriteString("<mark>")
		out.WriteString(template.HTMLEscapeString(snippet[a:b]))
		out.WriteString("</mark>")
		pos = b
	}
	out.WriteString(template.HTMLEscapeString(snippet[pos:]))
	return template.HTML(out.String())
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}
