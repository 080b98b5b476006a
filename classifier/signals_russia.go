package classifier

import (
	"strings"
	"unicode"
)

// SignalHostingNearby is hosting in a neighbouring country: it adds to
// russia_score but is no link to Russia of its own.
const SignalHostingNearby = "ru.hosting_nearby"

// Russia signals: hosting and content that tie a site to Russia. Hosting
// (GroupHosting) is reported apart from content (every other group).
var russiaSignals = []Signal{
	{Name: "ru.hosting", Axis: AxisRussia, Group: GroupHosting, Weight: 0.6, Once: true, detect: detectHostingRU,
		Doc: "the server's IP address is in Russia (IP database)"},
	{Name: SignalHostingNearby, Axis: AxisRussia, Group: GroupHosting, Weight: 0.2, Once: true, detect: detectHostingNearby,
		Doc: "the server's IP address is in Ukraine, Belarus or Kazakhstan, where successors moved"},
	{Name: "ru.cctld", Axis: AxisRussia, Group: GroupDomain, Weight: 0.5, Once: true, detect: detectCCTLD,
		Doc: "a Russian domain: .ru, .su, .рф (xn--p1ai), .moscow"},
	{Name: "ru.rouble", Axis: AxisRussia, Group: GroupMoney, Weight: 0.35, detect: detectRouble,
		Doc: "prices in roubles (руб., ₽, RUB)"},
	{Name: "ru.payment", Axis: AxisRussia, Group: GroupMoney, Weight: 0.4, detect: detectRUPayment,
		Doc: "Russian payment systems: WebMoney, Yandex.Money (ЮMoney), QIWI, Robokassa"},
	{Name: "ru.payment_account", Axis: AxisRussia, Group: GroupMoney, Weight: 0.45, detect: detectPaymentAccount,
		Doc: "a WebMoney purse, WMID or Yandex.Money wallet number to pay into: an operator's own account, shared by its domains"},
	{Name: "ru.registrar", Axis: AxisRussia, Group: GroupDomain, Weight: 0.4, Once: true, detect: detectRegistrar,
		Doc: "the domain is registered with a Russian registrar (RU-CENTER, REG.RU, R01…), where the operator's registrar data says so"},
	{Name: "ru.counter", Axis: AxisRussia, Group: GroupCounter, Weight: 0.2, detect: detectRUCounter,
		Doc: "Russian counters: LiveInternet, Yandex.Metrika, top.mail.ru, Rambler Top100"},
	{Name: "ru.language", Axis: AxisRussia, Group: GroupLanguage, Weight: 0.3, detect: detectRussianLanguage,
		Doc: "the page is in Russian (declared or by its letters)"},
	{Name: "ru.law", Axis: AxisRussia, Group: GroupLaw, Weight: 0.35, detect: detectRussianLaw,
		Doc: "the page invokes the law of the Russian Federation"},
	{Name: "ru.collecting_society", Axis: AxisRussia, Group: GroupLaw, Weight: 0.3, detect: detectRUSociety,
		Doc: "a Russian collecting society is named: ROMS, FAIR, RAO"},
	{Name: "ru.contact", Axis: AxisRussia, Group: GroupContact, Weight: 0.35, detect: detectRUContact,
		Doc: "a Russian address, phone (+7 495) or company registration (ИНН, ОГРН)"},
}

func detectHostingRU(d *Doc) (string, bool) {
	if d.Country != "RU" {
		return "", false
	}
	return hostingSnippet(d), true
}

var nearbyCountries = map[string]bool{"UA": true, "BY": true, "KZ": true}

func detectHostingNearby(d *Doc) (string, bool) {
	if !nearbyCountries[d.Country] {
		return "", false
	}
	return hostingSnippet(d), true
}

func hostingSnippet(d *Doc) string {
	s := "IP " + d.Page.IP + " is in " + d.Country
	if d.Network != "" {
		s += " (" + d.Network + ")"
	}
	return s
}

var russianTLDs = []string{".ru", ".su", ".рф", ".xn--p1ai", ".moscow", ".xn--80adxhks", ".москва"}

func detectCCTLD(d *Doc) (string, bool) {
	h := d.Page.lowerHost()
	for _, tld := range russianTLDs {
		if strings.HasSuffix(h, tld) {
			return "host " + h, true
		}
	}
	return "", false
}

var roubleWord = rx(`рубл\p{L}*|руб\.?|₽|roubles?|rubles?|rur`)

func detectRouble(d *Doc) (string, bool) {
	for _, m := range d.Money() {
		if m.Currency == "RUB" {
			return d.Quote(m), true
		}
	}
	return d.first(roubleWord)
}

var (
	ruPaymentWord = rx(`webmoney|wmz|wmr|wme|wmu|yandex[ .-]?money|яндекс[ .-]?деньг\p{L}*|юmoney|yoomoney|qiwi|киви[ -]кошел\p{L}*|robokassa|робокасс\p{L}*|rbk\s?money|moneta\.ru|деньги@mail\.ru|paymaster\.ru|interkassa|free-kassa|единый\s+кошел\p{L}*|wallet\s+one`)
	ruPaymentHost = []string{"webmoney.ru", "wmtransfer.com", "webmoney.com", "money.yandex.ru", "yoomoney.ru",
		"qiwi.com", "qiwi.ru", "robokassa.ru", "rbkmoney.ru", "rbk.money", "moneta.ru", "paymaster.ru",
		"interkassa.com", "free-kassa.ru", "walletone.com", "w1.ru"}
)

func detectRUPayment(d *Doc) (string, bool) {
	if s, ok := d.first(ruPaymentWord); ok {
		return s, true
	}
	if h, ok := hostIn(d.Page.OutHosts, ruPaymentHost); ok {
		return "links to " + h, true
	}
	return "", false
}

var (
	ruCounterWord = rx(`liveinternet|counter\.yadro\.ru|yandex[ .]?metrika|яндекс[ .]?метрик\p{L}*|mc\.yandex\.ru|top\.mail\.ru|top100\.rambler\.ru|rambler\s+top\s?100|hotlog|spylog|openstat`)
	ruCounterHost = []string{"liveinternet.ru", "counter.yadro.ru", "mc.yandex.ru", "metrika.yandex.ru",
		"top.mail.ru", "top100.rambler.ru", "counter.rambler.ru", "hotlog.ru", "spylog.com", "openstat.net"}
	ruCounterID = []string{"liveinternet", "yadro", "yandex", "metrika", "ym:", "topmailru", "top.mail", "mail.ru",
		"rambler", "top100", "hotlog", "spylog", "openstat"}
)

func detectRUCounter(d *Doc) (string, bool) {
	for _, id := range d.Page.TrackerIDs {
		l := strings.ToLower(id)
		for _, k := range ruCounterID {
			if strings.Contains(l, k) {
				return "counter " + id, true
			}
		}
	}
	if h, ok := hostIn(d.Page.OutHosts, ruCounterHost); ok {
		return "links to " + h, true
	}
	return d.first(ruCounterWord)
}

func detectRussianLanguage(d *Doc) (string, bool) {
	lang := strings.ToLower(d.Page.Lang)
	if strings.HasPrefix(lang, "ru") {
		return "lang=" + d.Page.Lang, true
	}
	for k, v := range d.Page.Headers {
		if strings.EqualFold(k, "Content-Language") && strings.HasPrefix(strings.ToLower(v), "ru") {
			return "Content-Language: " + v, true
		}
	}
	if lang != "" && !strings.HasPrefix(lang, "en") && !strings.HasPrefix(lang, "uk") && !strings.HasPrefix(lang, "be") {
		// A declared language other than English; trust it.
		return "", false
	}
	var letters, cyr, russianOnly, ukrainianOnly int
	s := d.text.folded
	if len(s) > 64<<10 {
		s = s[:64<<10]
	}
	for _, r := range s {
		switch {
		case r < 0x80:
			if r >= 'a' && r <= 'z' {
				letters++
			}
			continue
		case r >= 0x400 && r <= 0x4ff:
			// Cyrillic: every code point here that folding leaves is a
			// letter but the few signs below.
			if r >= 0x482 && r <= 0x489 {
				continue
			}
		case !unicode.IsLetter(r):
			continue
		default:
			letters++
			if unicode.Is(unicode.Cyrillic, r) {
				cyr++
			}
			continue
		}
		letters++
		cyr++
		switch r {
		case 'ы', 'э', 'ъ':
			russianOnly++
		case 'і', 'ї', 'є', 'ґ', 'ў':
			ukrainianOnly++
		}
	}
	if cyr < 40 || cyr*10 < letters*3 || russianOnly <= ukrainianOnly {
		return "", false
	}
	if sp, ok := cyrillicRun(d.text.folded); ok {
		return d.text.snippet(sp), true
	}
	return "", false
}

// cyrillicRun finds the first run of Russian prose: a Cyrillic letter that
// starts a word, then 24 or more Cyrillic letters, spaces and punctuation.
func cyrillicRun(s string) (span, bool) {
	start, n := -1, 0
	prevLetter := false
	for i, r := range s {
		cyrillic := r >= 0x400 && r <= 0x4ff || r >= 0x80 && unicode.Is(unicode.Cyrillic, r)
		switch {
		case start < 0:
			if cyrillic && !prevLetter {
				start, n = i, 1
			}
		case cyrillic || r == ' ' || strings.ContainsRune(",.:;!?-", r):
			n++
		default:
			if n >= 25 {
				return span{start, i}, true
			}
			start = -1
			if cyrillic && !prevLetter {
				start, n = i, 1
			}
		}
		prevLetter = unicode.IsLetter(r)
	}
	if start >= 0 && n >= 25 {
		return span{start, len(s)}, true
	}
	return span{}, false
}

var raoName = rx(`рао|воис|российск\p{L}*\s+авторск\p{L}*\s+обществ\p{L}*|russian\s+authors'?\s+society`)

func detectRUSociety(d *Doc) (string, bool) {
	if s, ok := detectROMS(d); ok {
		return s, true
	}
	if s, ok := detectFAIR(d); ok {
		return s, true
	}
	return d.first(raoName)
}

var ruContactPhrases = []*pattern{
	rx(`\+7\s?[(\[]?\s?\d{3}\s?[)\]]?\s?\d{3}[- ]?\d{2}[- ]?\d{2}`),
	rx(`(?:moscow|st\.?\s+petersburg|saint\s+petersburg),?\s+russia`),
	rx(`(?:г\.|город)\s*(?:москва|санкт-петербург)`),
	rx(`(?:россия|рф),?\s+(?:г\.\s*)?(?:москва|санкт-петербург)`),
	rx(`инн\s*:?\s*\d{10,12}`),
	rx(`огрн\s*:?\s*\d{13,15}`),
	rx(`\d{6},?\s+(?:россия|москва|г\.\s*москва)`),
}

func detectRUContact(d *Doc) (string, bool) { return d.first(ruContactPhrases...) }

// hostIn returns the first host that is one of, or below one of, suffixes.
func hostIn(hosts, suffixes []string) (string, bool) {
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		for _, s := range suffixes {
			if h == s || strings.HasSuffix(h, "."+s) {
				return h, true
			}
		}
	}
	return "", false
}
