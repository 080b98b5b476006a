package classifier

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Store signals: the AllofMP3 business model as the public record describes
// it. Each is grounded in what AllofMP3 and its successors showed buyers.
var storeSignals = []Signal{
	{Name: "price.per_mb", Axis: AxisStore, Group: GroupPrice, Weight: 0.7, detect: detectPerMB,
		Doc: "prices per megabyte ($0.02/MB, 2 цента за МБ): AllofMP3 charged by download size; licensed stores never do"},
	{Name: "price.per_track_low", Axis: AxisStore, Group: GroupPrice, Weight: 0.55, detect: detectTrackLow,
		Doc: "a track for $0.01–0.49 (successors charged $0.09–0.40), far below licensed stores"},
	{Name: "price.album_low", Axis: AxisStore, Group: GroupPrice, Weight: 0.45, detect: detectAlbumLow,
		Doc: "an album for $0.30–3.50: a dollar or two"},
	{Name: "price.small_amounts", Axis: AxisStore, Group: GroupPrice, Weight: 0.25, detect: detectSmallAmounts,
		Doc: "three or more different prices under $0.50 on one page (a track list with prices)"},
	{Name: "billing.prepaid_balance", Axis: AxisStore, Group: GroupBilling, Weight: 0.4, detect: detectBalance,
		Doc: "a prepaid account balance to refill (пополнить баланс)"},
	{Name: "billing.topup_bonus", Axis: AxisStore, Group: GroupBilling, Weight: 0.45, detect: detectTopupBonus,
		Doc: "a bonus for topping up the balance (+10% when you refill $50)"},
	{Name: "format.picker", Axis: AxisStore, Group: GroupFormat, Weight: 0.45, detect: detectPicker,
		Doc: "the buyer chooses format and bitrate (MP3, OGG, FLAC, AAC, WMA; 128–320 kbps)"},
	{Name: "format.on_demand", Axis: AxisStore, Group: GroupFormat, Weight: 0.35, detect: detectOnDemand,
		Doc: "tracks encoded on demand into the format of the buyer's choice"},
	{Name: "format.list", Axis: AxisStore, Group: GroupFormat, Weight: 0.15, detect: detectFormatList,
		Doc: "three or more audio formats and two or more bitrates listed, without a choice phrase"},
	{Name: "format.drm_free", Axis: AxisStore, Group: GroupFormat, Weight: 0.2, detect: detectDRMFree,
		Doc: "a DRM-free pitch (без DRM)"},
	{Name: "legal.roms", Axis: AxisStore, Group: GroupLegal, Weight: 0.35, detect: detectROMS,
		Doc: "a licence from ROMS (РОМС), the Russian collecting society AllofMP3 cited"},
	{Name: "legal.fair", Axis: AxisStore, Group: GroupLegal, Weight: 0.35, detect: detectFAIR,
		Doc: "a licence from FAIR (ФАИР), the other society AllofMP3 cited"},
	{Name: "legal.license_number", Axis: AxisStore, Group: GroupLegal, Weight: 0.25, detect: detectLicenseNumber,
		Doc: "a licence number shown (License № 006-2005, лицензия № ЛС-3М-03-03)"},
	{Name: "legal.russian_law", Axis: AxisStore, Group: GroupLegal, Weight: 0.3, detect: detectRussianLaw,
		Doc: "legality claimed under the law of the Russian Federation"},
	{Name: "legal.buyer_responsibility", Axis: AxisStore, Group: GroupLegal, Weight: 0.3, detect: detectBuyerLaw,
		Doc: "buyers told to obey the copyright law of their own country"},
	{Name: "catalog.western_charts", Axis: AxisStore, Group: GroupCatalog, Weight: 0.2, detect: detectCharts,
		Doc: "Western charts: Billboard, UK Top 40"},
	{Name: "catalog.counter", Axis: AxisStore, Group: GroupCatalog, Weight: 0.2, detect: detectCatalogCounter,
		Doc: "a catalogue counter (over 500 000 tracks, треков в каталоге: 1 234 567)"},
	{Name: "template.url_scheme", Axis: AxisStore, Group: GroupTemplate, Weight: 0.3, detect: detectURLScheme,
		Doc: "store URL schemes shared by the lineage (/Artist_album123/, /artist45/)"},
	{Name: "template.known_tracker", Axis: AxisStore, Group: GroupTemplate, Weight: 0.5, detect: detectKnownTracker,
		Doc: "an analytics or counter ID shared with a known store (operator supplied)"},
}

// Prices.

func detectPerMB(d *Doc) (string, bool) {
	for _, m := range d.Money() {
		if m.Unit == UnitMB && m.USD > 0 && m.USD <= 0.15 {
			return d.Quote(m), true
		}
	}
	return d.first(perMBPhrases...)
}

var perMBPhrases = []*pattern{
	rx(`(?:pay|paid|charged?|billed|priced|pricing|cost|costs)\s+(?:\p{L}+\s+){0,3}?(?:per|by\s+the|by)\s+(?:1\s+|one\s+)?(?:megabytes?|mbytes?|mb)`),
	rx(`pay\s+(?:\p{L}+\s+){0,2}?for\s+(?:the\s+)?(?:megabytes|mbytes|mb)\s+(?:you|downloaded)`),
	rx(`per[- ]megabyte\s+(?:pricing|prices|billing|payment|tariff|rate)`),
	rx(`(?:оплат\p{L}*|плат\p{L}*|стоимость|цен\p{L}*|тариф\p{L}*)\s+(?:\p{L}+\s+){0,3}?за\s+(?:1\s+|один\s+|каждый\s+)?(?:мб|мегабайт\p{L}*)`),
	rx(`(?:по)?мегабайтн\p{L}*\s+(?:оплат\p{L}*|тариф\p{L}*|тарификаци\p{L}*)`),
}

func detectTrackLow(d *Doc) (string, bool) {
	return moneyWhere(d, func(m Money) bool { return m.Unit == UnitTrack && m.USD >= 0.01 && m.USD < 0.5 })
}

func detectAlbumLow(d *Doc) (string, bool) {
	return moneyWhere(d, func(m Money) bool { return m.Unit == UnitAlbum && m.USD >= 0.3 && m.USD <= 3.5 })
}

func detectSmallAmounts(d *Doc) (string, bool) {
	seen := make(map[string]bool)
	var first string
	for _, m := range d.Money() {
		if m.USD < 0.01 || m.USD >= 0.5 || m.Unit == UnitMB || m.Unit == UnitMonth {
			continue
		}
		k := m.Currency + strconv.FormatFloat(m.Amount, 'f', 2, 64)
		if !seen[k] {
			seen[k] = true
			if first == "" {
				first = d.Quote(m)
			}
		}
	}
	return first, len(seen) >= 3
}

func moneyWhere(d *Doc, ok func(Money) bool) (string, bool) {
	for _, m := range d.Money() {
		if ok(m) {
			return d.Quote(m), true
		}
	}
	return "", false
}

// Billing.

var balancePhrases = []*pattern{
	rx(`(?:refill|top[- ]?up|replenish|recharge|fund|add\s+(?:funds|money)\s+to)\s+(?:your\s+|the\s+|my\s+)?(?:account\s+)?balance`),
	rx(`(?:refill|top[- ]?up|replenish|recharge)\s+(?:your\s+|the\s+|my\s+)?account`),
	rx(`(?:your|current|account|prepaid|available)\s+balance`),
	rx(`balance\s*:\s*(?:\$|€|£|us\$)?\s*\d+(?:[.,]\d+)?`),
	rx(`prepaid\s+(?:account|balance|funds|deposit)`),
	rx(`(?:download|store|account|prepaid)\s+credits?|(?:buy|purchase|add)\s+(?:\p{L}+\s+)?credits?|credits?\s+(?:packs?|bundles?)`),
	rx(`(?:keep|put|hold)\s+(?:\p{L}+\s+){0,2}?(?:funds|money)\s+(?:on|in|into)\s+(?:your|the)\s+(?:\p{L}+\s+)?account`),
	rx(`пополн\p{L}*\s+(?:ваш\p{L}*\s+|сво\p{L}*\s+|личн\p{L}*\s+|лицев\p{L}*\s+)?(?:баланс\p{L}*|сч[е]т\p{L}*|кошел\p{L}*)`),
	rx(`лицев\p{L}*\s+сч[е]т\p{L}*`),
	rx(`(?:ваш|текущ\p{L}*|остаток\s+на)\s+(?:баланс\p{L}*|сч[е]т\p{L}*)`),
	rx(`баланс\p{L}*\s*:\s*(?:\$\s*)?\d+(?:[.,]\d+)?`),
	rx(`баланс\p{L}*\s+(?:счета|аккаунта|личного\s+кабинета)`),
	rx(`предоплат\p{L}*`),
}

var (
	fundVerb    = rx(`fund(?:s|ed|ing)?|load(?:s|ed|ing)?|refill\p{L}*|top(?:ped|ping)?\s+up|recharg\p{L}*|replenish\p{L}*|deposit(?:s|ed|ing)?|пополн\p{L}*|внес\p{L}*|внос\p{L}*|внест\p{L}*|зачисл\p{L}*`)
	accountNoun = rx(`(?:\p{L}+\s+)?(?:account|balance|wallet|purse)|сч[е]т(?:а|у|е)?|баланс\p{L}*|кошел\p{L}*`)
)

var balancePath = regexp.MustCompile(`(?i)(?:^|/)(?:refill|topup|top-up|balance|popolnenie|popolnit\w*|add-?funds)(?:[/._?-]|$)`)

func detectBalance(d *Doc) (string, bool) {
	if s, ok := d.first(balancePhrases...); ok {
		return s, true
	}
	// Any wording of putting money into an account: "fund your SuperTunes
	// account", "load money onto your account", "деньги на счёт можно
	// внести".
	if s, ok := d.nearSnippet(fundVerb, accountNoun, 30); ok {
		return s, true
	}
	for _, p := range d.Page.LinkPaths {
		if balancePath.MatchString(p) {
			return "link " + p, true
		}
	}
	return "", false
}

var (
	bonusWord  = rxWindow(`bonus(?:es)?|бонус\p{L}*|extra|added|free|on\s+top|on\s+us|в\s+подарок|подар\p{L}*|дарим|дополнительн\p{L}*|сверху|начисл\p{L}*`, shortWindow)
	bonusTrack = rxWindow(`^(?:bonus[- ]tracks?|бонус[- ]?трек\p{L}*|бонусн\p{L}*\s+трек\p{L}*)`, shortWindow)
	refillWord = rxWindow(`refill\p{L}*|top[- ]?ups?|topping\s+up|replenish\p{L}*|deposit\p{L}*|recharg\p{L}*|add(?:ing)?\s+funds|credits?|loads?|внесени\p{L}*|пополн\p{L}*|платеж\p{L}*|внес\p{L}*|взнос\p{L}*`, shortWindow)
	percentOr  = rxWindow(`\d{1,3}\s?%|\$\s?\d|\d\s?(?:\$|usd|руб\p{L}*|₽|€|у\.е\.)`, shortWindow)
)

func detectTopupBonus(d *Doc) (string, bool) {
	t := d.text
	for _, b := range t.findAll(bonusWord, 64) {
		if bonusTrack.MatchString(t.folded[b.start:min(len(t.folded), b.start+48)]) {
			continue
		}
		lo, hi := max(0, b.start-100), min(len(t.folded), b.end+100)
		if !t.occursIn(refillWord, lo, hi+32) || !t.occursIn(percentOr, lo, hi+32) {
			continue
		}
		r, ok := t.findFrom(refillWord, lo)
		if !ok || r.start > hi {
			continue
		}
		p, ok := t.findFrom(percentOr, lo)
		if !ok || p.start > hi {
			continue
		}
		sp := span{min(b.start, r.start, p.start), max(b.end, r.end, p.end)}
		return t.snippet(sp), true
	}
	return "", false
}

// Formats.

var (
	formatWord  = rxWindow(`mp3|ogg(?:\s+vorbis)?|vorbis|flac|aac|wma|mpc|musepack|ape|monkey's\s+audio|m4a|alac|wav|opus|wavpack`, shortWindow)
	bitrateRx   = rxWindow(`((?:96|112|128|160|192|224|256|320)(?:\s?(?:/|,|-|or|или)\s?(?:96|112|128|160|192|224|256|320))*)\s?(?:kbps|kbit/s|kbits?|kb/s|k|кбит/с|кбит|кбпс|кб/с)`, 3*shortWindow)
	bitrateNum  = regexp.MustCompile(`\d+`)
	choiceWord  = rxWindow(`choose|choice\s+of|select|pick|available\s+in|выбер\p{L}*|выбрать|выбор\p{L}*|на\s+выбор|доступн\p{L}*\s+в`, shortWindow)
	choiceAfter = rxWindow(`(?:на\s+)?(?:ваш|свой)\s+выбор|по\s+(?:вашему|своему)\s+выбору|you\s+(?:decide|choose|pick)|of\s+your\s+choice|your\s+choice|as\s+you\s+(?:like|wish|prefer)`, shortWindow)
	formatNoun  = rxWindow(`formats?|bitrates?|bit\s+rates?|quality|encoding|kbps|формат\p{L}*|битрейт\p{L}*|качеств\p{L}*|кодировани\p{L}*`, shortWindow)
	formatTag   = rxWindow(`(?:formats?|bitrates?|quality|encoding|форматы?|битрейты?|качество|кодирование)(?:\s+(?:options?|offered|available|on\s+offer|на\s+выбор|доступны))?\s*:`, shortWindow)
)

var standardBitrates = map[string]bool{"96": true, "112": true, "128": true, "160": true, "192": true,
	"224": true, "256": true, "320": true}

// formatsAndBitrates returns the distinct audio formats and standard
// bitrates mentioned on the page.
func (d *Doc) formatsAndBitrates() (formats, bitrates []string) {
	if d.formats != nil {
		return d.formats, d.bitrates
	}
	fs, bs := make(map[string]bool), make(map[string]bool)
	for _, sp := range d.text.findAll(formatWord, 128) {
		f := d.text.folded[sp.start:sp.end]
		switch {
		case strings.HasPrefix(f, "ogg"), f == "vorbis":
			f = "ogg"
		case f == "musepack":
			f = "mpc"
		case strings.HasPrefix(f, "monkey"):
			f = "ape"
		}
		fs[f] = true
	}
	for _, sp := range d.text.findAll(bitrateRx, 128) {
		// "192/256/320 kbps" names three bitrates.
		m := bitrateRx.FindStringSubmatch(d.text.folded[sp.start:sp.end])
		if len(m) < 2 {
			continue
		}
		for _, n := range bitrateNum.FindAllString(m[1], -1) {
			if standardBitrates[n] {
				bs[n] = true
			}
		}
	}
	d.formats, d.bitrates = sortedKeys(fs), sortedKeys(bs)
	return d.formats, d.bitrates
}

func detectPicker(d *Doc) (string, bool) {
	formats, bitrates := d.formatsAndBitrates()
	if len(formats) < 2 && len(bitrates) < 2 {
		return "", false
	}
	if s, ok := d.followedBy(choiceWord, formatNoun, 25); ok {
		return s, true
	}
	// "Pick MP3 320 or FLAC", "выбирайте: OGG или FLAC".
	if s, ok := d.followedBy(choiceWord, formatWord, 12); ok {
		return s, true
	}
	// "Битрейт на ваш выбор", "MP3 256 or FLAC, you decide".
	if s, ok := d.followedBy(formatNoun, choiceAfter, 16); ok {
		return s, true
	}
	if s, ok := d.followedBy(formatWord, choiceAfter, 24); ok {
		return s, true
	}
	return d.first(formatTag)
}

func detectFormatList(d *Doc) (string, bool) {
	formats, bitrates := d.formatsAndBitrates()
	if len(formats) < 3 || len(bitrates) < 2 {
		return "", false
	}
	return clip(fmt.Sprintf("formats: %s; bitrates: %s kbps", strings.Join(formats, ", "),
		strings.Join(bitrates, ", ")), MaxSnippet), true
}

var onDemandPhrases = []*pattern{
	rx(`(?:encod|convert|transcod)\p{L}*\s+(?:\p{L}+\s+){0,3}?(?:on\s+the\s+fly|on-the-fly|on\s+demand|on-demand|(?:up)?on\s+(?:your\s+)?request|per\s+request|in\s+real[- ]time|to\s+order)`),
	rx(`(?:any|the|your)\s+(?:audio\s+)?(?:format|bitrate|quality)\s+(?:\p{L}+\s+){0,2}?(?:you\s+(?:want|like|need|prefer|choose)|of\s+your\s+choice)`),
	rx(`(?:format|bitrate|quality)\s+(?:and\s+(?:format|bitrate|quality)\s+)?of\s+your\s+choice`),
	rx(`(?:кодир|конверт|перекодир)\p{L}*\s+(?:\p{L}+\s+){0,3}?(?:на\s+лету|по\s+(?:вашему\s+)?запросу|по\s+требованию|по\s+вашему\s+заказу|в\s+реальном\s+времени)`),
	rx(`в\s+любом\s+(?:удобном\s+(?:вам\s+|для\s+вас\s+)?)?(?:формате|битрейте|качестве)`),
	rx(`(?:формат\p{L}*|битрейт\p{L}*|качеств\p{L}*)\s+(?:\p{L}+\s+)?по\s+(?:вашему|своему)\s+выбору`),
}

func detectOnDemand(d *Doc) (string, bool) { return d.first(onDemandPhrases...) }

var drmFreePhrases = []*pattern{
	rx(`drm[- ]?free`),
	rx(`(?:no|without|free\s+of|free\s+from|zero)\s+drm`),
	rx(`без\s+(?:\p{L}+\s+){0,2}?drm`),
	rx(`без\s+защиты\s+от\s+копирования`),
	rx(`не\s+содерж\p{L}*\s+drm`),
}

func detectDRMFree(d *Doc) (string, bool) { return d.first(drmFreePhrases...) }

// Legitimacy claims.

var (
	romsWord = rx(`roms|pomc|ромс`)
	romsName = rx(`russian\s+(?:organi[sz]ation|society)\s+for\s+multimedia\s+and\s+digital\s+(?:networks|systems)|российское\s+общество\s+по\s+мультимедиа\s+и\s+цифровым\s+сетям`)
	fairWord = rx(`fair|фаир`)
	fairName = rx(`федераци\p{L}*\s+авторов\s+и\s+правообладателей`)
	fairCtx  = rx(`licen\p{L}*|society|societies|collecting|rights|agreement|contract|roms|ромс|лиценз\p{L}*|обществ\p{L}*|соглашени\p{L}*|договор\p{L}*|прав\p{L}*`)
)

// acronym finds an acronym that is a common word in Latin letters ("roms",
// "fair"): in Latin it counts only in capitals, in Cyrillic in any case.
func (d *Doc) acronym(re *pattern) []span {
	var out []span
	for _, sp := range d.text.findAll(re, 256) {
		orig := d.text.original(sp)
		if isLatinWord(d.text.folded[sp.start:sp.end]) && orig != strings.ToUpper(orig) {
			continue
		}
		out = append(out, sp)
	}
	return out
}

func isLatinWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

func detectROMS(d *Doc) (string, bool) {
	if sps := d.acronym(romsWord); len(sps) > 0 {
		return d.text.snippet(sps[0]), true
	}
	return d.first(romsName)
}

func detectFAIR(d *Doc) (string, bool) {
	for _, sp := range d.acronym(fairWord) {
		if !isLatinWord(d.text.folded[sp.start:sp.end]) {
			return d.text.snippet(sp), true
		}
		// "FAIR" in capitals is still a word in headings: want licence context.
		if c, ok := d.text.findFrom(fairCtx, max(0, sp.start-120)); ok && c.start <= sp.end+120 && c.start != sp.start {
			return d.text.snippet(span{min(sp.start, c.start), max(sp.end, c.end)}), true
		}
	}
	return d.first(fairName)
}

var licenseNumber = rx(`(?:licen[cs]e[ds]?|лиценз\p{L}*)\s+(?:agreement\s+|certificate\s+|договор\p{L}*\s+|свидетельств\p{L}*\s+)?(?:no\.?|number|num\.?|nr\.?|#|№|n°|номер)\s*:?\s*([\p{L}\d][\p{L}\d/.-]{1,30})`)

func detectLicenseNumber(d *Doc) (string, bool) {
	for _, sp := range d.text.findAll(licenseNumber, 32) {
		m := licenseNumber.FindStringSubmatch(d.text.folded[sp.start:sp.end])
		digits := 0
		for _, r := range m[1] {
			if unicode.IsDigit(r) {
				digits++
			}
		}
		if digits >= 2 {
			return d.text.snippet(sp), true
		}
	}
	return "", false
}

var russianLawPhrases = []*pattern{
	rx(`(?:law|laws|legislation|civil\s+code|copyright\s+law|constitution)\s+of\s+(?:the\s+)?russian\s+federation`),
	rx(`russian\s+(?:federation\s+)?(?:copyright\s+)?(?:law|laws|legislation)`),
	rx(`(?:law|laws|legislation)\s+of\s+russia`),
	rx(`законодательств\p{L}*\s+(?:российской\s+федерации|рф|россии)`),
	rx(`закон\p{L}*\s+(?:российской\s+федерации|рф|россии)`),
	rx(`гражданск\p{L}*\s+кодекс\p{L}*\s+(?:российской\s+федерации|рф)`),
	rx(`гк\s+рф`),
	rx(`закон\p{L}*\s+"?об\s+авторском\s+праве`),
	rx(`российск\p{L}*\s+(?:законодательств\p{L}*|закон\p{L}*)`),
}

func detectRussianLaw(d *Doc) (string, bool) { return d.first(russianLawPhrases...) }

var (
	buyerLawPhrases = []*pattern{
		rx(`(?:laws?|legislation|copyright\s+laws?|regulations)\s+(?:of|in)\s+your\s+(?:own\s+)?(?:country|jurisdiction|state)`),
		rx(`(?:you|users?|buyers?|customers?|visitors?|members?)\s+(?:are|is|will\s+be|shall\s+be)\s+(?:\p{L}+\s+){0,2}?responsible\s+for\s+(?:\p{L}+\s+){0,6}?(?:laws?|legislation|legal|legality|copyright)`),
		rx(`(?:comply|compliance)\s+with\s+(?:the\s+)?(?:\p{L}+\s+){0,2}?(?:laws?|legislation)\s+of\s+(?:your|their)\s+(?:own\s+)?(?:country|jurisdiction)`),
		rx(`(?:legal|lawful|allowed|permitted)\s+in\s+your\s+(?:own\s+)?(?:country|jurisdiction)`),
		rx(`your\s+(?:own\s+|sole\s+)?responsibility\s+to\s+(?:\p{L}+\s+){0,6}?(?:laws?|legislation|legal)`),
		rx(`законодательств\p{L}*\s+(?:вашей|своей|его|их)\s+страны`),
		rx(`ответственност\p{L}*\s+(?:\p{L}+\s+){0,6}?(?:лежит|возлагается)\s+на\s+(?:пользовател|покупател|посетител)\p{L}*`),
		rx(`закон\p{L}*\s+(?:вашей|своей)\s+страны`),
		rx(`страны\s+(?:вашего|своего)\s+(?:проживания|пребывания|местонахождения)`),
	}
	responsibleRu = rx(`(?:нес[е]т|несете|несут)\s+(?:\p{L}+\s+){0,2}?ответственност\p{L}*`)
	lawRu         = rx(`законодательств\p{L}*|закон\p{L}*|авторск\p{L}*\s+прав\p{L}*`)
)

func detectBuyerLaw(d *Doc) (string, bool) {
	if s, ok := d.first(buyerLawPhrases...); ok {
		return s, true
	}
	return d.nearSnippet(responsibleRu, lawRu, 120)
}

// Catalogue and template.

var chartPhrases = []*pattern{
	rx(`billboard\s+(?:hot\s+100|200|top\s+\d+|charts?|singles|albums|hot)`),
	rx(`(?:charts?|хит-парад\p{L}*|чарт\p{L}*|top\s+\d+)\s+(?:of\s+)?billboard`),
	rx(`uk\s+(?:top\s+\d+|singles?\s+charts?|albums?\s+charts?|charts?)|top\s+\d+\s+(?:uk|usa|us)\b`),
	rx(`official\s+(?:uk\s+)?(?:singles\s+|albums\s+)?charts?`),
	rx(`(?:чарт\p{L}*|хит-парад\p{L}*)\s+(?:великобритании|англии|сша|америки|uk|us|usa)`),
	rx(`(?:британск\p{L}*|американск\p{L}*)\s+(?:чарт\p{L}*|хит-парад\p{L}*)`),
}

func detectCharts(d *Doc) (string, bool) { return d.first(chartPhrases...) }

const bigCount = `(?:\d{1,3}(?:[ ,.]\d{3})+|\d{4,})`
const catalogNoun = `(?:tracks|songs|albums|artists|releases|mp3s|треков|альбомов|исполнителей|артистов|композиций|песен|релизов)`

var counterPhrases = []*pattern{
	rx(`(?:over|more\s+than|about|nearly|above|свыше|более|около|больше)\s+` + bigCount + `\s*\+?\s*` + catalogNoun),
	rx(bigCount + `\s*\+?\s*` + catalogNoun + `\s+(?:in|on|в)\s+(?:our\s+|the\s+|нашем\s+)?(?:catalog|catalogue|collection|database|store|каталоге|базе|коллекции|магазине)`),
	rx(catalogNoun + `\s+(?:in\s+(?:the\s+|our\s+)?(?:catalog|catalogue|database)|в\s+(?:каталоге|базе))\s*:?\s*` + bigCount),
	rx(`(?:catalog|catalogue|каталог\p{L}*)\s*(?:size)?\s*:\s*` + bigCount),
	rx(`\d{1,3}(?:[ ,.]\d{3})+\s+` + catalogNoun),
}

func detectCatalogCounter(d *Doc) (string, bool) { return d.first(counterPhrases...) }

var storePath = regexp.MustCompile(`(?i)(?:_|/)(?:album|artist|track|group|release)s?_?\d{2,}(?:[/._?]|$)`)

func detectURLScheme(d *Doc) (string, bool) {
	var hits []string
	for _, p := range append([]string{d.Page.path()}, d.Page.LinkPaths...) {
		if storePath.MatchString(p) {
			hits = append(hits, p)
			if len(hits) == 3 {
				break
			}
		}
	}
	if len(hits) == 0 {
		return "", false
	}
	return listSnippet("store paths", hits), true
}

func detectKnownTracker(d *Doc) (string, bool) {
	for _, id := range d.Page.TrackerIDs {
		if d.knownTrackers[strings.ToLower(strings.TrimSpace(id))] {
			return "tracker " + id, true
		}
	}
	return "", false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
