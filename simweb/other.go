package simweb

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// planHub lists a hub's pages: home, directory pages holding hubLinksPerDir links each, a top list and forms.
func planHub(s *Site, nLinks int) []pageDef {
	ru := s.Lang == "ru"
	L := func(en, r string) string {
		if ru {
			return r
		}
		return en
	}
	defs := []pageDef{{path: "/", typ: pHome, nav: L("Home", "Главная"), ext: -1},
		{path: "/top", typ: pTop, nav: L("Top sites", "Рейтинг"), ext: -1},
		{path: "/add", typ: pAddSite, nav: L("Add your site", "Добавить сайт"), ext: -1}}
	format := []string{"/dir/%d/", "/catalog/page%d.html", "/links/%d"}[s.variant%3]
	for j := range max(1, (nLinks+hubLinksPerDir-1)/hubLinksPerDir) {
		defs = append(defs, pageDef{path: fmt.Sprintf(format, j+1), typ: pDir, n: j, ext: j})
	}
	return defs
}

func (c *pageCtx) renderHub() {
	links := c.w.links[c.i]
	switch c.def.typ {
	case pHome:
		c.begin(c.s.Name)
		c.h1(c.s.Name)
		c.p(c.lang(c.sp("hi-en", "A hand-picked directory of useful sites: music, shopping, news, hobbies.", "The best links on the web, checked by our editors.", "Top rated sites, updated daily by visitor counts."),
			c.sp("hi-ru", "Каталог полезных сайтов: музыка, магазины, новости, увлечения.", "Лучшие ссылки Рунета, проверенные модераторами.", "Рейтинг сайтов по посещаемости, обновляется ежедневно.")))
		c.h2(c.lang("Categories", "Разделы"))
		c.raw("<ul>\n")
		cats := []string{c.lang("Music & MP3", "Музыка и MP3"), c.lang("Shopping", "Магазины"), c.lang("News & media", "Новости и СМИ"),
			c.lang("Hobbies", "Увлечения"), c.lang("Business", "Бизнес"), c.lang("Personal pages", "Личные страницы")}
		for _, d := range c.plan {
			if d.typ == pDir {
				c.li(d.path, cats[d.n%len(cats)]+" — "+c.lang("page ", "страница ")+strconv.Itoa(d.n+1))
			}
		}
		c.raw("</ul>\n")
		c.end()
	case pDir:
		c.begin(c.s.Name + " — " + c.lang("page ", "страница ") + strconv.Itoa(c.def.n+1))
		c.h1(c.lang("Sites", "Сайты"))
		c.raw("<ol class=\"dir\">\n")
		for _, t := range c.out {
			c.raw("<li>")
			c.a(c.siteURL(t, "/"), c.w.sites[t].Name)
			if d := c.describe(t); d != "" {
				c.text(" — " + d)
			}
			c.raw("</li>\n")
		}
		c.raw("</ol>\n<p>")
		for _, d := range c.plan {
			if d.typ == pDir && d.n != c.def.n && (d.n == c.def.n-1 || d.n == c.def.n+1) {
				c.a(d.path, map[bool]string{true: "«", false: "»"}[d.n < c.def.n])
				c.raw(" ")
			}
		}
		c.raw("</p>\n")
		c.end()
	case pTop:
		c.begin(c.lang("Top sites", "Рейтинг сайтов") + " — " + c.s.Name)
		c.h1(c.lang("Top 20 by visitors", "Топ-20 по посещаемости"))
		c.raw("<ol>\n")
		for _, t := range links[:min(20, len(links))] {
			c.raw("<li>")
			c.a(c.siteURL(t, "/"), c.w.sites[t].Name)
			c.text(fmt.Sprintf(" — %d", 100+c.r.IntN(50000)))
			c.raw("</li>\n")
		}
		c.raw("</ol>\n")
		c.end()
	case pAddSite:
		c.begin(c.lang("Add your site", "Добавить сайт") + " — " + c.s.Name)
		c.h1(c.lang("Add your site", "Добавить сайт"))
		c.p(c.lang("Put our button on your home page and fill in the form. Sites are checked within a week.", "Разместите нашу кнопку на главной странице и заполните форму. Проверка — в течение недели."))
		c.raw(`<form action="/add" method="post"><input name="url"><input name="title"><input type="submit"></form>` + "\n")
		c.end()
	default:
		c.otherCommon()
	}
}

// planOther lists pages of shops, news, forums, personal, company, robots-deny and calendar-trap sites.
func planOther(s *Site, r *rand.Rand) []pageDef {
	ru := s.Lang == "ru"
	L := func(en, r string) string {
		if ru {
			return r
		}
		return en
	}
	defs := []pageDef{{path: "/", typ: pHome, nav: L("Home", "Главная"), ext: 0}}
	add := func(d pageDef) { defs = append(defs, d) }
	switch s.Kind {
	case KindShop:
		for j := range 1 + r.IntN(2) {
			add(pageDef{path: fmt.Sprintf("/catalog/%d/", 1+j), typ: pCatalog, n: j, nav: L("Catalogue", "Каталог") + " " + strconv.Itoa(j+1), ext: -1})
		}
		for j := range 2 + r.IntN(4) {
			add(pageDef{path: fmt.Sprintf("/product/%d.html", 1000+j*37+r.IntN(30)), typ: pProduct, n: j, ext: -1})
		}
		add(pageDef{path: "/delivery", typ: pDelivery, nav: L("Delivery", "Доставка"), ext: -1})
		add(pageDef{path: "/contacts", typ: pContact, nav: L("Contacts", "Контакты"), ext: -1})
	case KindNews:
		for j := range 1 + r.IntN(2) {
			add(pageDef{path: fmt.Sprintf("/news/%s/", []string{"city", "culture", "sport"}[j]), typ: pSection, n: j, nav: L([]string{"City", "Culture", "Sport"}[j], []string{"Город", "Культура", "Спорт"}[j]), ext: -1})
		}
		for j := range 3 + r.IntN(5) {
			add(pageDef{path: fmt.Sprintf("/news/%d/%02d/%d.html", 2007+r.IntN(4), 1+r.IntN(12), 10000+r.IntN(90000)), typ: pArticle, n: j, ext: -(j % 2)})
		}
		add(pageDef{path: "/about", typ: pAbout, nav: L("About", "Редакция"), ext: -1})
	case KindForum:
		for j := range 1 + r.IntN(3) {
			add(pageDef{path: fmt.Sprintf("/forum/%d/", 1+j), typ: pSection, n: j, nav: L("Board", "Раздел") + " " + strconv.Itoa(j+1), ext: -1})
		}
		for j := range 3 + r.IntN(5) {
			add(pageDef{path: fmt.Sprintf("/thread/%d/", 100+j*53+r.IntN(50)), typ: pThread, n: j, ext: 0})
		}
		add(pageDef{path: "/rules", typ: pAbout, nav: L("Rules", "Правила"), ext: -1})
	case KindPersonal:
		opts := []pageDef{{path: "/photos.html", typ: pPhotos, nav: L("Photos", "Фото"), ext: -1},
			{path: "/music.html", typ: pArticle, nav: L("My music", "Моя музыка"), ext: -1},
			{path: "/guestbook", typ: pGuestbook, nav: L("Guestbook", "Гостевая"), ext: -1},
			{path: "/links.html", typ: pLinks, nav: L("Links", "Ссылки"), ext: 0},
			{path: "/about.html", typ: pAbout, nav: L("About me", "Обо мне"), ext: -1}}
		for _, j := range r.Perm(len(opts))[:2+r.IntN(4)] {
			add(opts[j])
		}
	case KindCalendarTrap:
		add(pageDef{path: "/events", typ: pEvents, nav: L("Events", "Афиша"), ext: -1})
		add(pageDef{path: "/about", typ: pAbout, nav: L("About", "О нас"), ext: -1})
	default: // companies and robots-deny sites
		opts := []pageDef{{path: "/services", typ: pServices, nav: L("Services", "Услуги"), ext: -1},
			{path: "/prices", typ: pPrices, nav: L("Prices", "Цены"), ext: -1},
			{path: "/contacts", typ: pContact, nav: L("Contacts", "Контакты"), ext: -1},
			{path: "/about", typ: pAbout, nav: L("About us", "О компании"), ext: -1},
			{path: "/news", typ: pArticle, nav: L("News", "Новости"), ext: -1}}
		for _, j := range r.Perm(len(opts))[:2+r.IntN(4)] {
			add(opts[j])
		}
	}
	return defs
}

func (c *pageCtx) renderOther() {
	switch c.s.Kind {
	case KindShop:
		c.shopPage()
	case KindNews:
		c.newsPage()
	case KindForum:
		c.forumPage()
	case KindPersonal:
		c.personalPage()
	case KindCalendarTrap:
		c.calendarPage()
	default:
		c.companyPage()
	}
}

// otherCommon draws about, contact, private and unknown pages for any site.
func (c *pageCtx) otherCommon() {
	switch c.def.typ {
	case pAbout:
		c.begin(c.lang("About", "О нас") + " — " + c.s.Name)
		c.h1(c.lang("About", "О нас"))
		c.p(c.lang(fmt.Sprintf("%s has been online since %d.", c.s.Name, 1999+c.s.variant%10), fmt.Sprintf("%s работает с %d года.", c.s.Name, 1999+c.s.variant%10)))
		c.end()
	case pContact:
		c.begin(c.lang("Contacts", "Контакты") + " — " + c.s.Name)
		c.h1(c.lang("Contacts", "Контакты"))
		c.contacts()
		c.end()
	case pPrivate:
		c.begin(c.lang("Restricted", "Закрытый раздел"))
		c.h1(c.lang("Please log in", "Требуется вход"))
		c.raw(`<form method="post"><input name="login"><input name="password" type="password"></form>` + "\n")
		c.end()
	default:
		c.notFound()
	}
}

func (c *pageCtx) contacts() {
	r := c.siteRand("contacts")
	ct := pick(r, cities)
	if c.ru {
		c.p(fmt.Sprintf("Адрес: г. %s, ул. %s, д. %d. Телефон: +7 (%03d) %03d-%02d-%02d. E-mail: info@%s", ct.cyr, title(pick(r, ruWords).cyr), 1+r.IntN(120), 300+r.IntN(600), r.IntN(1000), r.IntN(100), r.IntN(100), c.s.Host))
		return
	}
	c.p(fmt.Sprintf("Address: %d %s Street, %s. Phone: +%d %d %d. E-mail: info@%s", 1+r.IntN(200), title(pick(r, enNoun)), ct.en, 1+r.IntN(49), 100+r.IntN(900), 100000+r.IntN(900000), c.s.Host))
}

type product struct{ en, ru string }

var players = []product{{"Sony Walkman NWZ-B183 4 GB MP3 player", "MP3-плеер Sony Walkman NWZ-B183 4 ГБ"}, {"Apple iPod nano 8 GB", "Apple iPod nano 8 ГБ"},
	{"Samsung YP-U5 2 GB MP3 player", "MP3-плеер Samsung YP-U5 2 ГБ"}, {"Transcend MP330 8 GB", "Плеер Transcend MP330 8 ГБ"},
	{"Creative ZEN Mozaic 4 GB", "Creative ZEN Mozaic 4 ГБ"}, {"Philips GoGear Raga 4 GB", "Philips GoGear Raga 4 ГБ"},
	{"Cowon iAudio E2 2 GB", "Cowon iAudio E2 2 ГБ"}, {"Ritmix RF-4450 4 GB", "MP3-плеер Ritmix RF-4450 4 ГБ"},
	{"Sennheiser HD 201 headphones", "Наушники Sennheiser HD 201"}, {"Koss Porta Pro headphones", "Наушники Koss Porta Pro"}}

var goods = [][]product{
	{{"Garden chair", "Садовое кресло"}, {"Oak bookshelf", "Книжный шкаф из дуба"}, {"Kitchen table", "Кухонный стол"}, {"Sofa bed", "Диван-кровать"}},
	{{"Bouquet of 25 roses", "Букет из 25 роз"}, {"Tulips, 15 pcs", "Тюльпаны, 15 шт."}, {"Gift basket", "Подарочная корзина"}},
	{{"Cordless drill", "Аккумуляторная дрель"}, {"Tool set, 108 pieces", "Набор инструментов, 108 предметов"}, {"Ladder 3 m", "Стремянка 3 м"}},
	{{"Winter jacket", "Зимняя куртка"}, {"Leather boots", "Кожаные сапоги"}, {"Wool scarf", "Шерстяной шарф"}},
	{{"Detective novel", "Детективный роман"}, {"Cookbook", "Кулинарная книга"}, {"Road atlas", "Атлас автодорог"}},
}

// shopGoods returns what the shop sells: MP3 players and headphones for electronics shops.
func (c *pageCtx) shopGoods() ([]product, bool) {
	if c.s.variant%5 < 2 {
		return players, true
	}
	return goods[int(c.s.variant>>3)%len(goods)], false
}

func (c *pageCtx) shopPrice(j int, electronics bool) string {
	r := rand.New(rand.NewPCG(c.w.siteHash(c.i, "price"), uint64(j)))
	usd := float64(20 + r.IntN(200))
	if !electronics {
		usd = float64(10 + r.IntN(150))
	}
	v := perUSD(c.s.Currency, usd)
	if c.s.Currency == "RUB" {
		v = float64(int(v)/100*100 + 90) // shop prices end in 90: 2 990 руб.
	}
	return money(c.s.Currency, v, c.ru)
}

func (c *pageCtx) shopPage() {
	items, electronics := c.shopGoods()
	name := func(p product) string { return c.lang(p.en, p.ru) }
	foot := c.lang("Payment: "+payList(c.s.pay, false)+". Delivery across the country.", "Оплата: наличными курьеру, "+payList(c.s.pay, true)+". Доставка по всей России.")
	switch c.def.typ {
	case pHome, pCatalog:
		title := c.s.Name
		if electronics {
			title += c.lang(" — MP3 players, headphones, gadgets", " — MP3-плееры, наушники, электроника")
		}
		c.begin(title)
		c.h1(c.lang(c.sp("sh-en", "Welcome to our shop", "Great prices every day", "Free delivery on orders over 50"), c.sp("sh-ru", "Добро пожаловать в наш магазин", "Низкие цены каждый день", "Бесплатная доставка от 3000 руб.")))
		if electronics {
			c.p(c.lang("Players support MP3, WMA and OGG; some models play FLAC. All goods are certified, with an official warranty.",
				"Плееры поддерживают MP3, WMA и OGG, некоторые модели — FLAC. Весь товар сертифицирован, официальная гарантия."))
		}
		if c.def.typ == pCatalog {
			c.h2(c.def.nav)
		}
		c.raw("<ul class=\"goods\">\n")
		for _, d := range c.plan {
			if d.typ == pProduct && (c.def.typ == pHome || d.n%2 == c.def.n%2) {
				c.li(d.path, name(items[d.n%len(items)])+" — "+c.shopPrice(d.n, electronics))
			}
		}
		c.raw("</ul>\n")
		c.end(foot)
	case pProduct:
		p := items[c.def.n%len(items)]
		c.begin(name(p) + " — " + c.s.Name)
		c.h1(name(p))
		c.p(c.lang("Price: ", "Цена: ") + c.shopPrice(c.def.n, electronics))
		if electronics {
			c.p(c.lang("Formats: MP3, WMA, WAV. Battery: up to 18 hours. FM radio, voice recorder.", "Форматы: MP3, WMA, WAV. Аккумулятор: до 18 часов. FM-радио, диктофон."))
		}
		c.raw(`<form action="/cart/add" method="post"><input type="submit" value="` + c.lang("Add to cart", "В корзину") + `"></form>` + "\n")
		c.end(foot)
	case pDelivery:
		c.begin(c.lang("Delivery and payment", "Доставка и оплата") + " — " + c.s.Name)
		c.h1(c.lang("Delivery and payment", "Доставка и оплата"))
		c.p(c.lang("Courier delivery in the city next day; by post to other regions.", "Курьерская доставка по городу — на следующий день, в регионы — Почтой России."))
		c.p(foot)
		c.end()
	default:
		c.otherCommon()
	}
}

var (
	newsEN = []string{"City council approves new budget", "Heavy snow expected this weekend in {city}", "Local team wins regional cup",
		"New metro line opens in {city}", "Utility prices to rise from January", "Music festival draws record crowd in {city}",
		"Court postpones hearing in music piracy case", "Police warn of online shopping fraud", "Hospital gets new equipment",
		"Record labels call for tougher rules on download sites"}
	newsRU = []string{"Городская дума утвердила бюджет", "В выходные в городе {city} ожидается сильный снегопад", "Местная команда выиграла кубок области",
		"В городе {city} открылась новая станция метро", "С января вырастут тарифы ЖКХ", "Музыкальный фестиваль собрал рекордное число зрителей",
		"Суд отложил рассмотрение дела о музыкальном пиратстве", "Полиция предупреждает о мошенничестве в интернет-магазинах",
		"В больнице установили новое оборудование", "Звукозаписывающие компании требуют ужесточить контроль за сайтами для скачивания"}
)

func (c *pageCtx) headline(j int) string {
	order := c.siteRand("headlines").Perm(len(newsRU))
	k := order[j%len(order)]
	ct := pick(rand.New(rand.NewPCG(c.w.siteHash(c.i, "headline"), uint64(j))), cities)
	c.vars["city"] = ct.en
	if c.ru {
		c.vars["city"] = ct.cyr
	}
	return c.lang(newsEN[k], newsRU[k])
}

func (c *pageCtx) newsPage() {
	switch c.def.typ {
	case pHome, pSection:
		c.begin(c.s.Name)
		c.h1(c.s.Name)
		c.raw("<ul class=\"news\">\n")
		for _, d := range c.plan {
			if d.typ == pArticle {
				c.li(d.path, c.headline(d.n))
			}
		}
		c.raw("</ul>\n")
		c.end("© " + c.s.Name + c.lang(". Reprints only with a link to the source.", ". Перепечатка только со ссылкой на источник."))
	case pArticle:
		h := c.headline(c.def.n)
		c.begin(h + " — " + c.s.Name)
		c.h1(h)
		en := []string{"Officials said more details would be announced next week.", "Residents have mixed feelings about the decision.",
			"The story is developing; we will update this article.", "According to the press service, the work will be finished by the end of the year.",
			"Our correspondent asked passers-by what they think.", "Comments are closed for this article."}
		ru := []string{"Подробности обещают сообщить на следующей неделе.", "Жители города восприняли новость неоднозначно.",
			"Мы следим за развитием событий.", "По данным пресс-службы, работы завершатся до конца года.",
			"Наш корреспондент спросил у прохожих, что они думают.", "Комментарии к этой новости закрыты."}
		for _, k := range c.r.Perm(len(en))[:2+c.r.IntN(3)] {
			c.p(c.lang(en[k], ru[k]))
		}
		c.end("© " + c.s.Name)
	default:
		c.otherCommon()
	}
}

var (
	threadsRU = []string{"Где легально купить музыку в mp3?", "Посоветуйте mp3-плеер до 3000 рублей", "Какой битрейт выбрать: 192 или 320?",
		"Продам гитару, недорого", "Оффтоп: погода на выходных", "Кто был на концерте в субботу?", "FLAC против MP3 — слышите разницу?",
		"Нашёл сайт, где альбом стоит 30 рублей — это законно?"}
	threadsEN = []string{"Best place to buy FLAC?", "Recommend an MP3 player under $100", "192 or 320 kbps?", "Selling my old amp",
		"Off-topic: weekend plans", "Anyone at the gig on Saturday?", "Russian MP3 sites — legit or not?", "Streaming subscriptions compared"}
	postsRU = []string{"Я брал на одном сайте альбомы по 2 цента за мегабайт, там ещё лицензия РОМС висит. Но говорят, это не совсем легально.",
		"Покупаю на стриминге по подписке, 169 руб. в месяц, и не парюсь.", "Плеер брал в интернет-магазине за 2 490 руб., доволен.",
		"320 kbps и не думай, место сейчас дешёвое.", "Зайди в раздел lossless на трекере, там всё есть.", "+1, согласен с предыдущим оратором.",
		"Ссылку дайте, пожалуйста!", "Правила форума читали? Ссылки на варез запрещены."}
	postsEN = []string{"I used one of those Russian sites, about 15 cents a track, they claim a ROMS licence. Not sure it's really legal here.",
		"Just pay for a streaming subscription, it's cheaper in the long run.", "Got my player for $60 online, works fine with OGG.",
		"320 kbps, storage is cheap.", "Check the lossless section on the tracker.", "+1 to that.", "Link please?", "No warez links, read the rules."}
)

func (c *pageCtx) forumPage() {
	order := c.siteRand("threads").Perm(len(threadsRU))
	thread := func(n int) string {
		j := order[n%len(order)]
		return c.lang(threadsEN[j%len(threadsEN)], threadsRU[j])
	}
	switch c.def.typ {
	case pHome, pSection:
		c.begin(c.s.Name)
		c.h1(c.s.Name)
		c.p(c.lang(fmt.Sprintf("Members: %d. Posts: %d.", 500+c.r.IntN(50000), 10000+c.r.IntN(900000)), fmt.Sprintf("Участников: %d. Сообщений: %d.", 500+c.r.IntN(50000), 10000+c.r.IntN(900000))))
		c.raw("<table class=\"threads\">\n")
		for _, d := range c.plan {
			if d.typ == pThread {
				c.raw("<tr><td>")
				c.a(d.path, thread(d.n))
				c.raw(fmt.Sprintf("</td><td>%d</td></tr>\n", 1+c.r.IntN(200)))
			}
		}
		c.raw("</table>\n")
		c.end()
	case pThread:
		t := thread(c.def.n)
		c.begin(t + " — " + c.s.Name)
		c.h1(t)
		for range 3 + c.r.IntN(5) {
			nick := pick(c.r, ruFirst).lat + strconv.Itoa(c.r.IntN(100))
			c.raw(`<div class="post"><b>` + nick + fmt.Sprintf("</b> %02d.%02d.%d<br>\n", 1+c.r.IntN(28), 1+c.r.IntN(12), 2006+c.r.IntN(5)))
			c.text(c.lang(pick(c.r, postsEN), pick(c.r, postsRU)))
			c.raw("</div>\n")
		}
		c.end()
	default:
		c.otherCommon()
	}
}

func (c *pageCtx) personalPage() {
	r := c.siteRand("me")
	ct := pick(r, cities)
	first := strings.Fields(c.s.Name)[0]
	switch c.def.typ {
	case pHome:
		c.begin(c.lang(first+"'s home page", "Домашняя страница: "+c.s.Name))
		c.h1(c.lang("Hi, I'm "+first+"!", "Привет! Меня зовут "+first+"."))
		c.p(c.lang(c.sp("ph-en", "I live in "+ct.en+" and this is my little corner of the web.", "Welcome to my home page. Here you will find photos, my favourite music and links."),
			c.sp("ph-ru", "Я живу в городе "+ct.cyr+", а это мой маленький уголок в интернете.", "Добро пожаловать на мою страничку! Здесь фотографии, любимая музыка и ссылки.")))
		c.p(c.lang("Visitors: ", "Посетителей: ") + strconv.Itoa(100+c.r.IntN(20000)))
		c.end(c.lang("Last updated ", "Обновлено ") + fmt.Sprintf("%02d.%02d.%d", 1+r.IntN(28), 1+r.IntN(12), 2003+r.IntN(8)))
	case pPhotos:
		c.begin(c.lang("Photos", "Фотографии"))
		c.h1(c.lang("My photos", "Мои фотографии"))
		for _, t := range []string{c.lang("Holidays at the sea", "Отпуск на море"), c.lang("Our dacha", "Наша дача"), c.lang("New Year", "Новый год")} {
			c.el("p", t+fmt.Sprintf(" %d", 2004+r.IntN(6)))
		}
		c.end()
	case pArticle:
		c.begin(c.lang("My music", "Моя музыка"))
		c.h1(c.lang("Music I like", "Любимая музыка"))
		c.raw("<ul>\n")
		for range 5 {
			if c.ru && c.r.IntN(2) == 0 {
				c.el("li", pick(c.r, ruArtists).cyr)
			} else {
				c.el("li", pick(c.r, catalog).artist)
			}
		}
		c.raw("</ul>\n")
		c.p(c.lang("My MP3 collection is over 40 GB now, mostly ripped from my own CDs.", "Моя коллекция mp3 уже больше 40 гигабайт, в основном с моих дисков."))
		c.end()
	case pGuestbook:
		c.begin(c.lang("Guestbook", "Гостевая книга"))
		c.h1(c.lang("Guestbook", "Гостевая книга"))
		for range 3 + c.r.IntN(4) {
			c.p(pick(c.r, ruFirst).cyr + ": " + c.lang(pick(c.r, []string{"Nice site!", "Great photos", "Hello from Moscow", "Add me to your links"}),
				pick(c.r, []string{"Классный сайт!", "Отличные фото", "Привет из Москвы", "Давай обменяемся ссылками"})))
		}
		c.end()
	case pAbout:
		c.begin(c.lang("About me", "Обо мне"))
		c.h1(c.lang("About me", "Обо мне"))
		c.p(c.lang(fmt.Sprintf("I am %d, I work as %s and in my free time I play guitar and collect records.", 20+r.IntN(35), pick(r, []string{"an engineer", "a teacher", "a programmer", "a doctor"})),
			fmt.Sprintf("Мне %d лет, работаю %s, в свободное время играю на гитаре и собираю пластинки.", 20+r.IntN(35), pick(r, []string{"инженером", "учителем", "программистом", "врачом"}))))
		c.end()
	case pLinks:
		c.begin(c.lang("Links", "Ссылки"))
		c.h1(c.lang("Links", "Ссылки"))
		c.p(c.lang("Sites of my friends and sites I like.", "Сайты друзей и просто интересные ссылки."))
		c.end()
	default:
		c.otherCommon()
	}
}

func (c *pageCtx) companyPage() {
	r := c.siteRand("company")
	services := c.lang(pick(r, []string{"Construction and repair", "Freight transport", "Office supplies", "Web design", "Accounting services", "Heating systems"}),
		pick(r, []string{"Строительство и ремонт", "Грузоперевозки", "Канцтовары оптом", "Разработка сайтов", "Бухгалтерские услуги", "Системы отопления"}))
	switch c.def.typ {
	case pHome:
		c.begin(c.s.Name + " — " + services)
		c.h1(c.s.Name)
		c.p(c.lang(fmt.Sprintf("%s: %s since %d. Reliable, on time, with a guarantee.", c.s.Name, strings.ToLower(services), 1995+r.IntN(14)),
			fmt.Sprintf("%s: %s с %d года. Надёжно, в срок, с гарантией.", c.s.Name, strings.ToLower(services), 1995+r.IntN(14))))
		c.end("© " + c.s.Name)
	case pServices:
		c.begin(c.lang("Services", "Услуги") + " — " + c.s.Name)
		c.h1(services)
		c.raw("<ul>\n")
		for range 4 {
			c.el("li", c.lang(pick(c.r, []string{"Consultation", "Delivery", "Installation", "Maintenance", "Design"}), pick(c.r, []string{"Консультация", "Доставка", "Монтаж", "Обслуживание", "Проектирование"})))
		}
		c.raw("</ul>\n")
		c.end()
	case pPrices:
		c.begin(c.lang("Prices", "Цены") + " — " + c.s.Name)
		c.h1(c.lang("Price list", "Прайс-лист"))
		cur := c.s.Currency
		if cur == "" {
			cur = map[bool]string{true: "RUB", false: "USD"}[c.ru]
		}
		c.raw("<ul>\n")
		for j := range 5 {
			c.el("li", fmt.Sprintf("%s %d — %s", c.lang("Item", "Позиция"), j+1, money(cur, perUSD(cur, float64(10+c.r.IntN(500))), c.ru)))
		}
		c.raw("</ul>\n")
		c.end()
	case pArticle:
		c.begin(c.lang("News", "Новости") + " — " + c.s.Name)
		c.h1(c.lang("Company news", "Новости компании"))
		c.p(c.lang("We have moved to a new office.", "Мы переехали в новый офис."))
		c.end()
	default:
		c.otherCommon()
	}
}

// calendarPath reports whether c.path is /calendar/YEAR/MONTH of the endless calendar.
func (c *pageCtx) calendarPath() bool {
	_, _, ok := parseCalendar(c.path)
	return ok
}

func parseCalendar(path string) (year, month int, ok bool) {
	rest, found := strings.CutPrefix(path, "/calendar/")
	if !found {
		return 0, 0, false
	}
	ys, ms, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	y, err1 := strconv.Atoi(ys)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || y < 1 || y > 999999 || m < 1 || m > 12 || strconv.Itoa(y) != ys || fmt.Sprintf("%02d", m) != ms {
		return 0, 0, false
	}
	return y, m, true
}

func calendarURL(y, m int) string { return fmt.Sprintf("/calendar/%d/%02d", y, m) }

// calendarPage draws the trap: every month links to the next and the previous one, forever.
func (c *pageCtx) calendarPage() {
	switch c.def.typ {
	case pHome, pEvents:
		c.begin(c.s.Name + " — " + c.lang("events calendar", "календарь событий"))
		c.h1(c.lang("Events calendar", "Календарь событий"))
		c.p(c.lang("Concerts, exhibitions and meetings in our city.", "Концерты, выставки и встречи в нашем городе."))
		c.raw("<p>")
		c.a(calendarURL(2026, 11), c.lang("Open the calendar", "Открыть календарь"))
		c.raw("</p>\n")
		c.end()
	case pCalendar:
		y, m, _ := parseCalendar(c.path)
		py, pm, ny, nm := y, m-1, y, m+1
		if pm == 0 {
			py, pm = y-1, 12
		}
		if nm == 13 {
			ny, nm = y+1, 1
		}
		monthsEN := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
		monthsRU := []string{"Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"}
		c.begin(fmt.Sprintf("%s %d — %s", c.lang(monthsEN[m-1], monthsRU[m-1]), y, c.s.Name))
		c.h1(fmt.Sprintf("%s %d", c.lang(monthsEN[m-1], monthsRU[m-1]), y))
		c.raw("<p>")
		if py >= 1 {
			c.a(calendarURL(py, pm), c.lang("« previous month", "« предыдущий месяц"))
			c.raw(" | ")
		}
		c.a(calendarURL(ny, nm), c.lang("next month »", "следующий месяц »"))
		c.raw("</p>\n")
		c.p(c.lang("No events this month.", "В этом месяце событий нет."))
		c.end()
	default:
		c.otherCommon()
	}
}
