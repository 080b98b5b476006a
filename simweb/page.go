package simweb

import (
	"fmt"
	"hash/fnv"
	"html"
	"math/rand/v2"
	"strconv"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// Page is one response of the synthetic web, rendered on request.
type Page struct {
	Status      int    // HTTP status
	ContentType string // Content-Type header value
	Location    string // redirect target for 3xx statuses
	Body        []byte // encoded in the site's charset
	Hang        bool   // the site never answers: hold the request until the client or the server gives up
}

// Page renders the response for path on host, which may be a www alias, in any case.
// Links to other sites carry port unless it is 80 or 0. It reports false for unknown hosts.
// The same web, host, path and port always give the same page.
func (w *Web) Page(host, path string, port int) (Page, bool) {
	i, ok := w.lookup(host)
	if !ok {
		return Page{}, false
	}
	if path == "" {
		path = "/"
	}
	s := &w.sites[i]
	switch s.Kind {
	case KindTimeout:
		return Page{Hang: true}, true
	case KindServerError:
		code := []int{500, 502, 503}[s.variant%3]
		return Page{Status: code, ContentType: "text/html", Body: []byte(serverErrorBody(code, s.variant))}, true
	case KindRedirectLoop:
		if path == "/robots.txt" {
			break
		}
		next := map[string]string{"/": "/r/1", "/r/1": "/r/2", "/r/2": "/"}[path]
		if next == "" {
			next = "/"
		}
		return Page{Status: 302, Location: next, ContentType: "text/html", Body: []byte(`<a href="` + next + `">moved</a>`)}, true
	}
	if path == "/robots.txt" {
		body, ok := w.robots(s, port)
		if !ok {
			return Page{Status: 404, ContentType: "text/plain; charset=utf-8", Body: []byte("404 page not found\n")}, true
		}
		return Page{Status: 200, ContentType: "text/plain; charset=utf-8", Body: []byte(body)}, true
	}
	c := w.newCtx(i, path, port)
	if path == "/sitemap.xml" && s.robots == robotsSitemap {
		return Page{Status: 200, ContentType: "application/xml", Body: []byte(c.sitemap())}, true
	}
	status := 200
	if c.def == nil {
		if s.Kind == KindCalendarTrap && c.calendarPath() {
			c.def = &pageDef{path: path, typ: pCalendar, ext: -1}
		} else {
			status = 404
			c.def = &pageDef{path: path, typ: pNotFound, ext: -1}
		}
	}
	c.render()
	return c.finish(status), true
}

// pageType says which renderer draws a page.
type pageType uint8

const (
	pNotFound pageType = iota
	pHome
	pAbout
	pContact
	pPrivate
	// stores
	pAlbum
	pArtist
	pChart
	pBalance
	pLicense
	pFormats
	pPayment
	pStoreNews
	pRegister
	pGenre
	pFAQ
	// piracy
	pTrack
	pTorrentList
	pTorrentTopic
	pRules
	// legit music
	pPlans
	pPlaylist
	pRelease
	pArtists
	pDemo
	pSchedule
	pPost
	pArchive
	// other
	pCatalog
	pProduct
	pDelivery
	pArticle
	pSection
	pThread
	pPhotos
	pGuestbook
	pLinks
	pServices
	pPrices
	pDir
	pTop
	pAddSite
	pCalendar
	pEvents
)

// pageDef is one page of a site's plan.
type pageDef struct {
	path string
	typ  pageType
	n    int    // item number: album id, post number, directory page ...
	nav  string // navigation label, "" if not in the navigation bar
	ext  int    // position among pages that carry cross-site links, -1 for none
}

// pageCtx holds what rendering one page needs.
type pageCtx struct {
	w    *Web
	s    *Site
	i    int
	port int
	path string
	plan []pageDef
	def  *pageDef
	r    *rand.Rand // page-level choices
	ru   bool       // write Russian text
	en   bool       // write English text
	out  []int32    // cross-site links on this page
	vars map[string]string
	d    strings.Builder
}

func (w *Web) newCtx(i int, path string, port int) *pageCtx {
	s := &w.sites[i]
	c := &pageCtx{w: w, s: s, i: i, port: port, path: path, vars: map[string]string{"name": s.Name, "host": s.Host}}
	c.ru = s.Lang != "en"
	c.en = s.Lang != "ru"
	c.plan = w.plan(i)
	for j := range c.plan {
		if c.plan[j].path == path {
			c.def = &c.plan[j]
		}
	}
	c.r = rand.New(rand.NewPCG(w.siteHash(i, "page"), hashString(path)))
	if c.def != nil && c.def.ext >= 0 {
		c.out = w.pageLinks(i, c.plan, c.def)
	}
	return c
}

// siteHash gives stable random bits for site i and key.
func (w *Web) siteHash(i int, key string) uint64 {
	return mix(uint64(w.opts.Seed)^mix(uint64(i), 0x5151)^hashString(key), 0)
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// mix is the splitmix64 finaliser.
func mix(x, y uint64) uint64 {
	x += y + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// siteRand returns a generator that is the same for every page of the site and key.
func (c *pageCtx) siteRand(key string) *rand.Rand {
	return rand.New(rand.NewPCG(c.w.siteHash(c.i, key), 1))
}

// familyRand is like siteRand but shared by every store of the site's family.
func (c *pageCtx) familyRand(key string) *rand.Rand {
	if c.s.Family == 0 {
		return c.siteRand(key)
	}
	return rand.New(rand.NewPCG(mix(uint64(c.w.opts.Seed), uint64(c.s.Family)), hashString("family:"+key)))
}

// sp picks one of options, the same on every page of the site (per-site wording).
func (c *pageCtx) sp(key string, options ...string) string {
	return c.f(options[c.w.siteHash(c.i, key)%uint64(len(options))])
}

// spN picks n different options, the same on every page of the site.
func (c *pageCtx) spN(key string, n int, options ...string) []string {
	r := c.siteRand(key)
	out := make([]string, 0, n)
	for _, j := range r.Perm(len(options))[:min(n, len(options))] {
		out = append(out, c.f(options[j]))
	}
	return out
}

// rp picks one of options for this page.
func (c *pageCtx) rp(options ...string) string { return c.f(options[c.r.IntN(len(options))]) }

// f fills {name} placeholders from c.vars.
func (c *pageCtx) f(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		key := s[i+1 : i+j]
		if v, ok := c.vars[key]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return strings.ReplaceAll(b.String(), "руб..", "руб.")
}

// lang returns en or ru text for the page language; bilingual pages get the first language of the site.
func (c *pageCtx) lang(en, ru string) string {
	if c.ru && (!c.en || c.s.variant&1 == 0) {
		return c.f(ru)
	}
	return c.f(en)
}

// siteURL is the absolute URL of path on site j.
func (c *pageCtx) siteURL(j int32, path string) string {
	h := c.w.sites[j].Host
	if c.port != 0 && c.port != 80 {
		h += ":" + strconv.Itoa(c.port)
	}
	return "http://" + h + path
}

// HTML writing helpers. Text arguments are escaped; raw ones are not.

func (c *pageCtx) raw(s string)  { c.d.WriteString(s) }
func (c *pageCtx) text(s string) { c.d.WriteString(html.EscapeString(s)) }
func (c *pageCtx) el(tag, text string) {
	c.raw("<" + tag + ">")
	c.text(text)
	c.raw("</" + tagName(tag) + ">\n")
}
func (c *pageCtx) p(text string)  { c.el("p", text) }
func (c *pageCtx) h1(text string) { c.el("h1", text) }
func (c *pageCtx) h2(text string) { c.el("h2", text) }
func (c *pageCtx) a(href, text string) {
	c.raw(`<a href="` + html.EscapeString(href) + `">`)
	c.text(text)
	c.raw("</a>")
}
func (c *pageCtx) li(href, text string) {
	c.raw("<li>")
	c.a(href, text)
	c.raw("</li>\n")
}

func tagName(tag string) string {
	if i := strings.IndexByte(tag, ' '); i >= 0 {
		return tag[:i]
	}
	return tag
}

// begin writes the document head and the site header with its navigation.
func (c *pageCtx) begin(title string) {
	s := c.s
	htmlLang := "en"
	if c.ru && (!c.en || s.variant&1 == 0) {
		htmlLang = "ru"
	}
	c.raw("<!DOCTYPE html>\n<html lang=\"" + htmlLang + "\">\n<head>\n")
	if !(s.headerCS && s.Charset != CharsetUTF8 && s.variant&2 != 0) {
		label := s.Charset
		if label == Charset1251 && s.variant&4 != 0 {
			label = "Windows-1251"
		}
		if s.metaStyle == 0 {
			c.raw(`<meta charset="` + label + "\">\n")
		} else {
			c.raw(`<meta http-equiv="Content-Type" content="text/html; charset=` + label + "\">\n")
		}
	}
	c.el("title", title)
	c.raw(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	c.raw("</head>\n<body>\n<div class=\"header\">")
	c.a("/", s.Name)
	c.raw("</div>\n<ul class=\"nav\">\n")
	for _, d := range c.plan {
		if d.nav != "" {
			c.li(d.path, d.nav)
		}
	}
	c.raw("</ul>\n<div class=\"content\">\n")
}

// end writes the cross-site links of the page, the footer and counters.
func (c *pageCtx) end(footer ...string) {
	c.raw("</div>\n")
	if len(c.out) > 0 && c.s.Kind != KindHub {
		c.outLinks()
	}
	c.raw("<div class=\"footer\">\n")
	for _, f := range footer {
		if f != "" {
			c.p(f)
		}
	}
	c.raw("</div>\n")
	c.counters()
	c.raw("</body>\n</html>\n")
}

// finish encodes the page in the site's charset.
func (c *pageCtx) finish(status int) Page {
	s := c.s
	ct := "text/html"
	if s.headerCS {
		ct += "; charset=" + s.Charset
	}
	body := c.d.String()
	var enc *encoding.Encoder
	switch s.Charset {
	case Charset1251:
		enc = charmap.Windows1251.NewEncoder()
	case CharsetKOI8R:
		enc = charmap.KOI8R.NewEncoder()
	}
	if enc == nil {
		return Page{Status: status, ContentType: ct, Body: []byte(body)}
	}
	b, err := encoding.HTMLEscapeUnsupported(enc).String(body)
	if err != nil { // not reached: unsupported runes are escaped
		b = body
	}
	return Page{Status: status, ContentType: ct, Body: []byte(b)}
}

// counters writes analytics snippets: liveinternet, Yandex.Metrika and Google Analytics.
// Stores of one family share their IDs.
func (c *pageCtx) counters() {
	fr := c.familyRand("counters")
	if c.s.Kind != KindStore {
		fr = c.siteRand("counters")
	}
	metrika := 10000000 + fr.IntN(89999999)
	ga := fmt.Sprintf("UA-%d-%d", 1000000+fr.IntN(8999999), 1+fr.IntN(3))
	bits := fr.Uint32()
	if c.s.Kind == KindStore {
		bits |= 1 // stores always count visitors somehow
	}
	// A store without Russia links (Flagged false) must not carry a Russian
	// counter either: that would be a Russia link its truth denies.
	ruish := c.ru || c.s.Country == "RU" || (c.s.Kind == KindStore && c.s.Flagged)
	if bits&1 != 0 && ruish {
		c.raw(`<!--LiveInternet counter--><script type="text/javascript">document.write("<a href='//www.liveinternet.ru/click' ` +
			`target=_blank><img src='//counter.yadro.ru/hit?t14.6;r" + escape(document.referrer) + ";" + Math.random() + ` +
			`"' alt='' title='LiveInternet' border='0' width='88' height='31'><\/a>")</script><!--/LiveInternet-->` + "\n")
	}
	if bits&2 != 0 && ruish {
		c.raw(fmt.Sprintf(`<script type="text/javascript">(function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};`+
			`m[i].l=1*new Date();k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,k.src=r,a.parentNode.insertBefore(k,a)})`+
			`(window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym");ym(%d, "init", {clickmap:true, trackLinks:true, accurateTrackBounce:true});</script>`+"\n", metrika))
	}
	if bits&4 != 0 {
		if bits&8 != 0 {
			c.raw(fmt.Sprintf("<script type=\"text/javascript\">var _gaq = _gaq || [];_gaq.push(['_setAccount', '%s']);_gaq.push(['_trackPageview']);</script>\n", ga))
		} else {
			c.raw(fmt.Sprintf("<script>window.dataLayer = window.dataLayer || [];function gtag(){dataLayer.push(arguments);}gtag('js', new Date());gtag('config', '%s');</script>\n", ga))
		}
	}
}

// outLinks writes the page's cross-site links with anchor text that suits the linking site.
func (c *pageCtx) outLinks() {
	heading := c.lang("Links", "Ссылки")
	switch c.s.Kind {
	case KindStore:
		heading = c.lang(c.sp("partners-en", "Our partners", "Partner stores", "Sister sites", "Also try"), c.sp("partners-ru", "Наши партнёры", "Партнёры", "Другие магазины"))
	case KindPersonal:
		heading = c.lang("My links", "Мои ссылки")
	case KindForum:
		heading = c.lang("Links from posts", "Ссылки из сообщений")
	}
	c.raw("<div class=\"links\">\n")
	c.h2(heading)
	c.raw("<ul>\n")
	for _, t := range c.out {
		c.raw("<li>")
		c.a(c.siteURL(t, "/"), c.w.sites[t].Name)
		if d := c.describe(t); d != "" {
			c.text(" — " + d)
		}
		c.raw("</li>\n")
	}
	c.raw("</ul>\n</div>\n")
}

// describe is a short description of site t as another site would write it: often right, sometimes loose.
func (c *pageCtx) describe(t int32) string {
	ts := &c.w.sites[t]
	r := rand.New(rand.NewPCG(c.w.siteHash(int(t), "describe"), uint64(c.i)))
	if r.IntN(5) == 0 {
		return ""
	}
	if r.IntN(8) == 0 { // loose or wrong descriptions exist too
		return c.lang(pick(r, []string{"music", "cool site", "downloads", "interesting", "mp3"}),
			pick(r, []string{"музыка", "интересный сайт", "скачать", "полезное", "mp3"}))
	}
	var en, ru []string
	switch ts.Kind {
	case KindStore:
		en = []string{"cheap legal mp3 downloads", "albums for a couple of dollars", "music store, pay per download", "MP3 and FLAC downloads, cheap", "download albums in any bitrate"}
		ru = []string{"дешёвые mp3 альбомы", "музыкальный магазин, оплата за скачивание", "легальная музыка недорого", "mp3 в любом битрейте"}
	case KindFreeMP3:
		en = []string{"free mp3", "free music downloads", "mp3 without registration"}
		ru = []string{"бесплатные mp3", "скачать музыку бесплатно", "музыка без регистрации"}
	case KindTorrent:
		en = []string{"torrent tracker", "lossless torrents", "music and movies torrents"}
		ru = []string{"торрент-трекер", "раздачи музыки во FLAC", "торренты"}
	case KindStreaming:
		en = []string{"listen online by subscription", "streaming service", "music streaming"}
		ru = []string{"слушать музыку онлайн", "музыкальный сервис по подписке", "стриминг"}
	case KindTrackStore:
		en = []string{"digital music store", "buy mp3 tracks", "official downloads"}
		ru = []string{"магазин цифровой музыки", "купить треки"}
	case KindLabel:
		en = []string{"record label", "independent label", "label site"}
		ru = []string{"звукозаписывающая компания", "лейбл"}
	case KindRadio:
		en = []string{"radio station", "online radio", "listen live"}
		ru = []string{"радиостанция", "радио онлайн", "прямой эфир"}
	case KindMusicBlog:
		en = []string{"music industry blog", "news about digital music", "blog"}
		ru = []string{"блог о музыке", "музыкальные новости", "журнал"}
	case KindShop:
		en = []string{"online shop", "good prices", "shop"}
		ru = []string{"интернет-магазин", "доставка по России", "магазин"}
	case KindNews:
		en = []string{"news", "local news", "daily news"}
		ru = []string{"новости", "городские новости", "новости дня"}
	case KindForum:
		en = []string{"forum", "community", "discussion board"}
		ru = []string{"форум", "общение", "сообщество"}
	case KindHub:
		en = []string{"web directory", "links catalogue", "top sites"}
		ru = []string{"каталог сайтов", "рейтинг сайтов", "портал"}
	default:
		en = []string{"home page", "company site", "site", "personal page"}
		ru = []string{"сайт", "домашняя страница", "компания"}
	}
	return c.lang(pick(r, en), pick(r, ru))
}

// plan lists the pages of site i. It is recomputed on each request from the site's record.
func (w *Web) plan(i int) []pageDef {
	s := &w.sites[i]
	r := rand.New(rand.NewPCG(w.siteHash(i, "plan"), 2))
	var defs []pageDef
	switch s.Kind {
	case KindStore:
		defs = planStore(s, r)
	case KindFreeMP3, KindTorrent, KindStreaming, KindTrackStore, KindLabel, KindRadio, KindMusicBlog:
		defs = planMusic(s, r)
	case KindHub:
		defs = planHub(s, len(w.links[i]))
	default:
		defs = planOther(s, r)
	}
	if s.robots == robotsPrivate || s.robots == robotsDelay {
		p := privatePath(s)
		defs = append(defs, pageDef{path: p, typ: pPrivate, nav: privateLabel(s, p), ext: -1})
	}
	pos := 0
	for j := range defs {
		if defs[j].ext >= 0 && s.Kind != KindHub {
			defs[j].ext = pos
			pos++
		}
	}
	return defs
}

// pageLinks returns the cross-site links carried by def.
func (w *Web) pageLinks(i int, plan []pageDef, def *pageDef) []int32 {
	links := w.links[i]
	if w.sites[i].Kind == KindHub {
		if def.typ != pDir {
			return nil
		}
		lo := min(len(links), def.n*hubLinksPerDir)
		hi := min(len(links), lo+hubLinksPerDir)
		return links[lo:hi]
	}
	nExt := 0
	for _, d := range plan {
		if d.ext >= 0 {
			nExt++
		}
	}
	var out []int32
	for k, t := range links {
		if k%nExt == def.ext {
			out = append(out, t)
		}
	}
	return out
}

// render draws the page by type.
func (c *pageCtx) render() {
	switch c.s.Kind {
	case KindStore:
		c.renderStore()
	case KindFreeMP3, KindTorrent:
		c.renderPiracy()
	case KindStreaming, KindTrackStore, KindLabel, KindRadio, KindMusicBlog:
		c.renderLegit()
	case KindHub:
		c.renderHub()
	default:
		c.renderOther()
	}
}

// notFound draws a 404 page in the site's style.
func (c *pageCtx) notFound() {
	c.begin(c.lang("Page not found", "Страница не найдена"))
	c.h1(c.lang("404 — page not found", "404 — страница не найдена"))
	c.p(c.lang("The page you requested does not exist. Go back to the home page.", "Запрошенная страница не существует. Вернитесь на главную."))
	c.end()
}

func serverErrorBody(code int, v uint32) string {
	text := map[int]string{500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[code]
	if v&8 != 0 {
		return fmt.Sprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", code, text, code, text)
	}
	return fmt.Sprintf("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>%d %s</title>\n</head><body>\n<h1>%s</h1>\n<p>The server encountered an internal error or misconfiguration and was unable to complete your request.</p>\n<hr>\n<address>Apache/2.2.22 Server</address>\n</body></html>\n", code, text, text)
}

// robots.txt variants.
const (
	robotsAllowAll uint8 = iota
	robotsMissing
	robotsPrivate
	robotsDelay
	robotsYandex
	robotsSitemap
	robotsDenyAll
)

func pickRobots(k Kind, r *rand.Rand) uint8 {
	if k == KindRobotsDenyAll {
		return robotsDenyAll
	}
	return weighted(r, []uint8{robotsAllowAll, robotsMissing, robotsPrivate, robotsDelay, robotsYandex, robotsSitemap},
		[]int{45, 15, 15, 8, 7, 10})
}

// CrawlDelay returns the Crawl-delay that the site's robots.txt asks of every agent, or 0.
func (s Site) CrawlDelay() int {
	if s.robots != robotsDelay {
		return 0
	}
	return 1 + int(s.variant>>8)%2
}

func privatePath(s *Site) string {
	switch s.Kind {
	case KindStore, KindShop:
		return "/cart/"
	case KindPersonal:
		return "/private/"
	}
	return "/admin/"
}

func privateLabel(s *Site, path string) string {
	ru := s.Lang == "ru"
	switch path {
	case "/cart/":
		if ru {
			return "Корзина"
		}
		return "Cart"
	case "/private/":
		if ru {
			return "Личное"
		}
		return "Private"
	}
	if ru {
		return "Вход"
	}
	return "Login"
}

// robots returns the robots.txt of site s, or false if it has none.
func (w *Web) robots(s *Site, port int) (string, bool) {
	switch s.robots {
	case robotsMissing:
		return "", false
	case robotsDenyAll:
		return "User-agent: *\nDisallow: /\n", true
	case robotsPrivate:
		return fmt.Sprintf("User-agent: *\nDisallow: %s\n", privatePath(s)), true
	case robotsDelay:
		return fmt.Sprintf("User-agent: *\nCrawl-delay: %d\nDisallow: %s\n", s.CrawlDelay(), privatePath(s)), true
	case robotsYandex:
		return fmt.Sprintf("User-agent: Yandex\nDisallow: /search\nHost: %s\n\nUser-agent: *\nDisallow: /search\n", s.Host), true
	case robotsSitemap:
		h := s.Host
		if port != 0 && port != 80 {
			h += ":" + strconv.Itoa(port)
		}
		return fmt.Sprintf("# robots.txt for %s\nUser-agent: *\nAllow: /\n\nSitemap: http://%s/sitemap.xml\n", s.Host, h), true
	}
	return "User-agent: *\nDisallow:\n", true
}

func (c *pageCtx) sitemap() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, d := range c.plan {
		fmt.Fprintf(&b, "<url><loc>%s</loc></url>\n", html.EscapeString(c.siteURL(int32(c.i), d.path)))
	}
	b.WriteString("</urlset>\n")
	return b.String()
}
