package simweb

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// planMusic lists the pages of piracy decoys and legitimate music sites.
func planMusic(s *Site, r *rand.Rand) []pageDef {
	ru := s.Lang == "ru"
	L := func(en, r string) string {
		if ru {
			return r
		}
		return en
	}
	home := pageDef{path: "/", typ: pHome, nav: L("Home", "Главная"), ext: 0}
	defs := []pageDef{home}
	items := func(n int, typ pageType, format string, ext int) {
		for _, a := range r.Perm(len(catalog))[:n] {
			p := fmt.Sprintf(format, albumID(s.Index, a))
			if strings.Count(format, "%") == 2 {
				p = fmt.Sprintf(format, albumID(s.Index, a), slug(catalog[a].artist))
			}
			defs = append(defs, pageDef{path: p, typ: typ, n: a, ext: ext})
		}
	}
	switch s.Kind {
	case KindFreeMP3:
		items(3+r.IntN(3), pTrack, pick(r, []string{"/mp3/%d-%s.html", "/song/%d/%s", "/download/%d-%s/"}), -1)
		defs = append(defs,
			pageDef{path: "/top100", typ: pChart, nav: L("Top 100", "Топ 100"), ext: -1},
			pageDef{path: "/new", typ: pSection, nav: L("New", "Новинки"), ext: 0},
			pageDef{path: pick(r, []string{"/dmca", "/pravoobladatelyam", "/copyright"}), typ: pRules, nav: L("Copyright", "Правообладателям"), ext: -1})
	case KindTorrent:
		defs[0].nav = L("Tracker", "Трекер")
		for j := range 1 + r.IntN(2) {
			defs = append(defs, pageDef{path: fmt.Sprintf("/forum/%d/", 10+j*7+r.IntN(5)), typ: pTorrentList, n: j, nav: L("Music", "Музыка") + " " + strconv.Itoa(j+1), ext: -1})
		}
		items(3+r.IntN(4), pTorrentTopic, "/topic/%d/", -1)
		defs = append(defs, pageDef{path: "/rules", typ: pRules, nav: L("Rules", "Правила"), ext: 0},
			pageDef{path: "/register", typ: pRegister, nav: L("Register", "Регистрация"), ext: -1})
	case KindStreaming:
		defs = append(defs, pageDef{path: pick(r, []string{"/subscribe", "/plans", "/premium"}), typ: pPlans, nav: L("Subscription", "Подписка"), ext: -1})
		for j := range 2 + r.IntN(3) {
			defs = append(defs, pageDef{path: fmt.Sprintf("/playlist/%d", 100+j*13+r.IntN(9)), typ: pPlaylist, n: j, ext: -1})
		}
		defs = append(defs, pageDef{path: "/about", typ: pAbout, nav: L("About", "О сервисе"), ext: 0},
			pageDef{path: "/help", typ: pFAQ, nav: L("Help", "Помощь"), ext: -1})
	case KindTrackStore:
		items(3+r.IntN(3), pAlbum, "/album/%d/%s", -1)
		defs = append(defs, pageDef{path: "/charts", typ: pChart, nav: "Charts", ext: -1},
			pageDef{path: "/help/formats", typ: pFormats, nav: "Formats & quality", ext: -1},
			pageDef{path: "/terms", typ: pLicense, nav: "Terms of sale", ext: -1},
			pageDef{path: "/about", typ: pAbout, nav: "About us", ext: 0})
	case KindLabel:
		defs = append(defs, pageDef{path: "/artists", typ: pArtists, nav: L("Artists", "Артисты"), ext: -1},
			pageDef{path: "/releases", typ: pArchive, nav: L("Releases", "Релизы"), ext: -1})
		for j := range 2 + r.IntN(3) {
			defs = append(defs, pageDef{path: fmt.Sprintf("/release/cat%03d", 10+j*3+r.IntN(3)), typ: pRelease, n: j, ext: -1})
		}
		defs = append(defs, pageDef{path: "/demo", typ: pDemo, nav: L("Demos", "Демо"), ext: -1},
			pageDef{path: "/contact", typ: pContact, nav: L("Contact", "Контакты"), ext: 0})
	case KindRadio:
		defs = append(defs, pageDef{path: "/schedule", typ: pSchedule, nav: L("Schedule", "Программа"), ext: -1},
			pageDef{path: "/playlist", typ: pPlaylist, nav: L("Playlist", "Плейлист"), ext: -1},
			pageDef{path: "/about", typ: pAbout, nav: L("About", "О радио"), ext: 0},
			pageDef{path: "/advertising", typ: pPrices, nav: L("Advertising", "Реклама"), ext: -1},
			pageDef{path: "/contact", typ: pContact, nav: L("Contact", "Контакты"), ext: -1})
	case KindMusicBlog:
		n := 3 + r.IntN(4)
		topics := append([]int{0}, r.Perm(len(blogTopics) - 1)[:n-1]...)
		for j, t := range topics {
			if j > 0 {
				t++
			}
			defs = append(defs, pageDef{path: fmt.Sprintf("/%d/%02d/%s.html", 2006+r.IntN(4), 1+r.IntN(12), blogTopics[t]), typ: pPost, n: t, ext: 0})
		}
		defs = append(defs, pageDef{path: "/archive", typ: pArchive, nav: L("Archive", "Архив"), ext: -1},
			pageDef{path: "/about", typ: pAbout, nav: L("About", "Об авторе"), ext: -1})
	}
	return defs
}

// blogTopics are the slugs of blog posts; topic 0 is always the AllofMP3 story.
var blogTopics = []string{"allofmp3-story", "streaming-vs-downloads", "vinyl-is-back", "album-review", "concert-report",
	"lossless-or-not", "label-deals", "mp3-players-compared", "russian-music-market", "cheap-mp3-sites-legal"}

// renderPiracy draws free-download and torrent pages.
func (c *pageCtx) renderPiracy() {
	yr := strconv.Itoa(2008 + int(c.s.variant%3))
	c.vars["yr"] = yr
	switch c.def.typ {
	case pHome, pSection:
		if c.s.Kind == KindTorrent {
			c.torrentHome()
		} else {
			c.freeHome()
		}
	case pTrack:
		c.freeTrack()
	case pChart:
		c.freeChart()
	case pRules:
		c.piracyRules()
	case pTorrentList:
		c.torrentList()
	case pTorrentTopic:
		c.torrentTopic()
	case pRegister:
		c.begin(c.lang("Registration", "Регистрация") + " :: " + c.s.Name)
		c.h1(c.lang("Registration", "Регистрация"))
		c.p(c.lang("Only registered users can download .torrent files. Registration is free.", "Скачивать .torrent-файлы могут только зарегистрированные пользователи. Регистрация бесплатна."))
		c.raw(`<form action="/register" method="post"><input name="login"><input name="password" type="password"><input type="submit"></form>` + "\n")
		c.end()
	case pPrivate:
		c.begin(c.lang("Administration", "Администрирование"))
		c.p(c.lang("Access denied.", "Доступ запрещён."))
		c.end()
	default:
		c.notFound()
	}
}

var (
	freeH1EN    = []string{"Download free MP3 — no registration, no limits", "Free music downloads at 320 kbps", "New music {yr}: download MP3 for free", "Free MP3 search and download"}
	freeH1RU    = []string{"Скачать музыку бесплатно без регистрации", "Новинки музыки {yr} — скачать mp3 бесплатно", "Бесплатная музыка в хорошем качестве 320 kbps", "Слушать онлайн и скачать mp3"}
	freeIntroEN = []string{
		"Thousands of songs added every day. Listen online or download MP3 files directly, without waiting and without sign-up.",
		"{name} collects the best tracks from all over the web. All downloads are free and fast.",
		"Search for any artist and get the MP3 in seconds. Direct links, no captchas.",
	}
	freeIntroRU = []string{
		"Каждый день — тысячи новых песен. Слушайте онлайн или скачивайте mp3 по прямым ссылкам, без ожидания и регистрации.",
		"На {name} собраны лучшие треки со всего интернета. Скачивание бесплатное и быстрое.",
		"Найдите любого исполнителя и скачайте mp3 за пару секунд. Прямые ссылки, без смс.",
	}
	freeDisclaimerEN = []string{
		"All files are uploaded by users and provided for preview only. Delete them within 24 hours and buy the original.",
		"We do not host any files. If you are a copyright holder and want a link removed, contact us.",
		"MP3s on this site are for personal listening. Support the artists — buy their albums.",
	}
	freeDisclaimerRU = []string{
		"Все файлы добавлены пользователями и предоставлены исключительно для ознакомления. После прослушивания удалите файл и приобретите лицензионную копию.",
		"Администрация сайта не хранит файлы на своём сервере. Правообладателям: для удаления ссылки напишите нам.",
		"Музыка размещена для ознакомительного прослушивания. Поддержите артистов — покупайте лицензионные диски.",
	}
)

func (c *pageCtx) freeHome() {
	h := c.lang(c.sp("h1-en", freeH1EN...), c.sp("h1-ru", freeH1RU...))
	c.begin(h + " — " + c.s.Name)
	c.h1(h)
	c.p(c.lang(c.sp("intro-en", freeIntroEN...), c.sp("intro-ru", freeIntroRU...)))
	c.h2(c.lang("Popular songs", "Популярные песни"))
	c.raw("<ul>\n")
	for _, d := range c.plan {
		if d.typ == pTrack {
			a := catalog[d.n]
			c.li(d.path, a.artist+" — "+albumTracks(d.n)[0].title+".mp3")
		}
	}
	if c.ru {
		for range 4 {
			a := pick(c.r, ruArtists)
			c.el("li", a.cyr+" — "+trackTitleRU(c.r)+".mp3")
		}
	}
	c.raw("</ul>\n")
	c.p(c.lang(c.rp("Formats: MP3 128–320 kbps. Bitrate is shown next to each song.", "Most files are 320 kbps. Free ringtones too!"),
		c.rp("Форматы: mp3 128–320 kbps. Битрейт указан рядом с каждой песней.", "Большинство файлов в качестве 320 kbps. Бесплатные рингтоны!")))
	c.end(c.lang(c.sp("disc-en", freeDisclaimerEN...), c.sp("disc-ru", freeDisclaimerRU...)))
}

func (c *pageCtx) freeTrack() {
	a := catalog[c.def.n]
	t := albumTracks(c.def.n)[0]
	kbps := pick(c.r, []int{128, 192, 256, 320, 320})
	name := a.artist + " — " + t.title
	c.begin(c.lang("Download "+name+" mp3 free", "Скачать "+name+" mp3 бесплатно"))
	c.h1(name)
	c.p(fmt.Sprintf("%s: %s, %d kbps, %.1f MB", c.lang("Duration", "Длительность"), mmss(t.secs), kbps, sizeMB(t.secs, kbps)))
	c.p(c.lang("Album: ", "Альбом: ") + a.title + fmt.Sprintf(" (%d)", a.year))
	c.raw(`<p><a class="download" href="/get/` + strconv.Itoa(albumID(c.i, c.def.n)) + `.mp3">`)
	c.text(c.lang(c.rp("Download free", "Download MP3", "Free download"), c.rp("Скачать бесплатно", "Скачать mp3")))
	c.raw("</a></p>\n")
	c.p(c.lang("No registration and no SMS required.", "Без регистрации и без отправки SMS."))
	c.h2(c.lang("Other songs", "Другие песни"))
	c.raw("<ul>\n")
	for _, d := range c.plan {
		if d.typ == pTrack && d.path != c.path {
			c.li(d.path, catalog[d.n].artist+" — "+albumTracks(d.n)[0].title)
		}
	}
	c.raw("</ul>\n")
	c.end(c.lang(c.sp("disc-en", freeDisclaimerEN...), c.sp("disc-ru", freeDisclaimerRU...)))
}

func (c *pageCtx) freeChart() {
	c.begin(c.lang("Top 100 songs — download free", "Топ 100 песен — скачать бесплатно"))
	c.h1(c.lang("Top 100", "Топ 100"))
	c.raw("<ol>\n")
	for range 25 {
		if c.ru && c.r.IntN(2) == 0 {
			c.el("li", pick(c.r, ruArtists).cyr+" — "+trackTitleRU(c.r))
		} else {
			c.el("li", pick(c.r, catalog).artist+" — "+trackTitle(c.r))
		}
	}
	c.raw("</ol>\n")
	c.end(c.lang(c.sp("disc-en", freeDisclaimerEN...), c.sp("disc-ru", freeDisclaimerRU...)))
}

func (c *pageCtx) piracyRules() {
	if c.s.Kind == KindTorrent {
		c.begin(c.lang("Tracker rules", "Правила трекера") + " :: " + c.s.Name)
		c.h1(c.lang("Rules", "Правила"))
		c.raw("<ol>\n")
		for _, rule := range [][2]string{
			{"Keep your ratio above 0.3, otherwise downloading is blocked.", "Рейтинг (ratio) не должен опускаться ниже 0.3, иначе скачивание блокируется."},
			{"Lossless releases only as FLAC or APE with a .cue sheet and a log.", "Lossless-раздачи — только FLAC или APE с .cue и логом."},
			{"Seed for at least 24 hours after you finish downloading.", "После скачивания оставайтесь на раздаче не менее суток."},
			{"Do not post links to paid download sites.", "Запрещено размещать ссылки на платные сайты."},
		} {
			c.el("li", c.lang(rule[0], rule[1]))
		}
		c.raw("</ol>\n")
		c.end(c.lang("The tracker does not store any files; only .torrent metadata is kept.", "Трекер не хранит файлы, только метаданные .torrent."))
		return
	}
	c.begin(c.lang("For copyright holders", "Правообладателям"))
	c.h1(c.lang("For copyright holders", "Правообладателям"))
	c.p(c.lang(c.sp("disc-en", freeDisclaimerEN...), c.sp("disc-ru", freeDisclaimerRU...)))
	c.p(c.lang("Send your request to abuse@"+c.s.Host+"; we remove links within 3 working days.", "Направьте запрос на abuse@"+c.s.Host+", ссылки удаляются в течение 3 рабочих дней."))
	c.end()
}

func (c *pageCtx) torrentHome() {
	c.begin(c.s.Name + " — " + c.lang(c.sp("t-en", "torrent tracker: music, movies, games", "BitTorrent tracker", "the best lossless music torrents"), c.sp("t-ru", "торрент-трекер: музыка, фильмы, игры", "битторрент-трекер без рейтинга", "музыкальный торрент-трекер")))
	c.h1(c.s.Name)
	c.p(c.lang("Registered users: "+strconv.Itoa(20000+c.r.IntN(900000))+". Torrents: "+strconv.Itoa(5000+c.r.IntN(200000))+".",
		"Зарегистрировано пользователей: "+strconv.Itoa(20000+c.r.IntN(900000))+". Раздач: "+strconv.Itoa(5000+c.r.IntN(200000))+"."))
	c.h2(c.lang("Sections", "Разделы"))
	c.raw("<ul>\n")
	for _, d := range c.plan {
		if d.typ == pTorrentList {
			c.li(d.path, c.lang([]string{"Foreign rock & pop", "Lossless (FLAC, APE)"}[d.n%2], []string{"Зарубежный рок и поп", "Lossless (FLAC, APE)"}[d.n%2]))
		}
	}
	c.raw("</ul>\n")
	c.h2(c.lang("New torrents", "Новые раздачи"))
	c.torrentTopics()
	c.end()
}

func (c *pageCtx) torrentTopics() {
	c.raw("<table class=\"torrents\">\n")
	for _, d := range c.plan {
		if d.typ != pTorrentTopic {
			continue
		}
		c.raw("<tr><td>")
		c.a(d.path, c.torrentTitle(d.n))
		c.raw(fmt.Sprintf("</td><td>S: %d</td><td>L: %d</td></tr>\n", 1+c.r.IntN(300), c.r.IntN(40)))
	}
	c.raw("</table>\n")
}

func (c *pageCtx) torrentTitle(a int) string {
	al := catalog[a]
	format := pick(rand.New(rand.NewPCG(uint64(a), uint64(c.i))), []string{"[FLAC] %s — %s (%d) [tracks+.cue]", "%s — %s (%d) MP3 320 kbps", "(Rock) %s — %s — %d, APE (image+.cue), lossless", "%s - %s [%d, MP3, 256 kbps]"})
	return fmt.Sprintf(format, al.artist, al.title, al.year)
}

func (c *pageCtx) torrentList() {
	c.begin(c.lang("Music", "Музыка") + " :: " + c.s.Name)
	c.h1(c.lang([]string{"Foreign rock & pop", "Lossless (FLAC, APE)"}[c.def.n%2], []string{"Зарубежный рок и поп", "Lossless (FLAC, APE)"}[c.def.n%2]))
	c.torrentTopics()
	c.end()
}

func (c *pageCtx) torrentTopic() {
	title := c.torrentTitle(c.def.n)
	c.begin(title + " :: " + c.s.Name)
	c.h1(title)
	ts := albumTracks(c.def.n)
	c.raw("<ol>\n")
	for _, t := range ts {
		c.el("li", t.title+" ("+mmss(t.secs)+")")
	}
	c.raw("</ol>\n")
	seeds, leech := 1+c.r.IntN(300), c.r.IntN(40)
	c.p(c.lang(fmt.Sprintf("Size: %d MB. Seeders: %d. Leechers: %d. Downloaded: %d times.", 80+c.r.IntN(400), seeds, leech, c.r.IntN(9000)),
		fmt.Sprintf("Размер: %d MB. Сиды: %d. Личи: %d. Скачан: %d раз.", 80+c.r.IntN(400), seeds, leech, c.r.IntN(9000))))
	c.raw(fmt.Sprintf(`<p><a href="/dl/%d.torrent">`, albumID(c.i, c.def.n)))
	c.text(c.lang("Download .torrent", "Скачать .torrent"))
	c.raw(fmt.Sprintf(`</a> | <a href="magnet:?xt=urn:btih:%040x">magnet</a></p>`+"\n", mix(uint64(c.i), uint64(c.def.n))))
	c.p(c.lang("Please keep seeding after the download finishes!", "Не уходите с раздачи после скачивания!"))
	c.end()
}

// renderLegit draws the pages of legitimate music sites.
func (c *pageCtx) renderLegit() {
	switch c.s.Kind {
	case KindStreaming:
		c.streamingPage()
	case KindTrackStore:
		c.trackStorePage()
	case KindLabel:
		c.labelPage()
	case KindRadio:
		c.radioPage()
	case KindMusicBlog:
		c.blogPage()
	}
}

func (c *pageCtx) streamingVars() {
	r := c.siteRand("stream")
	ru := c.ru
	price := pick(r, []float64{99, 149, 169, 199, 249, 299})
	cur := c.s.Currency
	if cur == "KZT" {
		price *= 5
	}
	if cur == "BYN" {
		price = pick(r, []float64{4.99, 6.99, 8.99})
	}
	c.vars["sub"] = money(cur, price, ru)
	c.vars["family"] = money(cur, price*1.6, ru)
	c.vars["ntracks"] = strconv.Itoa(20+r.IntN(60)) + c.lang(" million", " млн")
	c.vars["trial"] = strconv.Itoa(pick(r, []int{7, 14, 30, 30, 90}))
}

var (
	streamIntroRU = []string{
		"{name} — миллионы треков в хорошем качестве. Слушайте музыку онлайн на компьютере, телефоне и умной колонке.",
		"Более {ntracks} треков, подборки на каждый день и персональные рекомендации. Первые {trial} дней — бесплатно.",
		"Слушайте без рекламы и без ограничений по подписке за {sub} в месяц.",
	}
	streamIntroEN = []string{
		"{name}: over {ntracks} tracks, curated playlists and personal recommendations. Listen online on any device.",
		"Unlimited streaming without ads for {sub} a month. Try it free for {trial} days.",
	}
	streamLicenseRU = []string{
		"Вся музыка на {name} предоставлена правообладателями по прямым лицензионным договорам с мейджор-лейблами и российскими издателями.",
		"Мы платим артистам и лейблам за каждое прослушивание. Каталог лицензирован у Universal, Sony, Warner и независимых лейблов.",
	}
	streamLicenseEN = []string{
		"All music on {name} is licensed directly from the major labels and independent publishers; artists are paid for every stream.",
		"Our catalogue is licensed from Universal, Sony, Warner and hundreds of independent labels.",
	}
)

func (c *pageCtx) streamingPage() {
	c.streamingVars()
	switch c.def.typ {
	case pHome:
		c.begin(c.s.Name + " — " + c.lang("listen to music online", "слушайте музыку онлайн"))
		c.h1(c.lang(c.sp("h-en", "Music for every moment", "Listen to millions of songs"), c.sp("h-ru", "Музыка для любого момента", "Слушайте миллионы треков", "Вся музыка в одной подписке")))
		c.p(c.lang(c.sp("i-en", streamIntroEN...), c.sp("i-ru", streamIntroRU...)))
		c.p(c.lang("Subscription: {sub} per month. Family plan for up to 6 people: {family}.", "Подписка — {sub} в месяц. Семейная подписка до 6 человек — {family}."))
		c.h2(c.lang("Playlists", "Подборки"))
		c.raw("<ul>\n")
		for _, d := range c.plan {
			if d.typ == pPlaylist {
				c.li(d.path, c.playlistName(d.n))
			}
		}
		c.raw("</ul>\n")
		c.end(c.lang("Tracks cannot be downloaded as files; offline listening is available in the app for subscribers.", "Треки нельзя скачать в виде файлов — прослушивание офлайн доступно в приложении по подписке."))
	case pPlans:
		c.begin(c.lang("Subscription", "Подписка") + " — " + c.s.Name)
		c.h1(c.lang("Choose your plan", "Выберите подписку"))
		c.raw("<ul>\n")
		c.el("li", c.f(c.lang("Individual — {sub}/month", "Индивидуальная — {sub} в месяц")))
		c.el("li", c.f(c.lang("Family — {family}/month", "Семейная — {family} в месяц")))
		c.el("li", c.f(c.lang("First {trial} days free", "Первые {trial} дней бесплатно")))
		c.raw("</ul>\n")
		c.p(c.lang("Pay by bank card, Yandex Pay or from your mobile account. Cancel any time.", "Оплата банковской картой, через ЮMoney или со счёта мобильного телефона. Отменить подписку можно в любой момент."))
		c.end()
	case pPlaylist:
		c.begin(c.playlistName(c.def.n) + " — " + c.s.Name)
		c.h1(c.playlistName(c.def.n))
		c.raw("<ol>\n")
		for range 12 {
			if c.ru && c.r.IntN(2) == 0 {
				c.el("li", pick(c.r, ruArtists).cyr+" — "+trackTitleRU(c.r))
			} else {
				c.el("li", pick(c.r, catalog).artist+" — "+trackTitle(c.r))
			}
		}
		c.raw("</ol>\n")
		c.p(c.lang("Listen to the full playlist with a subscription.", "Слушайте плейлист целиком по подписке."))
		c.end()
	case pAbout:
		c.begin(c.lang("About", "О сервисе") + " — " + c.s.Name)
		c.h1(c.lang("About "+c.s.Name, "О сервисе "+c.s.Name))
		c.p(c.lang(c.sp("l-en", streamLicenseEN...), c.sp("l-ru", streamLicenseRU...)))
		c.p(c.lang(c.sp("i2-en", streamIntroEN...), c.sp("i2-ru", streamIntroRU...)))
		c.end()
	case pFAQ:
		c.begin(c.lang("Help", "Помощь") + " — " + c.s.Name)
		c.h1(c.lang("Help", "Помощь"))
		c.el("h3", c.lang("Can I download MP3 files?", "Можно ли скачать mp3?"))
		c.p(c.lang("No. Music is available for streaming and for offline listening in the app while your subscription is active.", "Нет. Музыка доступна для прослушивания онлайн и офлайн в приложении, пока действует подписка."))
		c.el("h3", c.lang("How much does it cost?", "Сколько это стоит?"))
		c.p(c.f(c.lang("{sub} per month; the first {trial} days are free.", "{sub} в месяц, первые {trial} дней бесплатно.")))
		c.end()
	default:
		c.otherCommon()
	}
}

func (c *pageCtx) playlistName(n int) string {
	en := []string{"Morning Coffee", "Workout Hits", "Rock Classics", "Chill Evening", "Top 50 This Week", "Road Trip", "Indie Discoveries"}
	ru := []string{"Утренний кофе", "Для тренировки", "Рок-классика", "Вечерний чилл", "Топ-50 недели", "В дорогу", "Русский рок"}
	k := c.siteRand("playlists").Perm(len(en))[n%len(en)]
	return c.lang(en[k], ru[k])
}

func (c *pageCtx) trackStoreVars() {
	r := c.siteRand("ts")
	cur := c.s.Currency
	single := map[string]float64{"USD": 0.99, "EUR": 0.99, "GBP": 0.79}[cur]
	c.vars["single"] = money(cur, single, false)
	c.vars["hi"] = money(cur, pick(r, []float64{1.29, 1.49}), false)
	c.vars["albumfrom"] = money(cur, pick(r, []float64{7.99, 8.99, 9.99}), false)
	c.vars["company"] = c.s.Name + pick(r, []string{" Ltd", " Inc.", " GmbH", " B.V."})
	c.vars["country"] = countryByCode(c.s.Country).name
}

func (c *pageCtx) trackStorePage() {
	c.trackStoreVars()
	foot := c.f("© " + strings.TrimSuffix(c.vars["company"], ".") + ". " + c.sp("tsf", "Prices include VAT where applicable.", "Downloads are available to customers in selected countries only.", "All downloads are DRM-free."))
	switch c.def.typ {
	case pHome:
		c.begin(c.s.Name + " — " + c.sp("tst", "buy MP3 and lossless downloads", "the digital music store", "official music downloads"))
		c.h1(c.sp("tsh", "Millions of songs, DRM-free", "Buy music you own forever", "Official downloads from the labels you love"))
		c.p(c.sp("tsi", "Singles {single}, most albums from {albumfrom}. MP3 at 320 kbps; lossless FLAC for {hi} per track.",
			"Every track is {single} in 320 kbps MP3. Prefer lossless? FLAC costs {hi} per track.",
			"Download albums from {albumfrom} and singles from {single}, licensed directly from the record companies."))
		c.h2(c.sp("tsn", "New this week", "Top albums", "Staff picks"))
		c.raw("<ul>\n")
		for _, d := range c.plan {
			if d.typ == pAlbum {
				c.li(d.path, catalog[d.n].artist+" — "+catalog[d.n].title)
			}
		}
		c.raw("</ul>\n")
		c.end(foot)
	case pAlbum:
		a := catalog[c.def.n]
		c.begin(a.artist + " — " + a.title + " | " + c.s.Name)
		c.h1(a.artist + " — " + a.title)
		c.p(fmt.Sprintf("Released %d. Genre: %s. Label copyright applies.", a.year, genreNames[a.genre][0]))
		c.raw("<table class=\"tracks\">\n")
		for j, t := range albumTracks(c.def.n) {
			c.raw(fmt.Sprintf("<tr><td>%d</td><td>", j+1))
			c.text(t.title)
			c.raw("</td><td>" + mmss(t.secs) + "</td><td>")
			c.text(c.vars["single"])
			c.raw("</td><td><button>Buy</button></td></tr>\n")
		}
		c.raw("</table>\n")
		c.p(c.f("Buy the album: {albumfrom}. Choose MP3 320 kbps or FLAC 16-bit/44.1 kHz at checkout."))
		c.end(foot)
	case pChart:
		c.begin("Charts | " + c.s.Name)
		c.h1(c.sp("tsc", "Top 40 downloads", "Best-selling tracks", "This week's chart"))
		c.raw("<ol>\n")
		for range 20 {
			c.el("li", pick(c.r, catalog).artist+" — "+trackTitle(c.r)+" — "+c.vars["single"])
		}
		c.raw("</ol>\n")
		c.end(foot)
	case pFormats:
		c.begin("Formats & quality | " + c.s.Name)
		c.h1("Formats & quality")
		c.p(c.f("All tracks are supplied by the labels. MP3 files are 320 kbps CBR ({single}); FLAC files are the same master in lossless quality ({hi})."))
		c.p("Files have no DRM and play on any device. You can re-download your purchases from your library at any time.")
		c.end(foot)
	case pLicense:
		c.begin("Terms of sale | " + c.s.Name)
		c.h1("Terms of sale")
		c.p(c.f("{company} sells digital music under licences granted by the record companies and publishers in {country}."))
		c.p("Purchases are for personal, non-commercial use. Due to licensing, some releases are not available in every country.")
		c.p("Prices are shown per track and per album; there is no subscription and no minimum top-up.")
		c.end(foot)
	case pAbout:
		c.begin("About us | " + c.s.Name)
		c.h1("About " + c.s.Name)
		c.p(c.f(c.sp("tsa", "{name} is an independent download store based in {country}, working directly with major and independent labels.",
			"Founded by music fans, {name} has sold legal downloads since 2005. We pay the labels for every sale.")))
		c.end(foot)
	default:
		c.otherCommon()
	}
}

func bandName(r *rand.Rand) string {
	return pick(r, []string{"The ", "", "", ""}) + pick(r, titleA) + " " + pick(r, titleB)
}

func (c *pageCtx) labelPage() {
	r := c.siteRand("label")
	year := 1990 + r.IntN(19)
	var bands []string
	for range 4 + r.IntN(4) {
		bands = append(bands, bandName(r))
	}
	ct := pick(r, cities)
	switch c.def.typ {
	case pHome:
		c.begin(c.s.Name)
		c.h1(c.s.Name)
		c.p(c.lang(fmt.Sprintf("Independent record label founded in %d in %s. We release rock, electronic and indie music on CD, vinyl and digitally.", year, ct.en),
			fmt.Sprintf("Независимый лейбл, основан в %d году в городе %s. Выпускаем рок, электронику и инди на CD, виниле и в цифре.", year, ct.cyr)))
		c.p(c.lang("Our releases are available in all major digital stores and on streaming services.", "Наши релизы доступны во всех крупных цифровых магазинах и на стриминговых сервисах."))
		c.h2(c.lang("Latest releases", "Новые релизы"))
		c.raw("<ul>\n")
		for _, d := range c.plan {
			if d.typ == pRelease {
				c.li(d.path, bands[d.n%len(bands)]+" — "+trackTitle(rand.New(rand.NewPCG(uint64(c.i), uint64(d.n)))))
			}
		}
		c.raw("</ul>\n")
		c.end("© " + c.s.Name)
	case pArtists:
		c.begin(c.lang("Artists", "Артисты") + " — " + c.s.Name)
		c.h1(c.lang("Artists", "Артисты"))
		c.raw("<ul>\n")
		for _, b := range bands {
			c.el("li", b)
		}
		c.raw("</ul>\n")
		c.end()
	case pArchive:
		c.begin(c.lang("Releases", "Релизы") + " — " + c.s.Name)
		c.h1(c.lang("Catalogue", "Каталог"))
		c.raw("<ul>\n")
		for _, d := range c.plan {
			if d.typ == pRelease {
				c.li(d.path, strings.ToUpper(strings.TrimPrefix(d.path, "/release/"))+": "+bands[d.n%len(bands)])
			}
		}
		c.raw("</ul>\n")
		c.end()
	case pRelease:
		band := bands[c.def.n%len(bands)]
		t := trackTitle(rand.New(rand.NewPCG(uint64(c.i), uint64(c.def.n))))
		c.begin(band + " — " + t + " — " + c.s.Name)
		c.h1(band + " — " + t)
		c.p(c.lang("Format: CD, 12\" vinyl, digital. Catalogue number "+strings.ToUpper(strings.TrimPrefix(c.path, "/release/"))+".",
			"Формат: CD, винил 12\", цифровой релиз. Каталожный номер "+strings.ToUpper(strings.TrimPrefix(c.path, "/release/"))+"."))
		c.raw("<ol>\n")
		for range 6 + c.r.IntN(5) {
			c.el("li", trackTitle(c.r))
		}
		c.raw("</ol>\n")
		c.p(c.lang("Buy the CD in our shop or download from digital stores; stream it everywhere.", "Купить CD можно в нашем магазине, цифровую версию — в онлайн-магазинах и на стримингах."))
		c.end()
	case pDemo:
		c.begin(c.lang("Demos", "Демо") + " — " + c.s.Name)
		c.h1(c.lang("Send us your demo", "Присылайте демо"))
		c.p(c.lang("Send a link to 3–4 tracks (no attachments please) to demo@"+c.s.Host+". We listen to everything.",
			"Присылайте ссылку на 3–4 трека (без вложений) на demo@"+c.s.Host+". Мы слушаем всё."))
		c.end()
	default:
		c.otherCommon()
	}
}

var (
	radioLicenseRU = []string{
		"Радиостанция «{name}» вещает на основании лицензии на радиовещание № {bcast}. Права на использование музыки в эфире и в интернет-трансляции урегулированы с РАО, ВОИС и РОМС.",
		"Интернет-вещание {name} осуществляется по лицензионному договору с РОМС № {romsr}; авторское вознаграждение выплачивается также через РАО и ВОИС.",
		"Все права на музыкальные произведения, звучащие в эфире, принадлежат их правообладателям. Вознаграждение выплачивается через РАО и РОМС (договор № {romsr}).",
	}
	radioLicenseEN = []string{
		"{name} broadcasts under licence No. {bcast}. Music rights for broadcasting and the online stream are cleared with RAO, VOIS and ROMS.",
		"Our online stream is covered by a licence agreement with ROMS (No. {romsr}); royalties are also paid to RAO and VOIS.",
		"All music played on air belongs to its rights holders; royalties are paid through the collecting societies, including ROMS.",
	}
)

func (c *pageCtx) radioPage() {
	r := c.siteRand("radio")
	freq := fmt.Sprintf("%.1f", 87.5+float64(r.IntN(200))/10)
	ct := pick(r, cities)
	c.vars["bcast"] = fmt.Sprintf("%d", 10000+r.IntN(9000))
	c.vars["romsr"] = fmt.Sprintf("%d-%02d/РОМС", 100+r.IntN(900), 3+r.IntN(8))
	if !c.ru {
		c.vars["romsr"] = strings.Replace(c.vars["romsr"], "РОМС", "ROMS", 1)
	}
	foot := c.lang(c.sp("rl-en", radioLicenseEN...), c.sp("rl-ru", radioLicenseRU...))
	switch c.def.typ {
	case pHome:
		c.begin(c.s.Name + " " + freq + " FM — " + c.lang("listen live", "слушать онлайн"))
		c.h1(c.s.Name + " " + freq + " FM")
		c.p(c.lang(c.sp("rh-en", "The best music of the 80s, 90s and today — on air in "+ct.en+" and online.", "Rock, pop and news around the clock. Listen live on "+freq+" FM or in the online player."),
			c.sp("rh-ru", "Лучшая музыка 80-х, 90-х и новые хиты — в эфире в городе "+ct.cyr+" и онлайн.", "Рок, поп и новости круглосуточно. Слушайте на частоте "+freq+" FM или в онлайн-плеере.")))
		c.raw(`<audio controls src="/stream/live.mp3"></audio>` + "\n")
		c.p(c.lang("Now playing: ", "Сейчас в эфире: ") + pick(c.r, catalog).artist + " — " + trackTitle(c.r))
		c.end(foot)
	case pSchedule:
		c.begin(c.lang("Schedule", "Программа передач") + " — " + c.s.Name)
		c.h1(c.lang("Schedule", "Программа передач"))
		c.raw("<ul>\n")
		for h := 6; h < 24; h += 2 + c.r.IntN(2) {
			c.el("li", fmt.Sprintf("%02d:00 — %s", h, c.lang(pick(c.r, []string{"Morning show", "News", "Hit parade", "Rock hour", "Evening mix", "Request line"}),
				pick(c.r, []string{"Утреннее шоу", "Новости", "Хит-парад", "Рок-час", "Вечерний микс", "Музыкальные поздравления"}))))
		}
		c.raw("</ul>\n")
		c.end(foot)
	case pPlaylist:
		c.begin(c.lang("Playlist", "Плейлист") + " — " + c.s.Name)
		c.h1(c.lang("Recently played", "Недавно в эфире"))
		c.raw("<ol>\n")
		for range 15 {
			if c.ru && c.r.IntN(2) == 0 {
				c.el("li", pick(c.r, ruArtists).cyr+" — "+trackTitleRU(c.r))
			} else {
				c.el("li", pick(c.r, catalog).artist+" — "+trackTitle(c.r))
			}
		}
		c.raw("</ol>\n")
		c.end(foot)
	case pAbout:
		c.begin(c.lang("About the station", "О радиостанции") + " — " + c.s.Name)
		c.h1(c.lang("About the station", "О радиостанции"))
		c.p(c.lang(c.sp("rl2-en", radioLicenseEN...), c.sp("rl2-ru", radioLicenseRU...)))
		c.p(c.lang(fmt.Sprintf("On air since %d. Audience: %d thousand listeners a day.", 1995+r.IntN(12), 50+r.IntN(400)),
			fmt.Sprintf("В эфире с %d года. Аудитория — %d тысяч слушателей в день.", 1995+r.IntN(12), 50+r.IntN(400))))
		c.end(foot)
	case pPrices:
		c.begin(c.lang("Advertising", "Реклама на радио") + " — " + c.s.Name)
		c.h1(c.lang("Advertising on air", "Реклама в эфире"))
		cur := "RUB"
		if c.s.Currency != "" {
			cur = c.s.Currency
		}
		c.raw("<ul>\n")
		for _, sec := range []int{15, 30, 60} {
			c.el("li", fmt.Sprintf("%d %s — %s", sec, c.lang("seconds", "секунд"), money(cur, perUSD(cur, float64(sec)*1.5), c.ru)))
		}
		c.raw("</ul>\n")
		c.end(foot)
	default:
		c.otherCommon()
	}
}

// The AllofMP3 story as blogs and news sites told it. Paraphrased; several versions per paragraph.
var (
	allofEN = [][]string{
		{"For a few years AllofMP3 was the most talked-about music site on the Internet: a Moscow-based store that sold whole albums for a dollar or two.",
			"If you bought music online in 2005 or 2006, chances are you heard of AllofMP3, the Russian site that charged by the megabyte.",
			"Remember AllofMP3? The Russian download store was, for a while, the second most popular place to buy music online after iTunes."},
		{"Instead of a price per song it charged about 2 cents per megabyte, so an album cost less than a sandwich, and you could pick MP3, OGG or even lossless at any bitrate.",
			"Pricing was per MB — roughly $0.01–0.02 — and every album was encoded on demand in the format and bitrate you chose.",
			"The model was simple: top up a balance with a card or WebMoney, pick a format from 128 kbps MP3 to FLAC, and pay for the data you downloaded."},
		{"The operators claimed it was legal because they held a licence from ROMS, a Russian collecting society, and paid royalties under Russian copyright law.",
			"Its legal page cited a ROMS licence and insisted the service complied with the Law of the Russian Federation, adding that buyers were responsible for the laws of their own countries.",
			"AllofMP3's defence rested on a licence from ROMS (and later FAIR), organisations that the record labels said had no right to license their catalogues."},
		{"The IFPI and the American labels disagreed, and the site became an issue in Russia's WTO talks with the United States.",
			"Record companies sued, Visa and MasterCard stopped processing payments in 2006, and the US trade representative named the site in its piracy reports.",
			"International industry groups called it piracy; the dispute even reached the negotiations on Russia joining the WTO."},
		{"AllofMP3 went offline in the summer of 2007; a Moscow court later acquitted its former director. Clones and successors such as MP3Sparks quickly appeared with the same per-track or per-MB pricing and the same licence claims.",
			"The site closed in 2007, but look-alike stores kept popping up for years afterwards, often English-only, hosted in Russia or Ukraine, with prices of 10–40 cents per track and the same ROMS and FAIR paperwork.",
			"After the shutdown, sister sites and copycats took over its customers. Our advice hasn't changed: if a store sells a new album for $1.50 and cites a Russian collecting-society licence, the artists are almost certainly not being paid."},
	}
	allofRU = [][]string{
		{"Несколько лет AllofMP3 был самым обсуждаемым музыкальным сайтом Рунета: альбом там можно было купить за пару долларов.",
			"Кто покупал музыку в интернете в середине 2000-х, тот наверняка слышал про AllofMP3 — российский магазин, где платили за мегабайты."},
		{"Цена считалась не за трек, а за объём: около 2 центов за мегабайт, а формат и битрейт — от 128 кбит/с до FLAC — покупатель выбирал сам.",
			"Схема была простой: пополняешь баланс через WebMoney или картой, выбираешь формат и платишь за скачанные мегабайты."},
		{"Владельцы сайта утверждали, что работают легально по лицензии РОМС и платят авторские отчисления в соответствии с российским законом.",
			"Легальность обосновывалась лицензией РОМС, а позже и ФАИР, хотя мейджор-лейблы никогда не передавали этим организациям свои права."},
		{"Звукозаписывающие компании и IFPI считали сайт пиратским, а вопрос о нём обсуждался даже на переговорах о вступлении России в ВТО.",
			"В 2006 году Visa и MasterCard перестали принимать платежи в пользу сайта, а американская сторона включила его в список претензий к России."},
		{"Летом 2007 года сайт закрылся, бывшего директора компании суд впоследствии оправдал. Почти сразу появились клоны — MP3Sparks и другие — с теми же ценами и ссылками на лицензии РОМС.",
			"После закрытия AllofMP3 его место заняли многочисленные клоны с англоязычным интерфейсом, ценами в центах за трек и теми же лицензиями РОМС и ФАИР."},
	}
	blogTitles = map[string][2]string{
		"allofmp3-story":         {"Whatever happened to AllofMP3?", "Что стало с AllofMP3"},
		"streaming-vs-downloads": {"Streaming vs downloads: who pays the artist?", "Стриминг или скачивание: кто платит артисту?"},
		"vinyl-is-back":          {"Vinyl is back (again)", "Винил снова в моде"},
		"album-review":           {"Review: {album} by {artist}", "Рецензия: {artist} — {album}"},
		"concert-report":         {"Live: {artist} in concert", "Концерт: {artist}"},
		"lossless-or-not":        {"Can you hear the difference between 320 kbps and FLAC?", "Слышна ли разница между 320 kbps и FLAC?"},
		"label-deals":            {"Why labels love (and hate) digital stores", "Лейблы и цифровые магазины"},
		"mp3-players-compared":   {"Five MP3 players compared", "Сравниваем пять mp3-плееров"},
		"russian-music-market":   {"The Russian music market in numbers", "Российский музыкальный рынок в цифрах"},
		"cheap-mp3-sites-legal":  {"Are those cheap MP3 sites legal?", "Законны ли дешёвые mp3-магазины?"},
	}
)

func (c *pageCtx) blogTitle(topic int) string {
	t := blogTitles[blogTopics[topic]]
	a := catalog[(topic*13+c.i)%len(catalog)]
	c.vars["artist"], c.vars["album"] = a.artist, a.title
	return c.lang(t[0], t[1])
}

func (c *pageCtx) blogPage() {
	switch c.def.typ {
	case pHome, pArchive:
		c.begin(c.s.Name)
		c.h1(c.s.Name)
		if c.def.typ == pHome {
			c.p(c.lang(c.sp("bi-en", "Notes on the music business, digital downloads and the occasional review.", "A blog about music, technology and the law.", "Music industry news and opinion since 2005."),
				c.sp("bi-ru", "Заметки о музыкальном бизнесе, цифровой музыке и не только.", "Блог о музыке, технологиях и авторском праве.")))
		}
		c.raw("<ul class=\"posts\">\n")
		for _, d := range c.plan {
			if d.typ == pPost {
				c.li(d.path, c.blogTitle(d.n))
			}
		}
		c.raw("</ul>\n")
		c.end()
	case pPost:
		title := c.blogTitle(c.def.n)
		c.begin(title + " — " + c.s.Name)
		c.h1(title)
		c.blogBody(c.def.n)
		c.end(c.lang("Comments: "+strconv.Itoa(c.r.IntN(60)), "Комментарии: "+strconv.Itoa(c.r.IntN(60))))
	case pAbout:
		c.begin(c.lang("About", "Об авторе") + " — " + c.s.Name)
		c.h1(c.lang("About", "Об авторе"))
		c.p(c.lang("I have written about music and technology for newspapers and magazines since the late nineties.", "Пишу о музыке и технологиях с конца девяностых."))
		c.end()
	default:
		c.otherCommon()
	}
}

func (c *pageCtx) blogBody(topic int) {
	r := rand.New(rand.NewPCG(c.w.siteHash(c.i, "post"), uint64(topic)))
	switch blogTopics[topic] {
	case "allofmp3-story", "cheap-mp3-sites-legal":
		paras := allofEN
		if !c.en || (c.ru && c.s.variant&1 == 0) {
			paras = allofRU
		}
		start := 0
		if blogTopics[topic] == "cheap-mp3-sites-legal" {
			start = 1
			c.p(c.lang("Readers keep asking whether it is OK to buy from sites that sell albums for a dollar and say they are licensed in Russia. Short answer: no.",
				"Читатели спрашивают, можно ли покупать в магазинах, где альбом стоит доллар, а на сайте висит российская лицензия. Короткий ответ: нет."))
		}
		for _, alts := range paras[start:] {
			c.p(pick(r, alts))
		}
	case "streaming-vs-downloads":
		c.p(c.lang("A subscription costs about the same as one album a month, yet gives access to tens of millions of songs. Downloads at $0.99 per track still make up a big share of label income.",
			"Подписка стоит около 169 рублей в месяц — столько же, сколько один альбом, но даёт доступ к десяткам миллионов треков."))
		c.p(c.lang("Per-stream payouts are tiny, and artists say so loudly.", "Выплаты за одно прослушивание ничтожны, и артисты об этом говорят открыто."))
	case "lossless-or-not":
		c.p(c.lang("In blind tests most listeners cannot tell a 320 kbps MP3 from FLAC on ordinary headphones. Stores charge extra for lossless anyway.",
			"В слепых тестах большинство слушателей не отличают mp3 320 kbps от FLAC в обычных наушниках."))
	case "mp3-players-compared":
		c.p(c.lang("We tested five players from $40 to $250: battery life, sound, and how well they handle OGG and FLAC.",
			"Мы протестировали пять плееров стоимостью от 1 500 до 9 000 рублей: время работы, звук и поддержка OGG и FLAC."))
	case "russian-music-market":
		c.p(c.lang("Legal digital sales in Russia were tiny for years; piracy and cheap download sites dominated, and only subscriptions changed that.",
			"Легальные цифровые продажи в России долго были мизерными; только подписочные сервисы изменили ситуацию."))
	default:
		c.p(c.f(c.lang(c.rp("{artist} sounds as confident as ever on {album}.", "A long-awaited return for {artist}."), c.rp("{artist} звучит уверенно как никогда.", "Долгожданное возвращение {artist}."))))
		c.p(c.lang("Rating: ", "Оценка: ") + strconv.Itoa(5+r.IntN(5)) + "/10")
	}
}
