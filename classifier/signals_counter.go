package classifier

import (
	"net/url"
	"regexp"
)

// Names of the signals that mark a page as a report about music sites.
const (
	SignalNews         = "legit.news"
	SignalPressMention = "legit.press_mention"
)

// Counter-signals: sites that look a little like the target but are not
// stores of its kind. Piracy (torrents, free downloads) is its own class;
// licensed services, radio, labels, news and shops of players are legit.
var counterSignals = []Signal{
	{Name: "piracy.torrent", Axis: AxisPiracy, Group: GroupPiracy, Weight: 0.6, detect: detectTorrent,
		Doc: "a torrent tracker: magnet links, .torrent files, seeders and leechers (раздачи, сиды)"},
	{Name: "piracy.free_download", Axis: AxisPiracy, Group: GroupPiracy, Weight: 0.5, detect: detectFreeDownload,
		Doc: "free music downloads (скачать бесплатно, без регистрации)"},
	{Name: "piracy.file_host", Axis: AxisPiracy, Group: GroupPiracy, Weight: 0.35, detect: detectFileHost,
		Doc: "links to file-hosting services (Rapidshare, DepositFiles, Turbobit…)"},
	{Name: "legit.subscription", Axis: AxisLegit, Group: GroupMusic, Weight: 0.45, detect: detectSubscription,
		Doc: "a streaming subscription by the month (199 ₽ в месяц, $9.99/month)"},
	{Name: "legit.standard_price", Axis: AxisLegit, Group: GroupMusic, Weight: 0.45, detect: detectStandardPrice,
		Doc: "licensed-store prices: $0.50 or more a track (15 ₽ at the rouble's old rate), $4.50 or more an album"},
	{Name: "legit.radio", Axis: AxisLegit, Group: GroupMusic, Weight: 0.45, detect: detectRadio,
		Doc: "a radio station: on air, listen live, FM frequency, в эфире (radios do hold ROMS licences)"},
	{Name: "legit.label", Axis: AxisLegit, Group: GroupMusic, Weight: 0.4, detect: detectLabel,
		Doc: "a record label: our artists, demo submissions, лейбл"},
	{Name: SignalNews, Axis: AxisLegit, Group: GroupOther, Weight: 0.4, detect: detectNews,
		Doc: "news or blog framing: posted by, comments, according to (опубликовано, по данным)"},
	{Name: SignalPressMention, Axis: AxisLegit, Group: GroupOther, Weight: 0.35, detect: detectPressMention,
		Doc: "AllofMP3 or a successor written about in the third person: lawsuit, RIAA, IFPI, court"},
	{Name: "legit.hardware_shop", Axis: AxisLegit, Group: GroupOther, Weight: 0.5, detect: detectHardwareShop,
		Doc: "a shop of players and headphones: warranty, in stock, delivery (гарантия, доставка)"},
}

// Piracy.

var (
	torrentStrong = rx(`magnet:\?xt=|\.torrent`)
	torrentWord   = rx(`torrents?|торрент\p{L}*`)
	swarmWord     = rx(`seeders?|leechers?|seeds|peers|сидер\p{L}*|сиды|сидов|сидами|личер\p{L}*|личей|пиры|пиров|раздач\p{L}*|раздающ\p{L}*`)
	torrentPath   = regexp.MustCompile(`(?i)\.torrent(?:$|\?)|(?:^|/)(?:torrents?|magnet)(?:/|$)`)
)

func detectTorrent(d *Doc) (string, bool) {
	if s, ok := d.first(torrentStrong); ok {
		return s, true
	}
	if _, ok := d.text.find(torrentWord); ok {
		if s, ok := d.nearSnippet(torrentWord, swarmWord, 400); ok {
			return s, true
		}
		for _, p := range d.Page.LinkPaths {
			if torrentPath.MatchString(p) {
				return "link " + p, true
			}
		}
	}
	return "", false
}

const musicNoun = `(?:mp3s?|music|songs?|albums?|tracks?|discograph\p{L}*)`

var freeDownloadPhrases = []*pattern{
	rx(`free\s+` + musicNoun + `\s+downloads?`),
	rx(`download\s+(?:\p{L}+\s+){0,3}?` + musicNoun + `\s+(?:\p{L}+\s+){0,2}?(?:for\s+free|free\s+of\s+charge|free)`),
	rx(musicNoun + `\s+(?:for\s+)?free\s+download`),
	rx(`download\s+(?:\p{L}+\s+){0,2}?free\s+(?:mp3|music)`),
	rx(`скача\p{L}*\s+(?:\S+\s+){0,3}?бесплатно`),
	rx(`бесплатно\s+(?:и\s+без\s+регистрации\s+)?скача\p{L}*`),
	rx(`бесплатн\p{L}*\s+(?:mp3|музык\p{L}*|песн\p{L}*|скачивани\p{L}*)`),
	rx(`без\s+регистрации\s+и\s+смс`),
}

// detectFreeDownload fires on free downloads on a page about music: a
// company's free price list is no piracy.
func detectFreeDownload(d *Doc) (string, bool) {
	if d.musicWords() == 0 {
		return "", false
	}
	return d.first(freeDownloadPhrases...)
}

var (
	fileHosts = []string{"rapidshare.com", "rapidshare.de", "depositfiles.com", "turbobit.net", "letitbit.net",
		"uploaded.net", "ul.to", "mediafire.com", "zippyshare.com", "hitfile.net", "ifolder.ru", "sendspace.com",
		"4shared.com", "vip-file.com", "narod.ru", "rusfolder.com", "unibytes.com", "extabit.com",
		"megaupload.com", "mega.nz", "hotfile.com", "fileserve.com"}
	fileHostWord = rx(`rapidshare|depositfiles|turbobit|letitbit|uploaded\.net|mediafire|zippyshare|hitfile|ifolder|sendspace|4shared|vip-file|rusfolder|unibytes|extabit|megaupload|hotfile|fileserve`)
)

func detectFileHost(d *Doc) (string, bool) {
	if h, ok := hostIn(d.Page.OutHosts, fileHosts); ok {
		return "links to " + h, true
	}
	sps := d.text.findAll(fileHostWord, 16)
	names := make(map[string]bool)
	for _, sp := range sps {
		names[d.text.folded[sp.start:sp.end]] = true
	}
	if len(names) >= 2 {
		return d.text.snippet(sps[0]), true
	}
	return "", false
}

// Licensed music businesses.

var (
	subscriptionPhrases = []*pattern{
		rx(`(?:monthly|annual|yearly|premium|family|student|individual)\s+(?:subscription|plan|membership)`),
		rx(`unlimited\s+(?:streaming|listening|access\s+to)`),
		rx(`(?:first|1st)\s+month\s+free|free\s+trial`),
		rx(`безлимитн\p{L}*\s+(?:прослушивани\p{L}*|доступ\p{L}*)`),
		rx(`пробн\p{L}*\s+период\p{L}*|(?:первый\s+)?месяц\s+бесплатно`),
	}
	subscribeEn = rx(`subscri\p{L}*`)
	perPeriodEn = rx(`per\s+month|a\s+month|/\s?mo(?:nth)?|monthly|per\s+year|a\s+year|premium`)
	subscribeRu = rx(`подписк\p{L}*|подпис\p{L}*|підписк\p{L}*`)
	perPeriodRu = rx(`в\s+месяц|/\s?мес|ежемесячн\p{L}*|месяц\p{L}*|безлимит\p{L}*|премиум|в\s+год|на\s+місяць|місяц\p{L}*|щомісяч\p{L}*`)
)

// detectSubscription fires on a subscription on a page about music: a
// hosting plan or a newspaper by the month is not a streaming service.
func detectSubscription(d *Doc) (string, bool) {
	if d.musicWords() < 2 {
		return "", false
	}
	if s, ok := moneyWhere(d, func(m Money) bool { return m.Unit == UnitMonth }); ok {
		return s, true
	}
	if s, ok := d.first(subscriptionPhrases...); ok {
		return s, true
	}
	if s, ok := d.nearSnippet(subscribeEn, perPeriodEn, 60); ok {
		return s, true
	}
	return d.nearSnippet(subscribeRu, perPeriodRu, 60)
}

// musicWord names music: "music", "songs", "альбом", "пісні".
var musicWord = rxWindow(`music|musical|mp3s?|hits|хит\p{L}*|songs?|tracks?|albums?|artists?|singles?|playlists?|listen\p{L}*|lossless|hi-?fi|audio|podcasts?|radio|меломан\p{L}*|аудио|подкаст\p{L}*|радио|музык\p{L}*|песн\p{L}*|песен|трек\p{L}*|альбом\p{L}*|исполнител\p{L}*|артист\p{L}*|слуша\p{L}*|музик\p{L}*|пісн\p{L}*|слуха\p{L}*`, shortWindow)

// musicWords counts the page's words about music, up to two.
func (d *Doc) musicWords() int {
	if d.music < 0 {
		d.music = len(d.text.findAll(musicWord, 2))
	}
	return d.music
}

func detectStandardPrice(d *Doc) (string, bool) {
	return moneyWhere(d, func(m Money) bool {
		return (m.Unit == UnitTrack && m.USD >= 0.5 && m.USD <= 3) ||
			(m.Unit == UnitAlbum && m.USD >= 4.5 && m.USD <= 40)
	})
}

// atLeast fires when at least n of res match, with the first as snippet.
func (d *Doc) atLeast(n int, res []*pattern) (string, bool) {
	if k, sp := d.distinct(res); k >= n {
		return d.text.snippet(sp), true
	}
	return "", false
}

var radioMarkers = []*pattern{
	rx(`radio\s+station|radiostation`),
	rx(`on\s+air|on-air`),
	rx(`listen\s+live|live\s+stream|live\s+broadcast|listen\s+online`),
	rx(`\d{2,3}[.,]\d\s?fm|fm\s?\d{2,3}[.,]\d`),
	rx(`broadcast\p{L}*|frequenc\p{L}*|airplay|(?:dj|programme|program|show)\s+schedule`),
	rx(`радиостанц\p{L}*|радио\s+станц\p{L}*|радио\s+онлайн|онлайн[- ]радио|интернет[- ]радио`),
	rx(`(?:internet|online|web)\s+radio|radio\s+online`),
	rx(`ведущ(?:ие|ий|ая|их)|(?:our|the)\s+(?:presenters|djs)`),
	rx(`в\s+эфире|прям\p{L}*\s+эфир\p{L}*|эфир\p{L}*`),
	rx(`слушать\s+(?:\p{L}+\s+)?(?:онлайн|радио|эфир\p{L}*)`),
	rx(`(?:сетка|программа|расписание)\s+(?:вещания|передач|эфира)|вещани\p{L}*|частот\p{L}*`),
}

func detectRadio(d *Doc) (string, bool) { return d.atLeast(2, radioMarkers) }

var labelMarkers = []*pattern{
	rx(`record\s+label|independent\s+label|our\s+label`),
	rx(`our\s+artists|artist\s+roster|label\s+roster`),
	rx(`(?:send|submit)\s+(?:us\s+)?(?:your\s+)?demos?|demo\s+submissions?|demo\s+policy`),
	rx(`signed\s+(?:to|with)\s+(?:us|the\s+label|our\s+label)|new\s+signing`),
	rx(`звукозаписывающ\p{L}*\s+(?:компани\p{L}*|лейбл\p{L}*)|наш\s+лейбл|независим\p{L}*\s+лейбл\p{L}*`),
	rx(`наши\s+артисты|артисты\s+лейбла`),
	rx(`(?:присылайте|отправ\p{L}*|прием)\s+(?:\p{L}+\s+){0,2}?демо`),
	rx(`(?:new|latest|upcoming|forthcoming)\s+releases?|(?:release|label)\s+catalogu?e|cat(?:alogue)?\.?\s+(?:no|number)\.?`),
	rx(`(?:новые|свежие|последние)\s+релиз\p{L}*|релиз\p{L}*\s+лейбла|каталог\s+лейбла`),
}

// labelHost matches the host names record labels give themselves.
var labelHost = regexp.MustCompile(`(?:^|[.-])(?:[a-z0-9-]*records?|[a-z0-9-]*recordings|[a-z0-9-]*rekords?|zvukozapis[a-z0-9-]*)(?:[.-]|$)`)

// detectLabel fires on two marks of a record label; a host name like
// "northfield-records.com" is one.
func detectLabel(d *Doc) (string, bool) {
	k, sp := d.distinct(labelMarkers)
	if labelHost.MatchString(d.Page.lowerHost()) {
		if k >= 1 {
			return d.text.snippet(sp), true
		}
		return "", false
	}
	if k >= 2 {
		return d.text.snippet(sp), true
	}
	return "", false
}

// Reports and shops.

var newsMarkers = []*pattern{
	rx(`posted\s+(?:by|on|in)|published\s+(?:by|on)`),
	rx(`written\s+by|staff\s+(?:writer|reporter)|author\s*:`),
	rx(`\d+\s+comments?|comments?\s*(?:\(\d+\)|:\s*\d+)|leave\s+a\s+(?:comment|reply)|add\s+(?:a\s+)?comment`),
	rx(`related\s+(?:posts|articles|stories|news)|filed\s+under|permalink`),
	rx(`according\s+to|(?:said|told)\s+(?:in\s+a\s+statement|reporters|journalists)|spokes(?:man|woman|person)|reported\s+(?:that|on)`),
	rx(`\d+\s+комментари\p{L}*|комментари\p{L}*\s*(?:\(\d+\)|:\s*\d+)|(?:оставить|добавить)\s+комментари\p{L}*`),
	rx(`опубликован\p{L}*|автор\s*:|разместил\p{L}*`),
	rx(`похожие\s+(?:статьи|новости|записи|материалы)`),
	// Forums: people asking each other about sites are reports too.
	rx(`(?:posts|replies|messages|сообщений|ответов)\s*:\s*\d+`),
	rx(`(?:topics|threads|views|тем|просмотров)\s*:\s*\d+`),
	// A post's signature: a user name, then the date it was written.
	rx(`[\p{L}_][\p{L}\d_.-]{2,24}\s+[0-3]?\d[./][01]?\d[./](?:19|20)\d\d`),
	rx(`(?:does|has)\s+anyone\s+(?:know|tried|used)|anyone\s+(?:know|tried|used)|посоветуйте|подскажите|кто-нибудь\s+(?:знает|пробовал|покупал)|кто\s+(?:знает|пробовал|покупал)`),
	rx(`по\s+(?:данным|словам|сообщению)|заявил\p{L}*|пресс-служб\p{L}*|сообщает\s+\p{L}+`),
}

// datedPath matches the permalink scheme of blogs and news sites
// (/2007/07/slug.html, /2006-10-19-slug, /news/2006/10/) and of forum
// threads (/thread/186/, /viewtopic.php).
var datedPath = regexp.MustCompile(`/(?:19|20)\d\d(?:/[01]?\d/|-[01]\d-[0-3]\d)|/(?:thread|topic|viewtopic|showthread)s?\b`)

// detectNews fires on a page framed as a report: two framing markers, or
// one on a page whose URL is a dated permalink.
func detectNews(d *Doc) (string, bool) {
	need := 2
	if u, err := url.Parse(d.Page.URL); err == nil && datedPath.MatchString(u.Path) {
		need = 1
	}
	return d.atLeast(need, newsMarkers)
}

var (
	lineageName = rx(`allofmp3(?:\.com|\.ru)?|alltunes|mp3sparks|gomusicnow|mp3fiesta|legalsounds|mediaservices`)
	pressWord   = rx(`used\s+to|was\s+(?:a|an|the|one)|(?:it|they)\s+(?:charged|sold|offered|claimed)|lawsuits?|sued|sues|suing|riaa|ifpi|courts?|prosecut\p{L}*|shut\s+down|shutdown|closed|piracy|pirate\p{L}*|illegal\p{L}*|blocked|wto|trade\s+(?:talks|negotiations)|investigat\p{L}*|иск(?:а|ом|у|и|ов)?|суд(?:а|е|ом|у|ы|ов|ебн\p{L}*)?|прокурат\p{L}*|закры\p{L}*|пират\p{L}*|нелегальн\p{L}*|незаконн\p{L}*|вто`)
)

func detectPressMention(d *Doc) (string, bool) { return d.nearSnippet(lineageName, pressWord, 150) }

var (
	productWord = rx(`mp3[- ]?players?|media\s+players?|portable\s+players?|headphones?|earphones?|earbuds?|speakers?|mp3[- ]?плеер\p{L}*|плеер\p{L}*|наушник\p{L}*|колонк\p{L}*|гарнитур\p{L}*`)
	shopMarkers = []*pattern{
		rx(`warranty|guarantee|гаранти\p{L}*`),
		rx(`in\s+stock|out\s+of\s+stock|в\s+наличии|нет\s+в\s+наличии`),
		rx(`free\s+shipping|shipping|delivery|доставк\p{L}*|самовывоз`),
		rx(`battery\s+life|battery|аккумулятор\p{L}*|батаре\p{L}*`),
		rx(`\d+\s?(?:gb|гб)\s+(?:memory|storage|памяти)|карт\p{L}*\s+памяти|memory\s+card|microsd`),
	}
)

func detectHardwareShop(d *Doc) (string, bool) {
	sp, ok := d.text.find(productWord)
	if !ok {
		return "", false
	}
	if k, _ := d.distinct(shopMarkers); k < 2 {
		return "", false
	}
	return d.text.snippet(sp), true
}
