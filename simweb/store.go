package simweb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// planStore lists a store's pages: home, 3–5 albums, artists, charts, balance, licence and help pages.
func planStore(s *Site, r *rand.Rand) []pageDef {
	ru := s.Lang == "ru" || (s.Lang == "en+ru" && s.variant&1 == 0)
	L := func(en, r string) string {
		if ru {
			return r
		}
		return en
	}
	defs := []pageDef{{path: "/", typ: pHome, nav: L("Home", "Главная"), ext: 0}}
	scheme := (s.variant >> 4) % 4
	albums := r.Perm(len(catalog))[:3+r.IntN(3)]
	for _, a := range albums {
		id := albumID(s.Index, a)
		p := fmt.Sprintf("/_album%d/", id)
		if scheme == 3 {
			p = fmt.Sprintf("/album/%d.html", id)
		}
		defs = append(defs, pageDef{path: p, typ: pAlbum, n: a, ext: -1})
	}
	for j, a := range albums[:1+r.IntN(2)] {
		if j == 1 && catalog[a].artist == catalog[albums[0]].artist {
			break
		}
		defs = append(defs, pageDef{path: artistPath(s, catalog[a].artist), typ: pArtist, n: a, ext: -1})
	}
	charts := []pageDef{{path: "/charts/billboard", typ: pChart, n: 0, nav: L("Billboard Top", "Хит-парад Billboard"), ext: -1},
		{path: "/charts/uk", typ: pChart, n: 1, nav: L("UK Top 40", "UK Top 40"), ext: -1}}
	switch r.IntN(3) {
	case 0:
		defs = append(defs, charts[0])
	case 1:
		defs = append(defs, charts[1])
	default:
		defs = append(defs, charts...)
	}
	defs = append(defs,
		pageDef{path: pick(r, []string{"/balance", "/account/refill", "/balance/refill"}), typ: pBalance, nav: L(pick(r, []string{"Refill balance", "Top up", "Add funds"}), pick(r, []string{"Пополнить счёт", "Баланс"})), ext: -1},
		pageDef{path: pick(r, []string{"/help/license", "/legal/license.html", "/about/license"}), typ: pLicense, nav: L(pick(r, []string{"Legal info", "License", "Legality"}), pick(r, []string{"Лицензия", "Правовая информация"})), ext: 0},
	)
	optional := []pageDef{
		{path: "/help/formats", typ: pFormats, nav: L("Formats", "Форматы"), ext: -1},
		{path: "/help/payment", typ: pPayment, nav: L("Payment", "Оплата"), ext: -1},
		{path: "/news", typ: pStoreNews, nav: L("News", "Новости"), ext: 0},
		{path: "/register", typ: pRegister, nav: L("Sign up", "Регистрация"), ext: -1},
		{path: "/genre/" + slug(catalog[albums[0]].genre) + "/", typ: pGenre, n: albums[0], ext: -1},
		{path: "/help/faq", typ: pFAQ, nav: L("FAQ", "Вопросы"), ext: -1},
	}
	r.Shuffle(len(optional), func(i, j int) { optional[i], optional[j] = optional[j], optional[i] })
	defs = append(defs, optional[:2+r.IntN(len(optional)-1)]...)
	if len(defs) > 15 {
		defs = defs[:15]
	}
	return defs
}

func artistPath(s *Site, artist string) string {
	if (s.variant>>6)%3 == 0 {
		return fmt.Sprintf("/_artist%d/", 100+int(hashString(artist)%9000))
	}
	return "/artist/" + slug(artist) + "/"
}

// storeVars fills the placeholders used by store phrases: prices, bonuses, licence numbers, payments.
func (c *pageCtx) storeVars() {
	s := c.s
	r := c.siteRand("prices")
	fr := c.familyRand("licence")
	ru := c.ru && (!c.en || s.variant&1 == 0)
	v := c.vars
	cur := s.Currency
	var unit float64
	if s.perMB {
		unit = pick(r, []float64{0.01, 0.012, 0.015, 0.02, 0.025})
		if cur == "RUB" {
			unit = pick(r, []float64{0.3, 0.35, 0.4, 0.5})
		}
		v["rate"] = money(cur, unit, ru)
		v["trackprice"] = money(cur, round2(unit*8), ru)
		v["albumprice"] = money(cur, round2(unit*85), ru)
		v["minprice"] = v["rate"] + c.lang("/MB", "/МБ")
	} else {
		unit = pick(r, []float64{0.09, 0.12, 0.15, 0.19, 0.25, 0.35, 0.40})
		if cur == "RUB" {
			unit = pick(r, []float64{3, 4, 5, 7, 9})
		}
		v["trackprice"] = money(cur, unit, ru)
		v["albumprice"] = money(cur, round2(unit*9), ru)
		v["minprice"] = v["trackprice"]
	}
	v["unit"] = strconv.FormatFloat(unit, 'f', -1, 64)
	tiers := []float64{10, 20, 50}
	if cur == "RUB" {
		tiers = []float64{300, 500, 1000, 3000}
	}
	a1 := pick(r, tiers[:len(tiers)-1])
	a2 := tiers[len(tiers)-1]
	b1 := pick(r, []int{5, 7, 10})
	b2 := b1 + pick(r, []int{5, 10, 15})
	v["amt1"], v["amt2"] = money(cur, a1, ru), money(cur, a2, ru)
	v["b1"], v["b2"] = strconv.Itoa(b1), strconv.Itoa(b2)
	v["bonusamt"] = money(cur, a2*float64(b2)/100, ru)
	v["ncat"] = pick(r, []string{"300,000", "450,000", "600,000", "800,000", "1,000,000", "1,200,000"})
	if ru {
		v["ncat"] = strings.ReplaceAll(v["ncat"], ",", " ")
	}
	v["ntracks"] = pick(r, []string{"2 million", "3.5 million", "5 million", "6 million"})
	yy := 2 + fr.IntN(6)
	romsno := fmt.Sprintf("%dM-%02d-%02d", 1+fr.IntN(4), yy, 1+fr.IntN(40))
	v["roms"] = c.lang("LS-"+romsno, "ЛС-"+strings.ReplaceAll(romsno, "M", "М"))
	v["fair"] = fmt.Sprintf("%03d/%02d", 1+fr.IntN(120), yy+1)
	v["since"] = strconv.Itoa(2002 + fr.IntN(5))
	v["juris"] = pick(r, []string{"the Netherlands", "the State of Delaware, USA", "Germany", "Belize", "the Commonwealth of Dominica"})
	v["paylist"] = payList(s.pay, ru)
	v["support"] = "support@" + s.Host
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// payList names the payment systems in bits.
func payList(bits uint16, ru bool) string {
	var out []string
	add := func(b uint16, en, r string) {
		if bits&b != 0 {
			if ru {
				out = append(out, r)
			} else {
				out = append(out, en)
			}
		}
	}
	add(payWebMoney, "WebMoney", "WebMoney")
	add(payYandex, "Yandex.Money", "Яндекс.Деньги")
	add(payQIWI, "QIWI Wallet", "QIWI Кошелёк")
	add(payRBK, "RBK Money", "RBK Money")
	add(payCards, "Visa/MasterCard", "банковские карты Visa/MasterCard")
	add(payPayPal, "PayPal", "PayPal")
	add(paySMS, "SMS payments", "оплата по SMS")
	return strings.Join(out, ", ")
}

// both writes a paragraph in each language of the site: English, Russian, or both for bilingual sites.
func (c *pageCtx) both(en, ru string) {
	switch {
	case c.en && c.ru && c.s.variant&1 == 0:
		c.p(c.f(ru))
		c.raw(`<p class="en">`)
		c.text(toEN.Replace(c.f(en)))
		c.raw("</p>\n")
	case c.en && c.ru:
		c.p(c.f(en))
		c.raw(`<p class="ru">`)
		c.text(toRU.Replace(c.f(ru)))
		c.raw("</p>\n")
	case c.ru:
		c.p(c.f(ru))
	default:
		c.p(c.f(en))
	}
}

// toEN and toRU adjust units in the second language of a bilingual page.
var (
	toEN = strings.NewReplacer(" руб.", " RUB", "/МБ", "/MB", "ЛС-", "LS-", "3М-", "3M-", "1М-", "1M-", "2М-", "2M-", "4М-", "4M-")
	toRU = strings.NewReplacer(" RUB", " руб.", "/MB", "/МБ", "LS-", "ЛС-")
)

// Store wording. Each element has several paraphrases of what such stores said; a site uses one per element.
var (
	storeTaglineEN = []string{
		"Legal music downloads at the lowest prices on the Internet",
		"Millions of tracks. Any format. Pay only for what you download.",
		"Your music, encoded the way you want it",
		"Download whole albums for the price of a coffee",
		"The biggest catalogue of licensed music downloads",
		"No subscription, no DRM — just music",
		"Cheap music downloads in MP3, OGG and FLAC",
	}
	storeTaglineRU = []string{
		"Легальная музыка по самым низким ценам",
		"Миллионы треков в любом формате",
		"Музыка, закодированная так, как нужно вам",
		"Альбом целиком — дешевле чашки кофе",
		"Крупнейший каталог лицензионной музыки в Рунете",
		"Без подписки и DRM — только музыка",
	}
	storeIntroEN = []string{
		"{name} is an online music store with more than {ncat} albums in the catalogue. Every file is encoded from the original at the moment you order it, so you choose the format and quality yourself.",
		"Welcome to {name}! Here you can buy and download music in MP3, OGG, FLAC, AAC and WMA. Our servers prepare each track on demand in the bitrate you select, from 128 up to 320 kbps.",
		"{name} offers {ntracks} tracks by Western and Russian artists. Choose a release, pick a format and bitrate, and the album is encoded especially for you within seconds.",
		"Since {since} {name} has helped music lovers all over the world get their favourite albums quickly and cheaply. Register, refill your balance and start downloading straight away.",
		"At {name} you will find new releases and classic albums at prices that are several times lower than in other stores. All files are encoded on request without any DRM.",
	}
	storeIntroRU = []string{
		"{name} — интернет-магазин музыки, в каталоге которого более {ncat} альбомов. Каждый файл кодируется из оригинала в момент заказа, поэтому формат и качество вы выбираете сами.",
		"Добро пожаловать в {name}! У нас можно купить и скачать музыку в форматах MP3, OGG, FLAC, AAC и WMA. Кодирование выполняется по вашему запросу с битрейтом от 128 до 320 кбит/с.",
		"В каталоге {name} — зарубежные и отечественные исполнители. Выберите альбом, укажите формат и битрейт, и через несколько секунд файлы будут готовы к скачиванию.",
		"С {since} года {name} помогает меломанам быстро и недорого получать любимые альбомы. Зарегистрируйтесь, пополните баланс и начинайте скачивать.",
	}
	storePriceMBEN = []string{
		"Price: {rate} per MB of downloaded data.",
		"All music is priced at {rate} per megabyte, whatever the artist or release date.",
		"You are charged {rate} for each megabyte. An average album at 192 kbps costs about {albumprice}.",
		"Tariff: {rate}/MB. The price depends only on the size of the files you choose.",
		"Pay by the megabyte: {rate} per MB. Lower bitrate — smaller file — lower price.",
	}
	storePriceMBRU = []string{
		"Цена: {rate} за 1 МБ скачанных данных.",
		"Стоимость скачивания — {rate} за мегабайт, независимо от исполнителя и года выпуска.",
		"Вы платите {rate} за каждый мегабайт. Средний альбом в 192 кбит/с обойдётся примерно в {albumprice}.",
		"Тариф: {rate}/МБ. Цена зависит только от размера выбранных файлов.",
	}
	storePriceTrackEN = []string{
		"Any track — {trackprice}. Full albums from {albumprice}.",
		"Price per track: {trackprice}. Buy the whole album and save: from {albumprice}.",
		"Tracks from {trackprice}, albums from {albumprice} — no hidden fees.",
		"Every song costs just {trackprice}; most albums are under {albumprice}.",
	}
	storePriceTrackRU = []string{
		"Любой трек — {trackprice}. Альбом целиком — от {albumprice}.",
		"Цена за трек: {trackprice}. Покупать альбомом выгоднее — от {albumprice}.",
		"Треки от {trackprice}, альбомы от {albumprice}, без скрытых платежей.",
	}
	storeEncodeEN = []string{
		"Choose the format and bitrate before downloading: the file will be encoded on the fly.",
		"Every order is encoded individually from lossless masters — pick MP3, OGG Vorbis, FLAC, AAC or WMA.",
		"Select the quality you need. Files are prepared on request in the format of your choice.",
		"Our encoder converts each track the moment you order it, so you always get the exact bitrate you asked for.",
	}
	storeEncodeRU = []string{
		"Выберите формат и битрейт перед скачиванием — файл будет закодирован специально для вас.",
		"Каждый заказ кодируется индивидуально — MP3, OGG Vorbis, FLAC, AAC или WMA на ваш выбор.",
		"Файлы подготавливаются по запросу в выбранном вами формате и качестве.",
	}
	storeBonusEN = []string{
		"Top up your balance with {amt1} or more and get a {b1}% bonus!",
		"Refill bonus: +{b1}% on payments from {amt1}, +{b2}% from {amt2}.",
		"Deposit {amt2} and we add {bonusamt} to your account for free.",
		"The more you refill, the less you pay — up to {b2}% extra on your balance.",
		"Special offer: add {amt1} to your account and receive {b1}% more music for the same money.",
	}
	storeBonusRU = []string{
		"При пополнении баланса на сумму от {amt1} — бонус {b1}%!",
		"Бонусы при пополнении: +{b1}% от {amt1}, +{b2}% от {amt2}.",
		"Пополните счёт на {amt2} и получите {bonusamt} в подарок.",
		"Чем больше пополнение, тем выгоднее: до {b2}% сверху на ваш баланс.",
	}
	storePayEN = []string{
		"We accept {paylist}.",
		"Payment methods: {paylist}. Funds are credited to your account instantly.",
		"You can pay with {paylist}.",
	}
	storePayRU = []string{
		"Принимаем к оплате: {paylist}.",
		"Способы оплаты: {paylist}. Деньги зачисляются на счёт мгновенно.",
		"Оплатить покупки можно через {paylist}.",
	}
	storeLicenseEN = []string{
		"{name} operates under licence No. {roms} issued by ROMS (the Russian Multimedia and Internet Society), which grants the right to distribute phonograms over the Internet.",
		"All music is distributed under a licence agreement with the Russian Organization for Multimedia and Digital Networks (ROMS), licence {roms}, and with FAIR, agreement No. {fair}.",
		"Royalties for every download are paid to the rights holders through ROMS under licence agreement {roms}.",
		"The site works in accordance with licence No. {fair} of the non-commercial partnership FAIR (Federation of Authors and Right holders for collective management of rights in Interactive use) and ROMS licence {roms}.",
		"We are a licensee of the Russian collecting societies ROMS and FAIR (licences {roms} and {fair}); authors receive a share of every sale.",
	}
	storeLicenseRU = []string{
		"Деятельность сайта осуществляется на основании лицензии РОМС № {roms}.",
		"Вся музыка распространяется по лицензионному соглашению с Российским обществом по мультимедиа и цифровым сетям (РОМС), лицензия № {roms}, и с ФАИР, договор № {fair}.",
		"Авторское вознаграждение за каждое скачивание выплачивается правообладателям через РОМС (лицензия {roms}).",
		"Сайт работает на основании лицензии НП «ФАИР» № {fair} и лицензии РОМС № {roms}.",
	}
	storeLawEN = []string{
		"All services are provided subject to the Law of the Russian Federation.",
		"The site operates in accordance with the Russian Federation Law \"On Copyright and Related Rights\".",
		"By using the service you agree that all relations are governed by the legislation of the Russian Federation.",
		"{name} complies with the copyright legislation of the Russian Federation.",
	}
	storeLawRU = []string{
		"Все услуги предоставляются в соответствии с законодательством Российской Федерации.",
		"Сайт действует в соответствии с Законом РФ «Об авторском праве и смежных правах».",
		"Отношения между пользователем и администрацией сайта регулируются законодательством РФ.",
	}
	storeBuyerEN = []string{
		"The buyer is responsible for obeying the laws of their own country.",
		"Please note: the customer is solely responsible for complying with the copyright laws of the country where he or she lives.",
		"Downloading may be restricted in your country; it is the buyer's responsibility to check local legislation.",
		"Users from outside Russia must make sure that purchasing from us does not violate the laws of their country.",
	}
	storeBuyerRU = []string{
		"Покупатель несёт ответственность за соблюдение законодательства своей страны.",
		"Пользователь самостоятельно отвечает за соблюдение законов страны, в которой он находится.",
		"Скачивание может быть ограничено законами вашей страны; ответственность за их соблюдение лежит на покупателе.",
	}
	// Stores with no link to Russia word their licences vaguely.
	storeLicenseIntl = []string{
		"{name} pays royalties for every download through licensed collecting societies.",
		"All tracks are offered under licence agreements with collecting societies; authors receive a share of every sale.",
		"Our catalogue is licensed through regional rights organisations. Royalties are reported monthly.",
	}
	storeLawIntl = []string{
		"These terms are governed by the laws of {juris}.",
		"{name} is operated from {juris} and complies with local copyright legislation.",
		"Any dispute shall be settled under the laws of {juris}.",
	}
)

// renderStore draws a store page.
func (c *pageCtx) renderStore() {
	c.storeVars()
	switch c.def.typ {
	case pHome:
		c.storeHome()
	case pAlbum:
		c.storeAlbum()
	case pArtist:
		c.storeArtist()
	case pChart:
		c.storeChart()
	case pBalance:
		c.storeBalance()
	case pLicense:
		c.storeLicense()
	case pFormats:
		c.storeFormats()
	case pPayment:
		c.storePayment()
	case pStoreNews:
		c.storeNews()
	case pRegister:
		c.storeRegister()
	case pGenre:
		c.storeGenre()
	case pFAQ:
		c.storeFAQ()
	case pPrivate:
		c.begin(c.lang("Shopping cart", "Корзина"))
		c.h1(c.lang("Your cart is empty", "Ваша корзина пуста"))
		c.p(c.lang("Log in to see the albums you have selected.", "Войдите, чтобы увидеть выбранные альбомы."))
		c.storeEnd()
	default:
		c.notFound()
	}
}

// intl reports whether the store has no link to Russia and so uses neutral legal wording.
func (c *pageCtx) intl() bool { return !c.s.Flagged }

// storeEnd writes the store footer: a short licence line, a legal clause and a copyright line.
func (c *pageCtx) storeEnd() {
	var lic, law string
	if c.intl() {
		lic = c.sp("f-lic", storeLicenseIntl...)
		law = c.sp("f-buyer", storeBuyerEN...)
	} else {
		lic = c.lang(c.sp("f-lic-en", storeLicenseEN...), c.sp("f-lic-ru", storeLicenseRU...))
		law = c.lang(c.sp("f-law-en", storeLawEN...), c.sp("f-law-ru", storeLawRU...))
		if c.s.variant&16 != 0 {
			lic = ""
		}
	}
	c.end(lic, law, c.f("© {since}–2010 {name}. "+c.lang("All rights reserved.", "Все права защищены.")))
}

func (c *pageCtx) priceText() {
	if c.s.perMB {
		c.both(c.sp("price-en", storePriceMBEN...), c.sp("price-ru", storePriceMBRU...))
	} else {
		c.both(c.sp("price-en", storePriceTrackEN...), c.sp("price-ru", storePriceTrackRU...))
	}
}

// albumsInPlan returns the album pages of the store's plan.
func (c *pageCtx) albumsInPlan() []pageDef {
	var out []pageDef
	for _, d := range c.plan {
		if d.typ == pAlbum {
			out = append(out, d)
		}
	}
	return out
}

func (c *pageCtx) pathOf(t pageType) string {
	for _, d := range c.plan {
		if d.typ == t {
			return d.path
		}
	}
	return ""
}

func (c *pageCtx) storeHome() {
	tag := c.lang(c.sp("tag-en", storeTaglineEN...), c.sp("tag-ru", storeTaglineRU...))
	c.begin(c.s.Name + " — " + tag)
	c.h1(tag)
	c.both(c.sp("intro-en", storeIntroEN...), c.sp("intro-ru", storeIntroRU...))
	c.priceText()
	c.both(c.sp("enc-en", storeEncodeEN...), c.sp("enc-ru", storeEncodeRU...))
	c.h2(c.lang(c.sp("new-en", "New releases", "New arrivals", "Just added", "Fresh albums"), c.sp("new-ru", "Новые поступления", "Новинки", "Свежие альбомы")))
	c.raw("<ul class=\"albums\">\n")
	for _, d := range c.albumsInPlan() {
		a := catalog[d.n]
		c.li(d.path, fmt.Sprintf("%s — %s (%d)", a.artist, a.title, a.year))
	}
	c.raw("</ul>\n")
	var more []pageDef
	for _, d := range c.plan {
		if d.typ == pArtist || d.typ == pGenre {
			more = append(more, d)
		}
	}
	if len(more) > 0 {
		c.h2(c.lang("Browse", "Каталог"))
		c.raw("<ul>\n")
		for _, d := range more {
			a := catalog[d.n]
			if d.typ == pArtist {
				c.li(d.path, a.artist)
			} else {
				c.li(d.path, c.lang(genreNames[a.genre][0], genreNames[a.genre][1]))
			}
		}
		c.raw("</ul>\n")
	}
	if p := c.pathOf(pBalance); p != "" {
		c.raw(`<div class="bonus">`)
		c.a(p, c.lang(c.sp("bonus-en", storeBonusEN...), c.sp("bonus-ru", storeBonusRU...)))
		c.raw("</div>\n")
	}
	c.both(c.sp("pay-en", storePayEN...), c.sp("pay-ru", storePayRU...))
	c.raw(`<form action="/search" method="get"><input type="text" name="q"><input type="submit" value="` + c.lang("Search", "Найти") + `"></form>` + "\n")
	c.storeEnd()
}

// picker writes the format and bitrate selector.
func (c *pageCtx) picker() {
	r := c.siteRand("picker")
	c.raw("<form class=\"picker\" action=\"/cart/add\" method=\"post\">\n<label>")
	c.text(c.lang(pick(r, []string{"Format:", "Choose format:", "Encoding:"}), pick(r, []string{"Формат:", "Выберите формат:"})))
	c.raw("</label>\n<select name=\"format\">\n")
	formats := []string{"MP3 (LAME)", "OGG Vorbis", "FLAC (lossless)", "AAC", "WMA"}
	if r.IntN(3) == 0 {
		formats = append(formats, "MPC", "WAV")
	}
	for _, f := range formats {
		c.raw("<option>" + f + "</option>\n")
	}
	c.raw("</select>\n<label>")
	c.text(c.lang(pick(r, []string{"Bitrate:", "Quality:"}), pick(r, []string{"Битрейт:", "Качество:"})))
	c.raw("</label>\n<select name=\"bitrate\">\n")
	for _, b := range []string{"128 kbps", "160 kbps", "192 kbps", "224 kbps", "256 kbps", "320 kbps", "VBR ~190 kbps"} {
		if !c.en {
			b = strings.Replace(b, "kbps", "кбит/с", 1)
		}
		c.raw("<option>" + b + "</option>\n")
	}
	c.raw("</select>\n<input type=\"submit\" value=\"")
	c.text(c.lang(pick(r, []string{"Add to cart", "Buy", "Download"}), pick(r, []string{"В корзину", "Купить", "Скачать"})))
	c.raw("\">\n</form>\n")
}

func (c *pageCtx) storeAlbum() {
	a := catalog[c.def.n]
	ts := albumTracks(c.def.n)
	c.vars["artist"], c.vars["album"], c.vars["year"] = a.artist, a.title, strconv.Itoa(a.year)
	title := c.lang(c.f(c.rp("{artist} — {album} ({year})", "Download {artist} — {album} in MP3, OGG, FLAC", "{artist} / {album}")),
		c.f(c.rp("{artist} — {album} ({year})", "Скачать {artist} — {album} в MP3", "{artist} / {album} — купить альбом")))
	c.begin(title + " | " + c.s.Name)
	c.h1(a.artist + " — " + a.title)
	total := 0
	for _, t := range ts {
		total += t.secs
	}
	c.p(c.lang(fmt.Sprintf("Year: %d. Genre: %s. Tracks: %d. Total time: %s.", a.year, genreNames[a.genre][0], len(ts), mmss(total)),
		fmt.Sprintf("Год: %d. Жанр: %s. Треков: %d. Время звучания: %s.", a.year, genreNames[a.genre][1], len(ts), mmss(total))))
	for _, d := range c.plan {
		if d.typ == pArtist && catalog[d.n].artist == a.artist {
			c.raw("<p>")
			c.a(d.path, c.lang("All albums by ", "Все альбомы: ")+a.artist)
			c.raw("</p>\n")
		}
	}
	c.picker()
	unit, _ := strconv.ParseFloat(c.vars["unit"], 64)
	ru := c.ru && (!c.en || c.s.variant&1 == 0)
	c.raw("<table class=\"tracks\">\n<tr><th>#</th><th>")
	c.text(c.lang("Title", "Название"))
	c.raw("</th><th>")
	c.text(c.lang("Time", "Время"))
	c.raw("</th><th>")
	c.text(c.lang("Size, MB (192 kbps)", "Размер, МБ (192 кбит/с)"))
	c.raw("</th><th>")
	c.text(c.lang("Price", "Цена"))
	c.raw("</th></tr>\n")
	sum := 0.0
	for j, t := range ts {
		mb := sizeMB(t.secs, 192)
		price := unit
		if c.s.perMB {
			price = round2(mb * unit)
		}
		sum += price
		c.raw(fmt.Sprintf("<tr><td>%d</td><td>", j+1))
		c.text(t.title)
		c.raw(fmt.Sprintf("</td><td>%s</td><td>%.1f</td><td>", mmss(t.secs), mb))
		c.text(money(c.s.Currency, price, ru))
		c.raw("</td></tr>\n")
	}
	c.raw("</table>\n")
	if c.s.perMB {
		c.p(c.lang(fmt.Sprintf("Whole album at 192 kbps: %.1f MB, %s. At 320 kbps the album is bigger and costs more; at 128 kbps less.", sizeMB(total, 192), money(c.s.Currency, round2(sum), ru)),
			fmt.Sprintf("Весь альбом в 192 кбит/с: %.1f МБ, %s. В 320 кбит/с файл больше и дороже, в 128 кбит/с — дешевле.", sizeMB(total, 192), money(c.s.Currency, round2(sum), ru))))
	} else {
		c.p(c.lang("Whole album: "+money(c.s.Currency, round2(unit*float64(len(ts))*0.8), ru)+" (20% cheaper than buying tracks one by one).",
			"Альбом целиком: "+money(c.s.Currency, round2(unit*float64(len(ts))*0.8), ru)+" (на 20% дешевле, чем по трекам)."))
	}
	c.both(c.sp("enc-en", storeEncodeEN...), c.sp("enc-ru", storeEncodeRU...))
	others := c.albumsInPlan()
	if len(others) > 1 {
		c.h2(c.lang(c.sp("also-en", "Customers also bought", "You may also like", "Similar albums"), c.sp("also-ru", "С этим альбомом покупают", "Похожие альбомы")))
		c.raw("<ul>\n")
		for _, d := range others {
			if d.path != c.path {
				c.li(d.path, catalog[d.n].artist+" — "+catalog[d.n].title)
			}
		}
		c.raw("</ul>\n")
	}
	c.storeEnd()
}

func (c *pageCtx) storeArtist() {
	a := catalog[c.def.n]
	c.begin(a.artist + " — " + c.lang("discography", "дискография") + " | " + c.s.Name)
	c.h1(a.artist)
	c.p(c.lang(c.rp("All albums by {artist} available for download in any format.", "{artist}: studio albums, compilations and singles.", "Discography of {artist}. Choose an album to see the track list and prices."),
		c.rp("Все альбомы {artist} доступны для скачивания в любом формате.", "Дискография {artist}: студийные альбомы, сборники и синглы.")))
	c.vars["artist"] = a.artist
	c.raw("<ul>\n")
	linked := map[int]string{}
	for _, d := range c.albumsInPlan() {
		linked[d.n] = d.path
	}
	for j, al := range catalog {
		if al.artist != a.artist {
			continue
		}
		if p, ok := linked[j]; ok {
			c.li(p, fmt.Sprintf("%s (%d)", al.title, al.year))
		} else {
			c.el("li", fmt.Sprintf("%s (%d)", al.title, al.year))
		}
	}
	c.raw("</ul>\n")
	c.priceText()
	c.storeEnd()
}

func (c *pageCtx) storeChart() {
	name := []string{"Billboard Hot 100", "UK Top 40 Singles"}[c.def.n]
	c.begin(name + " | " + c.s.Name)
	c.h1(c.lang(name+" — "+c.rp("this week", "download the hits", "top tracks"), "Хит-парад "+name))
	c.p(c.lang(c.rp("The chart is updated every week. Click an album to choose the format and download.", "Current hits from the official chart, available in MP3, OGG and FLAC."),
		c.rp("Чарт обновляется каждую неделю. Выберите альбом, чтобы скачать его в нужном формате.", "Актуальные хиты официального чарта — в MP3, OGG и FLAC.")))
	r := rand.New(rand.NewPCG(c.w.siteHash(c.i, "chart"), uint64(c.def.n)))
	albums := c.albumsInPlan()
	c.raw("<ol class=\"chart\">\n")
	for j := range 20 {
		if j < len(albums) && r.IntN(2) == 0 {
			a := catalog[albums[j].n]
			c.li(albums[j].path, a.artist+" — "+a.title)
			continue
		}
		c.el("li", pick(r, catalog).artist+" — "+trackTitle(r))
	}
	c.raw("</ol>\n")
	c.priceText()
	c.storeEnd()
}

func (c *pageCtx) storeBalance() {
	c.begin(c.lang(c.rp("Refill balance", "Top up your account", "Add funds"), c.rp("Пополнение баланса", "Пополнить счёт")) + " | " + c.s.Name)
	c.h1(c.lang("Your balance: "+money(c.s.Currency, 0, false), "Ваш баланс: "+money(c.s.Currency, 0, true)))
	c.both(c.sp("bonus-en", storeBonusEN...), c.sp("bonus-ru", storeBonusRU...))
	c.raw("<table class=\"bonus\">\n<tr><th>")
	c.text(c.lang("Payment", "Сумма"))
	c.raw("</th><th>")
	c.text(c.lang("Bonus", "Бонус"))
	c.raw("</th></tr>\n")
	for _, row := range [][2]string{{"{amt1}", "{b1}%"}, {"{amt2}", "{b2}%"}} {
		c.raw("<tr><td>")
		c.text(c.f(row[0]))
		c.raw("</td><td>+")
		c.text(c.f(row[1]))
		c.raw("</td></tr>\n")
	}
	c.raw("</table>\n")
	c.both(c.sp("pay-en", storePayEN...), c.sp("pay-ru", storePayRU...))
	c.p(c.lang(c.rp("Bonus money can be spent on any music in the catalogue.", "The bonus is credited automatically together with your payment."),
		c.rp("Бонус зачисляется автоматически вместе с платежом.", "Бонусные деньги можно потратить на любую музыку из каталога.")))
	c.storeEnd()
}

func (c *pageCtx) storeLicense() {
	c.begin(c.lang(c.rp("Legal information", "License", "Is it legal?"), c.rp("Правовая информация", "Лицензия", "Это законно?")) + " | " + c.s.Name)
	c.h1(c.lang("Legal information", "Правовая информация"))
	if c.intl() {
		for _, t := range c.spN("lic-intl", 2, storeLicenseIntl...) {
			c.p(t)
		}
		c.p(c.sp("law", storeLawIntl...))
		c.p(c.sp("buyer", storeBuyerEN...))
		c.storeEnd()
		return
	}
	en, ru := c.spN("lic-en", 2, storeLicenseEN...), c.spN("lic-ru", 2, storeLicenseRU...)
	c.both(en[0], ru[0])
	c.both(en[1], ru[1])
	c.both(c.sp("law-en", storeLawEN...), c.sp("law-ru", storeLawRU...))
	c.both(c.sp("buyer-en", storeBuyerEN...), c.sp("buyer-ru", storeBuyerRU...))
	c.both("Copies of the licences are available on request: {support}.", "Копии лицензий предоставляются по запросу: {support}.")
	c.storeEnd()
}

func (c *pageCtx) storeFormats() {
	c.begin(c.lang("Formats and quality", "Форматы и качество") + " | " + c.s.Name)
	c.h1(c.lang("Formats and quality", "Форматы и качество"))
	c.both(c.sp("enc-en", storeEncodeEN...), c.sp("enc-ru", storeEncodeRU...))
	c.raw("<table>\n<tr><th>" + c.lang("Format", "Формат") + "</th><th>" + c.lang("Bitrate", "Битрейт") + "</th><th>" + c.lang("MB per minute", "МБ в минуту") + "</th></tr>\n")
	for _, f := range []struct {
		name string
		kbps int
	}{{"MP3 (LAME)", 128}, {"MP3 (LAME)", 192}, {"MP3 (LAME)", 320}, {"OGG Vorbis", 192}, {"AAC", 256}, {"WMA", 192}, {"FLAC", 900}} {
		c.raw(fmt.Sprintf("<tr><td>%s</td><td>%d kbps</td><td>%.2f</td></tr>\n", f.name, f.kbps, sizeMB(60, f.kbps)))
	}
	c.raw("</table>\n")
	c.priceText()
	c.storeEnd()
}

func (c *pageCtx) storePayment() {
	c.begin(c.lang("Payment methods", "Способы оплаты") + " | " + c.s.Name)
	c.h1(c.lang("How to pay", "Как оплатить"))
	c.both(c.sp("pay-en", storePayEN...), c.sp("pay-ru", storePayRU...))
	r := c.familyRand("purses")
	c.raw("<ul>\n")
	if c.s.pay&payWebMoney != 0 {
		c.el("li", fmt.Sprintf("WebMoney: Z%012d, R%012d", r.Int64N(1e12), r.Int64N(1e12)))
	}
	if c.s.pay&payYandex != 0 {
		c.el("li", c.lang("Yandex.Money: ", "Яндекс.Деньги: ")+fmt.Sprintf("4100%011d", r.Int64N(1e11)))
	}
	if c.s.pay&payQIWI != 0 {
		c.el("li", c.lang("QIWI Wallet: pay at any QIWI terminal", "QIWI Кошелёк: оплата в любом терминале QIWI"))
	}
	if c.s.pay&payCards != 0 {
		// ChronoPay, Assist and Robokassa are Russian processors: only
		// Russia-linked stores use them.
		processors := []string{"2Checkout", "Moneybookers", "WorldPay"}
		if c.s.Flagged {
			processors = []string{"ChronoPay", "Assist", "Robokassa", "2Checkout", "Moneybookers"}
		}
		c.el("li", "Visa / MasterCard — "+pick(r, processors))
	}
	if c.s.pay&payPayPal != 0 {
		c.el("li", "PayPal")
	}
	c.raw("</ul>\n")
	c.both(c.sp("bonus-en", storeBonusEN...), c.sp("bonus-ru", storeBonusRU...))
	c.storeEnd()
}

func (c *pageCtx) storeNews() {
	c.begin(c.lang("News", "Новости") + " | " + c.s.Name)
	c.h1(c.lang("News", "Новости"))
	en := []string{"We have added {n} new albums to the catalogue this week.", "FLAC is now available for all new releases.",
		"Refill bonus increased: now up to {b2}% on payments from {amt2}.", "New payment method: {paylist}.",
		"Scheduled maintenance on Sunday night; downloads may be slow.", "The Billboard chart section is updated every Monday.",
		"Prices for the whole catalogue remain the same: {minprice}."}
	ru := []string{"На этой неделе в каталог добавлено {n} новых альбомов.", "Формат FLAC теперь доступен для всех новинок.",
		"Бонус за пополнение увеличен: до {b2}% при оплате от {amt2}.", "Новый способ оплаты: {paylist}.",
		"В ночь на воскресенье — профилактические работы, скачивание может быть медленным.", "Цены на весь каталог остаются прежними: {minprice}."}
	for j := range 3 + c.r.IntN(3) {
		c.vars["n"] = strconv.Itoa(500 + c.r.IntN(20000))
		c.raw(fmt.Sprintf("<div class=\"item\"><b>%02d.%02d.%d</b> ", 1+c.r.IntN(28), 1+c.r.IntN(12), 2009-j/2))
		c.text(c.lang(c.f(pick(c.r, en)), c.f(pick(c.r, ru))))
		c.raw("</div>\n")
	}
	c.storeEnd()
}

func (c *pageCtx) storeRegister() {
	c.begin(c.lang("Registration", "Регистрация") + " | " + c.s.Name)
	c.h1(c.lang("Create an account", "Регистрация"))
	c.raw(`<form action="/register" method="post"><input name="email" type="text"><input name="password" type="password"><input type="submit" value="OK"></form>` + "\n")
	c.p(c.lang("Registration is free. After signing up, refill your balance to start downloading.", "Регистрация бесплатна. После регистрации пополните баланс и начинайте скачивать."))
	if c.intl() {
		c.p(c.sp("buyer", storeBuyerEN...))
	} else {
		c.both(c.sp("buyer-en", storeBuyerEN...), c.sp("buyer-ru", storeBuyerRU...))
	}
	c.storeEnd()
}

func (c *pageCtx) storeGenre() {
	g := catalog[c.def.n].genre
	c.begin(c.lang(genreNames[g][0], genreNames[g][1]) + " | " + c.s.Name)
	c.h1(c.lang(genreNames[g][0], genreNames[g][1]))
	linked := map[int]string{}
	for _, d := range c.albumsInPlan() {
		linked[d.n] = d.path
	}
	c.raw("<ul>\n")
	shown := 0
	for j, al := range catalog {
		if al.genre != g || shown >= 15 {
			continue
		}
		shown++
		if p, ok := linked[j]; ok {
			c.li(p, al.artist+" — "+al.title)
		} else {
			c.el("li", al.artist+" — "+al.title)
		}
	}
	c.raw("</ul>\n")
	c.priceText()
	c.storeEnd()
}

func (c *pageCtx) storeFAQ() {
	c.begin(c.lang("Frequently asked questions", "Часто задаваемые вопросы") + " | " + c.s.Name)
	c.h1(c.lang("FAQ", "Вопросы и ответы"))
	qa := func(qen, qru, aen, aru string) {
		c.raw("<h3>")
		c.text(c.lang(qen, qru))
		c.raw("</h3>\n")
		c.both(aen, aru)
	}
	if c.intl() {
		qa("Is it legal?", "", c.spN("lic-intl", 1, storeLicenseIntl...)[0]+" "+c.sp("buyer", storeBuyerEN...), "")
	} else {
		qa("Is it legal?", "Это легально?", c.sp("lic-en", storeLicenseEN...)+" "+c.sp("buyer-en", storeBuyerEN...), c.sp("lic-ru", storeLicenseRU...)+" "+c.sp("buyer-ru", storeBuyerRU...))
	}
	if c.s.perMB {
		qa("How is the price calculated?", "Как считается цена?", c.sp("price-en", storePriceMBEN...), c.sp("price-ru", storePriceMBRU...))
	} else {
		qa("How much does a track cost?", "Сколько стоит трек?", c.sp("price-en", storePriceTrackEN...), c.sp("price-ru", storePriceTrackRU...))
	}
	qa("Which formats can I download?", "В каких форматах можно скачать?", c.sp("enc-en", storeEncodeEN...), c.sp("enc-ru", storeEncodeRU...))
	qa("How can I pay?", "Как оплатить?", c.sp("pay-en", storePayEN...), c.sp("pay-ru", storePayRU...))
	c.storeEnd()
}
