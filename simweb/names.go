package simweb

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// Word banks for host names and display names.

var enAdj = []string{"good", "best", "big", "blue", "bright", "cool", "easy", "fast", "fresh", "golden", "green",
	"happy", "mega", "metro", "nova", "prime", "red", "silver", "smart", "super", "top", "urban", "wild", "north",
	"royal", "true", "pure", "clever", "sunny", "grand", "little", "open", "active", "digital"}

var enNoun = []string{"art", "bay", "bird", "box", "bridge", "city", "cloud", "coast", "craft", "deck", "depot",
	"dock", "field", "fox", "garden", "gate", "harbor", "hill", "house", "lab", "lake", "land", "line", "link",
	"mill", "nest", "oak", "path", "peak", "point", "port", "river", "road", "rock", "spot", "stone", "studio",
	"tower", "trade", "vale", "wave", "works", "world", "yard", "zone", "maple", "falcon", "anchor", "pixel"}

// ruWord pairs a transliterated word with its Cyrillic spelling.
type ruWord struct{ lat, cyr string }

var ruWords = []ruWord{{"dom", "дом"}, {"gorod", "город"}, {"mir", "мир"}, {"sad", "сад"}, {"les", "лес"},
	{"volna", "волна"}, {"sever", "север"}, {"yug", "юг"}, {"ural", "урал"}, {"sibir", "сибирь"},
	{"volga", "волга"}, {"neva", "нева"}, {"baikal", "байкал"}, {"zvezda", "звезда"}, {"nebo", "небо"},
	{"reka", "река"}, {"more", "море"}, {"bereg", "берег"}, {"svet", "свет"}, {"teplo", "тепло"},
	{"uyut", "уют"}, {"master", "мастер"}, {"stroy", "строй"}, {"tekhno", "техно"}, {"servis", "сервис"},
	{"profi", "профи"}, {"start", "старт"}, {"vega", "вега"}, {"alfa", "альфа"}, {"orbita", "орбита"},
	{"ritm", "ритм"}, {"puls", "пульс"}, {"vesna", "весна"}, {"efir", "эфир"}, {"luch", "луч"},
	{"kapital", "капитал"}, {"retro", "ретро"}, {"mebel", "мебель"}, {"knigi", "книги"}, {"okna", "окна"},
	{"dveri", "двери"}, {"remont", "ремонт"}, {"tsvety", "цветы"}, {"podarki", "подарки"}, {"tekhnika", "техника"},
	{"zvuk", "звук"}, {"muzyka", "музыка"}, {"radio", "радио"}, {"novosti", "новости"}, {"sport", "спорт"},
	{"avto", "авто"}, {"rybak", "рыбак"}, {"turist", "турист"}, {"dacha", "дача"}, {"foto", "фото"},
	{"kino", "кино"}, {"igry", "игры"}, {"zdorovie", "здоровье"}, {"krovlya", "кровля"}, {"plitka", "плитка"},
	{"energo", "энерго"}, {"elektro", "электро"}, {"prom", "пром"}, {"snab", "снаб"}, {"torg", "торг"},
	{"lada", "лада"}, {"rus", "русь"}, {"vostok", "восток"}, {"zapad", "запад"}, {"kedr", "кедр"}}

type person struct{ lat, cyr string }

var ruFirst = []person{{"ivan", "Иван"}, {"sergey", "Сергей"}, {"andrey", "Андрей"}, {"dmitry", "Дмитрий"},
	{"alexey", "Алексей"}, {"pavel", "Павел"}, {"oleg", "Олег"}, {"igor", "Игорь"}, {"vladimir", "Владимир"},
	{"nikolay", "Николай"}, {"olga", "Ольга"}, {"natasha", "Наташа"}, {"elena", "Елена"}, {"maria", "Мария"},
	{"anna", "Анна"}, {"tatiana", "Татьяна"}, {"irina", "Ирина"}, {"svetlana", "Светлана"}, {"yulia", "Юлия"},
	{"roman", "Роман"}, {"maxim", "Максим"}, {"artem", "Артём"}, {"denis", "Денис"}, {"kirill", "Кирилл"}}

var ruLast = []person{{"petrov", "Петров"}, {"ivanov", "Иванов"}, {"smirnov", "Смирнов"}, {"kuznetsov", "Кузнецов"},
	{"popov", "Попов"}, {"sokolov", "Соколов"}, {"lebedev", "Лебедев"}, {"kozlov", "Козлов"}, {"novikov", "Новиков"},
	{"morozov", "Морозов"}, {"volkov", "Волков"}, {"solovyov", "Соловьёв"}, {"vasiliev", "Васильев"},
	{"zaytsev", "Зайцев"}, {"pavlov", "Павлов"}, {"orlov", "Орлов"}, {"belov", "Белов"}, {"frolov", "Фролов"}}

var enFirst = []string{"john", "mike", "david", "chris", "sarah", "emma", "laura", "paul", "tom", "kate", "peter",
	"lisa", "mark", "jane", "steve", "anna"}
var enLast = []string{"smith", "jones", "brown", "miller", "wilson", "taylor", "clark", "walker", "baker", "hall",
	"young", "king", "wright", "green"}
var deFirst = []string{"klaus", "juergen", "anke", "petra", "stefan", "thomas", "sabine", "uwe", "katrin", "jens"}
var deLast = []string{"mueller", "schmidt", "schneider", "fischer", "weber", "wagner", "becker", "hoffmann", "koch"}

type city struct{ lat, cyr, en string }

var cities = []city{{"moskva", "Москва", "Moscow"}, {"piter", "Петербург", "St Petersburg"}, {"kazan", "Казань", "Kazan"},
	{"samara", "Самара", "Samara"}, {"omsk", "Омск", "Omsk"}, {"tomsk", "Томск", "Tomsk"}, {"perm", "Пермь", "Perm"},
	{"ufa", "Уфа", "Ufa"}, {"tver", "Тверь", "Tver"}, {"tula", "Тула", "Tula"}, {"ryazan", "Рязань", "Ryazan"},
	{"kursk", "Курск", "Kursk"}, {"kiev", "Киев", "Kyiv"}, {"kharkov", "Харьков", "Kharkiv"}, {"odessa", "Одесса", "Odesa"},
	{"almaty", "Алматы", "Almaty"}, {"minsk", "Минск", "Minsk"}, {"novosib", "Новосибирск", "Novosibirsk"},
	{"ekb", "Екатеринбург", "Yekaterinburg"}, {"vladivostok", "Владивосток", "Vladivostok"}}

// tld is a host suffix with a weight.
type tld struct {
	suffix string
	w      int
}

var kindTLDs = [numKinds][]tld{
	KindHub:        {{"ru", 45}, {"com", 20}, {"net", 10}, {"org", 10}, {"su", 5}, {"info", 5}, {"ua", 5}},
	KindFreeMP3:    {{"ru", 40}, {"com", 12}, {"net", 15}, {"su", 6}, {"ua", 8}, {"info", 7}, {"biz", 5}, {"kz", 4}, {"by", 3}},
	KindTorrent:    {{"ru", 35}, {"org", 20}, {"net", 15}, {"com", 10}, {"ua", 10}, {"su", 5}, {"kz", 5}},
	KindStreaming:  {{"ru", 60}, {"xn--p1ai", 10}, {"com", 20}, {"kz", 5}, {"by", 5}},
	KindTrackStore: {{"com", 55}, {"co.uk", 15}, {"de", 15}, {"net", 10}, {"nl", 5}},
	KindLabel:      {{"com", 35}, {"ru", 30}, {"de", 10}, {"net", 10}, {"org", 5}, {"nl", 5}, {"ua", 5}},
	KindRadio:      {{"ru", 55}, {"fm", 10}, {"ua", 10}, {"kz", 5}, {"by", 5}, {"com", 10}, {"xn--p1ai", 5}},
	KindMusicBlog:  {{"com", 30}, {"livejournal.com", 20}, {"blogspot.com", 15}, {"ru", 20}, {"net", 10}, {"org", 5}},
	KindShop:       {{"ru", 40}, {"xn--p1ai", 8}, {"com.ua", 8}, {"ua", 7}, {"kz", 5}, {"by", 5}, {"com", 12}, {"de", 8}, {"nl", 4}, {"net", 3}},
	KindNews:       {{"ru", 40}, {"com", 15}, {"ua", 10}, {"kz", 5}, {"by", 5}, {"de", 5}, {"info", 5}, {"org", 5}, {"spb.ru", 5}, {"msk.ru", 5}},
	KindForum:      {{"ru", 50}, {"com", 15}, {"net", 10}, {"org", 10}, {"ua", 10}, {"kz", 5}},
	KindPersonal:   {{"narod.ru", 20}, {"ucoz.ru", 10}, {"pp.ru", 5}, {"ru", 20}, {"com", 10}, {"de", 8}, {"nl", 5}, {"org", 5}, {"info", 5}, {"ua", 7}, {"by", 5}},
	KindCompany:    {{"ru", 35}, {"xn--p1ai", 7}, {"com", 15}, {"de", 10}, {"nl", 5}, {"net", 5}, {"ua", 8}, {"kz", 5}, {"by", 5}, {"biz", 3}, {"info", 2}},
}

func pickTLD(r *rand.Rand, list []tld) string {
	ws := make([]int, len(list))
	ss := make([]string, len(list))
	for i, t := range list {
		ws[i], ss[i] = t.w, t.suffix
	}
	return weighted(r, ss, ws)
}

// russianSuffix reports whether a host suffix belongs to the Russian national domains (.ru, .su, .рф).
func russianSuffix(s string) bool {
	return s == "ru" || s == "su" || s == "xn--p1ai" || strings.HasSuffix(s, ".ru")
}

// ruArea reports whether sites under the suffix are written in Russian by default.
func ruArea(s string) bool {
	switch s {
	case "ua", "com.ua", "kiev.ua", "kz", "com.kz", "by", "livejournal.com":
		return true
	}
	return russianSuffix(s)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// title upper-cases the first letter of each word separated by spaces or hyphens.
func title(s string) string {
	var b strings.Builder
	up := true
	for _, c := range s {
		if up {
			c = unicode.ToUpper(c)
		}
		up = c == ' ' || c == '-'
		b.WriteRune(c)
	}
	return b.String()
}

// brandCase writes name parts as a brand: "mp3"+"sparks" gives "MP3Sparks".
func brandCase(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		switch p {
		case "mp3", "fm", "dj", "hd":
			b.WriteString(strings.ToUpper(p))
		default:
			b.WriteString(title(p))
		}
	}
	return b.String()
}

// naming is what nameSite returns.
type naming struct {
	label  string // host labels before the suffix, e.g. "forum.auto-club"
	name   string // display name
	suffix string
}

func (n naming) host() string { return n.label + "." + n.suffix }

// nameSite makes a host label and display name for a site of kind k under suffix.
// Cyrillic labels are converted to punycode.
func nameSite(k Kind, suffix string, ru bool, r *rand.Rand) naming {
	if suffix == "xn--p1ai" {
		return nameCyrillic(k, r)
	}
	w := pick(r, ruWords)
	switch k {
	case KindStore:
		label, name := storeBrand(r)
		return naming{label, name, suffix}
	case KindFreeMP3:
		a := pick(r, []string{"muzon", "muzlo", "muzofon", "mp3", "pesni", "hity", "skachat-mp3", "besplatno-mp3",
			"mp3-free", "freemp3", "mp3baza", "mp3-portal", "muzoteka", "zvuki", "mp3-hits", "get-mp3", "mp3load"})
		b := pick(r, []string{"", "-net", "top", "24", "-online", "-zone", "world", "club", "hit", "x", "ka", "-2009", "-life", "-land", "box"})
		return naming{a + b, brandCase(strings.ReplaceAll(a+b, "-", " ")), suffix}
	case KindTorrent:
		x := pick(r, []string{w.lat, pick(r, enNoun), pick(r, enAdj)})
		label := pick(r, []string{x + "torrent", "torrents-" + x, x + "tracker", "bit" + x, x + "-torrents", "tracker-" + x, "rutor-" + x})
		return naming{label, brandCase(strings.ReplaceAll(label, "-", " ")), suffix}
	case KindStreaming:
		x := pick(r, []string{w.lat, pick(r, enNoun)})
		label := pick(r, []string{x + "music", x + "play", "slushai-" + x, "zvuk" + x, x + "-stream", "muzbox-" + x, "listen" + x})
		return naming{label, brandCase(strings.ReplaceAll(label, "-", " ")), suffix}
	case KindTrackStore:
		a, n := pick(r, enAdj), pick(r, enNoun)
		label := pick(r, []string{a + n + "music", n + "tunes", a + "-downloads", n + "digital", a + "tracks", "buy" + n + "music"})
		return naming{label, brandCase(strings.ReplaceAll(label, "-", " ")), suffix}
	case KindLabel:
		if ru {
			label := pick(r, []string{w.lat + "-records", w.lat + "rekords", "zvukozapis-" + w.lat, w.lat + "-muzyka"})
			return naming{label, title(w.cyr) + " Рекордс", suffix}
		}
		n := pick(r, []string{pick(r, enNoun), pick(r, enAdj) + pick(r, enNoun)})
		t := pick(r, []string{"records", "recordings", "music", "sound"})
		return naming{n + "-" + t, title(n) + " " + title(t), suffix}
	case KindRadio:
		label := pick(r, []string{"radio" + w.lat, w.lat + "-fm", w.lat + "fm", "radio-" + w.lat})
		if suffix == "fm" {
			label = pick(r, []string{w.lat, "radio" + w.lat, w.lat + "radio"})
		}
		if ru {
			return naming{label, "Радио " + title(w.cyr), suffix}
		}
		return naming{label, "Radio " + title(w.lat), suffix}
	case KindMusicBlog:
		p := pick(r, ruFirst)
		switch suffix {
		case "livejournal.com":
			return naming{p.lat + pick(r, []string{"-music", "_zvuk", "-pro", "1978", "-m"}), p.cyr + " о музыке", suffix}
		case "blogspot.com":
			n := pick(r, enFirst)
			return naming{n + "-music-notes", title(n) + "'s Music Notes", suffix}
		}
		if ru {
			return naming{w.lat + "-muz-novosti", "Муз-новости " + title(w.cyr), suffix}
		}
		a := pick(r, []string{"digitalmusic", "musicbiz", "tunesindustry", "soundpolicy", "recordbiz", "mp3insider"})
		return naming{a + pick(r, []string{"news", "blog", "watch", "report", "daily"}), brandCase(a) + " Blog", suffix}
	case KindShop:
		if ru {
			label := pick(r, []string{w.lat + "-shop", w.lat + "market", "tekhno" + w.lat, "pleer-" + w.lat, "elektro" + w.lat, w.lat + "-magazin"})
			return naming{label, title(w.cyr) + pick(r, []string{"", " Маркет", " Шоп", "-Техника"}), suffix}
		}
		a, n := pick(r, enAdj), pick(r, enNoun)
		label := pick(r, []string{a + n + "store", "gadget" + n, n + "-shop", a + "deals"})
		return naming{label, brandCase(strings.ReplaceAll(label, "-", " ")), suffix}
	case KindNews:
		c := pick(r, cities)
		if suffix == "spb.ru" || suffix == "msk.ru" {
			return naming{pick(r, []string{"novosti", "vesti", "gazeta", "info"}) + "-" + w.lat, "Вести " + title(w.cyr), suffix}
		}
		if ru {
			label := pick(r, []string{c.lat + "-novosti", "vesti" + c.lat, c.lat + "news", c.lat + "-info", "gazeta-" + c.lat})
			return naming{label, "Новости " + c.cyr, suffix}
		}
		label := pick(r, []string{c.lat + "news", c.lat + "-daily", c.lat + "times", c.lat + "-post"})
		return naming{label, title(c.en) + " " + pick(r, []string{"News", "Daily", "Times", "Post"}), suffix}
	case KindForum:
		topic := pick(r, []ruWord{{"avto-klub", "Автоклуб"}, {"rybaki", "Рыбаки"}, {"mamochki", "Мамочки"},
			{"it-club", "IT-клуб"}, {"fotografy", "Фотографы"}, {"dachniki", "Дачники"}, {"muzykanty", "Музыканты"},
			{"gitaristy", "Гитаристы"}, {"audiophile", "Аудиофилы"}, {"kinomany", "Киноманы"}, {"geymery", "Геймеры"},
			{"turisty", "Туристы"}, {"stroiteli", "Строители"}})
		if ru {
			return naming{"forum." + topic.lat + pick(r, []string{"", "-" + w.lat, "24"}), "Форум «" + topic.cyr + "»", suffix}
		}
		n := pick(r, enNoun)
		return naming{pick(r, []string{"forum.", "board.", "community."}) + n + pick(r, []string{"talk", "fans", "heads", "club"}), title(n) + " Community Forum", suffix}
	case KindPersonal:
		switch suffix {
		case "narod.ru", "ucoz.ru", "pp.ru":
			f, l := pick(r, ruFirst), pick(r, ruLast)
			return naming{pick(r, []string{f.lat + "-" + l.lat, f.lat + l.lat + fmt.Sprint(70+r.IntN(25)), l.lat + "-" + f.lat[:1], f.lat + "-home"}), f.cyr + " " + l.cyr, suffix}
		case "de", "nl":
			f, l := pick(r, deFirst), pick(r, deLast)
			return naming{f + "-" + l, title(f) + " " + title(l), suffix}
		}
		if ru {
			f, l := pick(r, ruFirst), pick(r, ruLast)
			return naming{f.lat + l.lat, f.cyr + " " + l.cyr, suffix}
		}
		f, l := pick(r, enFirst), pick(r, enLast)
		return naming{pick(r, []string{f + l, f + "-" + l, f + "s-place", l + "family"}), title(f) + " " + title(l), suffix}
	case KindHub:
		if ru {
			label := pick(r, []string{"katalog-" + w.lat, "top100-" + w.lat, w.lat + "-portal", "spisok-" + w.lat, w.lat + "links"})
			return naming{label, pick(r, []string{"Каталог сайтов ", "Портал ", "Рейтинг "}) + title(w.cyr), suffix}
		}
		n := pick(r, enNoun)
		label := pick(r, []string{n + "links", n + "dir", "top100" + n, n + "portal", "webring-" + n})
		return naming{label, title(n) + pick(r, []string{" Links", " Directory", " Top 100", " Portal"}), suffix}
	}
	// companies and hostile sites
	if ru {
		t := pick(r, []string{"snab", "stroy", "prom", "servis", "trans", "tekh", "-grupp", "-plus"})
		return naming{w.lat + t, "ООО «" + title(w.cyr) + "»", suffix}
	}
	a, n := pick(r, enAdj), pick(r, enNoun)
	label := pick(r, []string{a + n, n + "-group", n + "tech", a + "-" + n + "-solutions"})
	return naming{label, title(a) + " " + title(n) + pick(r, []string{" Ltd", " GmbH", " B.V.", " Inc."}), suffix}
}

// nameCyrillic makes a .рф name: a Cyrillic label converted to punycode.
func nameCyrillic(k Kind, r *rand.Rand) naming {
	w := pick(r, ruWords)
	var u string
	switch k {
	case KindStreaming:
		u = pick(r, []string{"слушай-" + w.cyr, "музыка-" + w.cyr, w.cyr + "-онлайн"})
	case KindRadio:
		u = "радио-" + w.cyr
	case KindShop:
		u = pick(r, []string{w.cyr + "-маркет", "магазин-" + w.cyr, "техника-" + w.cyr})
	case KindStore:
		u = pick(r, []string{"музыка-" + w.cyr, "мп3-" + w.cyr, "песни-" + w.cyr})
	default:
		u = pick(r, []string{w.cyr + "-" + pick(r, ruWords).cyr, "наш-" + w.cyr, w.cyr + "-сервис"})
	}
	label, err := idna.Lookup.ToASCII(u)
	if err != nil {
		label = "xn--" + w.lat // not reached for the words above
	}
	return naming{label, title(u), "xn--p1ai"}
}

// storeBrand makes an AllofMP3-lineage store brand such as "mp3sparks" or "go-music-now".
func storeBrand(r *rand.Rand) (label, name string) {
	pre := pick(r, []string{"mp3", "mp3", "music", "sound", "audio", "tune", "track", "melody", "song", "beat", "disc", "muz"})
	core := pick(r, []string{"sparks", "fiesta", "caprice", "million", "galaxy", "planet", "zone", "city", "ocean",
		"land", "box", "store", "shop", "mart", "world", "direct", "express", "star", "sky", "gold", "port", "base",
		"line", "wave", "club", "hit", "hunter", "lane", "cloud", "spot", "trade", "cafe", "skyline", "ike", "va", "ex"})
	adj := pick(r, []string{"legal", "cheap", "best", "easy", "fast", "smart", "golden", "mega", "super", "top", "prime", "all"})
	switch r.IntN(7) {
	case 0:
		return "go" + pre + "now", brandCase("go", pre, "now")
	case 1:
		if pre == "mp3" {
			pre = "tunes"
		}
		tail := pick(r, []string{"", "s", "music", "world"})
		return "allof" + pre + tail, brandCase("all", "of", pre, tail)
	case 2:
		tail := pick(r, []string{"", "s", "store"})
		if tail == "s" && (pre == "melody" || pre == "muz" || pre == "audio") {
			tail = ""
		}
		return adj + pre + tail, brandCase(adj, pre)
	case 3:
		return pre + "-" + core, brandCase(pre, core)
	case 4:
		return core + pre, brandCase(core, pre)
	}
	return pre + core, brandCase(pre, core)
}
