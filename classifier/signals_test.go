package classifier_test

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"trawl.dev/classifier"
)

type signalCase struct {
	name    string
	page    classifier.Page
	country string // hosting country the IP database would give
	want    bool
	snippet string // the snippet must contain this (case-insensitive) when want
}

func text(s string) classifier.Page {
	return classifier.Page{URL: "http://example.test/", Host: "example.test", Site: "example.test", Text: s}
}

func runSignal(t *testing.T, signal string, cases []signalCase) {
	t.Helper()
	sig, ok := classifier.LookupSignal(signal)
	if !ok {
		t.Fatalf("no signal %q", signal)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.page
			d := classifier.NewDoc(&p)
			d.Country = tc.country
			snip, got := sig.Detect(d)
			if got != tc.want {
				t.Fatalf("%s on %q: got %v (snippet %q), want %v", signal, clipTo(p.Text, 120), got, snip, tc.want)
			}
			if !got {
				return
			}
			if n := utf8.RuneCountInString(snip); n > classifier.MaxSnippet {
				t.Errorf("snippet has %d characters, want at most %d", n, classifier.MaxSnippet)
			}
			if tc.snippet != "" && !strings.Contains(strings.ToLower(snip), strings.ToLower(tc.snippet)) {
				t.Errorf("snippet %q does not contain %q", snip, tc.snippet)
			}
		})
	}
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func TestSignalPerMB(t *testing.T) {
	runSignal(t, "price.per_mb", []signalCase{
		{name: "en dollar per MB", page: text("All music is priced at $0.02 per MB of the file you download."), want: true, snippet: "$0.02 per MB"},
		{name: "en cents per megabyte", page: text("Only 3 cents a megabyte, whatever the bitrate."), want: true, snippet: "3 cents a megabyte"},
		{name: "en slash", page: text("Price: 0.03$/Mb"), want: true, snippet: "0.03$/Mb"},
		{name: "en phrase without amount", page: text("You pay only by the megabyte, not by the track."), want: true, snippet: "by the megabyte"},
		{name: "ru цента за мегабайт", page: text("Стоимость скачивания — 2 цента за 1 мегабайт."), want: true, snippet: "2 цента за 1 мегабайт"},
		{name: "ru per-MB price before amount", page: text("Цена за 1 МБ: 0,02$"), want: true, snippet: "0,02$"},
		{name: "ru phrase", page: text("Оплата производится только за мегабайты: тарификация за каждый МБ."), want: true},
		{name: "crawler price with unit", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			Prices: []classifier.Price{{Amount: 0.02, Currency: "USD", Unit: "mb", Snippet: "0.02 USD/MB"}}}, want: true, snippet: "0.02 USD/MB"},
		{name: "size next to price is no per-MB price", page: text("Size: 95.4 MB  Price: $1.90"), want: false},
		{name: "bandwidth hosting plan", page: text("Hosting plan: 10 GB traffic, extra traffic $2 per GB."), want: false},
		{name: "file size only", page: text("Track 1 — 4:05 — 9.4 MB"), want: false},
	})
}

func TestSignalTrackLow(t *testing.T) {
	runSignal(t, "price.per_track_low", []signalCase{
		{name: "en per track", page: text("Every track just $0.15 per track, DRM-free."), want: true, snippet: "$0.15 per track"},
		{name: "en track price before", page: text("Track price: $0.12"), want: true, snippet: "$0.12"},
		{name: "en cents a song", page: text("Songs from 9 cents a song!"), want: true, snippet: "9 cents a song"},
		{name: "ru за трек", page: text("Цена — 0,25$ за трек, альбом от 1,5$."), want: true, snippet: "за трек"},
		{name: "ru roubles per track", page: text("Всего 5 руб. за трек!"), want: true, snippet: "5 руб. за трек"},
		{name: "crawler price", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			Prices: []classifier.Price{{Amount: 0.19, Currency: "USD", Unit: "track"}}}, want: true},
		{name: "en usd slash track", page: text("0.15 USD/track"), want: true},
		{name: "en tracks from", page: text("Tracks from $0.12"), want: true},
		{name: "en price per track cents", page: text("Price per track: from 9¢"), want: true},
		{name: "0.99 store", page: text("Download any song for $0.99 per track."), want: false},
		{name: "rouble licensed price", page: text("Трек — 19 руб. за трек в нашем магазине."), want: false},
		{name: "tracks count", page: text("Album of 12 tracks for $9.99"), want: false},
	})
}

func TestSignalAlbumLow(t *testing.T) {
	runSignal(t, "price.album_low", []signalCase{
		{name: "en album price", page: text("Album price: $1.45 (12 tracks, 96.3 MB)"), want: true, snippet: "$1.45"},
		{name: "en whole album", page: text("Get it for $1.80 for the whole album."), want: true, snippet: "for the whole album"},
		{name: "ru альбом", page: text("Стоимость альбома: 1,20$"), want: true, snippet: "1,20$"},
		{name: "licensed album", page: text("Album price: $9.99"), want: false},
		{name: "cd shop", page: text("CD album: €14.99 + shipping"), want: false},
	})
}

func TestSignalSmallAmounts(t *testing.T) {
	runSignal(t, "price.small_amounts", []signalCase{
		{name: "track list", page: text("1. Intro 1:12 $0.05  2. Vertigo 3:14 $0.13  3. Miracle Drug 3:59 $0.16  4. Sometimes 5:05 $0.21"), want: true, snippet: "$0.05"},
		{name: "two only", page: text("Intro $0.05, Outro $0.07"), want: false},
		{name: "dollar prices", page: text("Cable $4.99, Case $12.99, Charger $19.99"), want: false},
	})
}

func TestSignalBalance(t *testing.T) {
	runSignal(t, "billing.prepaid_balance", []signalCase{
		{name: "en refill", page: text("Please refill your balance to download this album."), want: true, snippet: "refill your balance"},
		{name: "en balance amount", page: text("Logged in as mike. Balance: $12.40"), want: true, snippet: "Balance: $12.40"},
		{name: "en top up account", page: text("Top up your account with WebMoney or a card."), want: true, snippet: "Top up your account"},
		{name: "ru пополнить баланс", page: text("Чтобы скачать альбом, пополните баланс."), want: true, snippet: "пополните баланс"},
		{name: "ru остаток", page: text("Ваш баланс: 3,50$"), want: true},
		{name: "link path", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			LinkPaths: []string{"/news/", "/account/refill/"}}, want: true, snippet: "/account/refill/"},
		{name: "homoglyph balance", page: text("Пoпoлнить бaлaнс"), want: true},
		{name: "balance in a review", page: text("The album strikes a fine balance between rock and pop."), want: false},
		{name: "ru balance sheet", page: text("Бухгалтерский баланс компании за 2006 год."), want: false},
	})
}

func TestSignalTopupBonus(t *testing.T) {
	runSignal(t, "billing.topup_bonus", []signalCase{
		{name: "en percent", page: text("Refill your balance with $50 or more and get a 10% bonus!"), want: true, snippet: "10% bonus"},
		{name: "en bonus first", page: text("Bonus: +15% on every deposit over $25."), want: true},
		{name: "ru бонус при пополнении", page: text("При пополнении счета на 1000 руб. вы получаете бонус 5%."), want: true, snippet: "бонус"},
		{name: "ru в подарок", page: text("Пополните баланс на $20 — $2 в подарок."), want: true},
		{name: "bonus track", page: text("Includes 2 bonus tracks. Refill balance: $5, $10, $20."), want: false},
		{name: "bonus without refill", page: text("Bonus DVD with 3 videos, 20% off this week."), want: false},
		{name: "refill without bonus", page: text("Refill your balance with $10 via WebMoney."), want: false},
	})
}

func TestSignalPicker(t *testing.T) {
	runSignal(t, "format.picker", []signalCase{
		{name: "en choose format", page: text("Choose format: MP3, OGG, FLAC, AAC, WMA. Bitrate 128, 192 or 320 kbps."), want: true, snippet: "Choose format"},
		{name: "en select bitrate", page: text("Select bitrate before downloading: 192 kbps / 256 kbps / 320 kbps"), want: true, snippet: "Select bitrate"},
		{name: "en format tag", page: text("Format: [MP3 192 kbps] [MP3 320 kbps] [OGG q6] [FLAC lossless]"), want: true},
		{name: "en available formats", page: text("Available formats: MP3 128/192/320, OGG Vorbis, FLAC"), want: true},
		{name: "ru выберите формат", page: text("Выберите формат и качество: MP3 (128–320 кбит/с), OGG, FLAC."), want: true, snippet: "Выберите формат"},
		{name: "player spec", page: text("Supports MP3, WMA, FLAC, AAC playback up to 320 kbps. Choose your colour."), want: false},
		{name: "one format store", page: text("All songs are AAC 256 kbps. Select quantity."), want: false},
	})
}

func TestSignalOnDemand(t *testing.T) {
	runSignal(t, "format.on_demand", []signalCase{
		{name: "en on the fly", page: text("Each track is encoded on the fly in the format you order."), want: true, snippet: "encoded on the fly"},
		{name: "en of your choice", page: text("Download in any format of your choice."), want: true},
		{name: "en converted upon request", page: text("Files are converted upon your request into MP3 or OGG."), want: true},
		{name: "ru на лету", page: text("Музыка кодируется на лету в выбранный вами формат."), want: true, snippet: "на лету"},
		{name: "ru любой формат", page: text("Скачивайте в любом удобном вам формате."), want: true},
		{name: "ru по запросу", page: text("Файлы конвертируются по вашему запросу."), want: true},
		{name: "video encoding", page: text("Our video encoder supports H.264."), want: false},
	})
}

func TestSignalFormatList(t *testing.T) {
	runSignal(t, "format.list", []signalCase{
		{name: "release list", page: text("Madonna - Confessions [MP3 320 kbps] / [OGG] / [FLAC] / [MP3 192 kbps]"), want: true, snippet: "flac"},
		{name: "two formats", page: text("MP3 and AAC, 256 kbps"), want: false},
	})
}

func TestSignalDRMFree(t *testing.T) {
	runSignal(t, "format.drm_free", []signalCase{
		{name: "en drm-free", page: text("All files are DRM-free MP3."), want: true, snippet: "DRM-free"},
		{name: "en no drm", page: text("No DRM, no limits."), want: true},
		{name: "ru без drm", page: text("Все файлы без DRM и без защиты от копирования."), want: true, snippet: "без DRM"},
		{name: "drm protected", page: text("Songs are protected with FairPlay DRM."), want: false},
	})
}

func TestSignalROMS(t *testing.T) {
	runSignal(t, "legal.roms", []signalCase{
		{name: "en licence", page: text("The site pays license fees to ROMS under License No. 006-2005."), want: true, snippet: "ROMS"},
		{name: "ru РОМС", page: text("Деятельность ведётся по лицензии РОМС № ЛС-3М-03-03."), want: true, snippet: "РОМС"},
		{name: "full name", page: text("licensed by the Russian Organization for Multimedia and Digital Networks"), want: true},
		{name: "latin look-alike POMC", page: text("Лицензия POMC"), want: true},
		{name: "game roms", page: text("Download NES roms and emulators for free."), want: false},
		{name: "Roms capitalised", page: text("Roms for every console."), want: false},
	})
}

func TestSignalFAIR(t *testing.T) {
	runSignal(t, "legal.fair", []signalCase{
		{name: "en FAIR licence", page: text("We hold licence agreements with ROMS and FAIR."), want: true, snippet: "FAIR"},
		{name: "ru ФАИР", page: text("лицензионное соглашение с ФАИР"), want: true, snippet: "ФАИР"},
		{name: "fair prices", page: text("Fair prices for everyone!"), want: false},
		{name: "FAIR heading", page: text("FAIR TRADE COFFEE"), want: false},
	})
}

func TestSignalLicenseNumber(t *testing.T) {
	runSignal(t, "legal.license_number", []signalCase{
		{name: "en No.", page: text("License No. 006-2005 issued by ROMS"), want: true, snippet: "License No. 006-2005"},
		{name: "en #", page: text("licence #15-3/05"), want: true},
		{name: "ru №", page: text("Лицензия № ЛС-3М-03-03"), want: true, snippet: "№ ЛС-3М-03-03"},
		{name: "ru договор", page: text("лицензионный договор № 12/2006-Ф"), want: true},
		{name: "no number", page: text("License: MIT"), want: false},
		{name: "no longer", page: text("The licence no longer applies."), want: false},
	})
}

func TestSignalRussianLaw(t *testing.T) {
	cases := []signalCase{
		{name: "en federation", page: text("AllofMP3.com pays license fees according to the Law of the Russian Federation on copyright."), want: true, snippet: "Law of the Russian Federation"},
		{name: "en russian copyright law", page: text("This service is legal under Russian copyright law."), want: true},
		{name: "ru законодательство РФ", page: text("Сервис работает в соответствии с законодательством РФ."), want: true, snippet: "законодательством РФ"},
		{name: "ru закон об авторском праве", page: text("согласно Закону «Об авторском праве и смежных правах»"), want: true},
		{name: "ru ГК", page: text("ст. 1244 ГК РФ"), want: true},
		{name: "us law", page: text("Protected under US copyright law and the DMCA."), want: false},
	}
	runSignal(t, "legal.russian_law", cases)
	runSignal(t, "ru.law", cases)
}

func TestSignalBuyerLaw(t *testing.T) {
	runSignal(t, "legal.buyer_responsibility", []signalCase{
		{name: "en your country", page: text("Please check the copyright laws of your country before downloading."), want: true, snippet: "laws of your country"},
		{name: "en responsible", page: text("Users are solely responsible for compliance with the copyright legislation that applies to them."), want: true},
		{name: "ru своей страны", page: text("Покупатель обязан соблюдать законодательство своей страны."), want: true, snippet: "своей страны"},
		{name: "ru несет ответственность", page: text("Пользователь несёт полную ответственность за соблюдение законодательства об авторском праве."), want: true},
		{name: "en legal in your country", page: text("Please make sure that downloading is legal in your country."), want: true},
		{name: "en your responsibility", page: text("It is your sole responsibility to observe the copyright laws that apply to you."), want: true},
		{name: "ru лежит на пользователе", page: text("Ответственность за соблюдение авторских прав лежит на пользователе."), want: true},
		{name: "password responsibility", page: text("You are responsible for keeping your password secret."), want: false},
		{name: "ru password", page: text("Вы несете ответственность за сохранность пароля."), want: false},
	})
}

func TestSignalCharts(t *testing.T) {
	runSignal(t, "catalog.western_charts", []signalCase{
		{name: "billboard", page: text("Billboard Hot 100 — this week"), want: true, snippet: "Billboard Hot 100"},
		{name: "uk top 40", page: text("UK Top 40 singles, updated weekly"), want: true},
		{name: "top 40 uk", page: text("This week's Top 40 UK"), want: true},
		{name: "ru чарт", page: text("Хит-парад Billboard и чарты Великобритании"), want: true},
		{name: "advertising billboard", page: text("Rent a billboard on the M4 motorway."), want: false},
	})
}

func TestSignalCatalogCounter(t *testing.T) {
	runSignal(t, "catalog.counter", []signalCase{
		{name: "en over", page: text("Over 600,000 tracks from all major labels."), want: true, snippet: "600,000 tracks"},
		{name: "en in catalog", page: text("Tracks in catalog: 1 234 567"), want: true},
		{name: "ru треков", page: text("В каталоге более 350 000 треков и 40 000 альбомов."), want: true},
		{name: "small counts", page: text("12 tracks, 2 albums"), want: false},
		{name: "year", page: text("Released in 2006 tracks of the year"), want: false},
	})
}

func TestSignalURLScheme(t *testing.T) {
	paths := func(ps ...string) classifier.Page {
		return classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", LinkPaths: ps}
	}
	runSignal(t, "template.url_scheme", []signalCase{
		{name: "album id", page: paths("/", "/Madonna_album1234/", "/U2_album77/"), want: true, snippet: "_album1234"},
		{name: "artist id", page: paths("/artist4521/"), want: true},
		{name: "own url", page: classifier.Page{URL: "http://x.test/Madonna_album1234/", Host: "x.test", Site: "x.test"}, want: true},
		{name: "restful album", page: paths("/album/1234", "/artist/madonna"), want: false},
		{name: "blog", page: paths("/2006/10/allofmp3-sued/", "/tag/music/"), want: false},
	})
}

func TestSignalKnownTracker(t *testing.T) {
	a := &classifier.Analyzer{KnownTrackers: []string{"UA-123456"}}
	an := a.Analyze(&classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", TrackerIDs: []string{"ua-123456"}})
	if !hasHit(an, "template.known_tracker") {
		t.Errorf("known tracker: got hits %v, want template.known_tracker", hitNames(an))
	}
	an = a.Analyze(&classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", TrackerIDs: []string{"UA-999"}})
	if hasHit(an, "template.known_tracker") {
		t.Errorf("unknown tracker: got template.known_tracker")
	}
}

func TestHostingFromIPWithPort(t *testing.T) {
	a := &classifier.Analyzer{IPDB: classifier.Countries{netip.MustParsePrefix("127.0.1.0/24"): "RU"}}
	for _, ip := range []string{"127.0.1.9", "127.0.1.9:8080", "[::ffff:127.0.1.9]:443"} {
		an := a.Analyze(&classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", IP: ip})
		if an.Country != "RU" || !hasHit(an, "ru.hosting") {
			t.Errorf("IP %q: got country %q hits %v, want RU and ru.hosting", ip, an.Country, hitNames(an))
		}
	}
}

func TestSignalHosting(t *testing.T) {
	ip := classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", IP: "127.0.0.2"}
	runSignal(t, "ru.hosting", []signalCase{
		{name: "RU", page: ip, country: "RU", want: true, snippet: "127.0.0.2 is in RU"},
		{name: "DE", page: ip, country: "DE", want: false},
		{name: "unknown", page: ip, want: false},
	})
	runSignal(t, "ru.hosting_nearby", []signalCase{
		{name: "UA", page: ip, country: "UA", want: true},
		{name: "RU", page: ip, country: "RU", want: false},
	})
}

func TestSignalCCTLD(t *testing.T) {
	host := func(h string) classifier.Page {
		return classifier.Page{URL: "http://" + h + "/", Host: h, Site: h}
	}
	runSignal(t, "ru.cctld", []signalCase{
		{name: "ru", page: host("www.mp3-shop.ru"), want: true, snippet: "mp3-shop.ru"},
		{name: "su", page: host("music.su"), want: true},
		{name: "punycode рф", page: host("xn--80aswg.xn--p1ai"), want: true},
		{name: "unicode рф", page: host("музыка.рф"), want: true},
		{name: "com", page: host("allofmp3-like.com"), want: false},
		{name: "ru inside name", page: host("ru-music.com"), want: false},
	})
}

func TestSignalRouble(t *testing.T) {
	runSignal(t, "ru.rouble", []signalCase{
		{name: "руб", page: text("Подписка 199 руб. в месяц"), want: true, snippet: "199 руб."},
		{name: "sign", page: text("Цена 149 ₽"), want: true},
		{name: "en roubles", page: text("Prices are shown in roubles."), want: true},
		{name: "crawler RUB", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			Prices: []classifier.Price{{Amount: 10, Currency: "RUB"}}}, want: true},
		{name: "rubric", page: text("Рубрика: новости"), want: false},
		{name: "dollars", page: text("Price $0.15"), want: false},
	})
}

func TestSignalRUPayment(t *testing.T) {
	runSignal(t, "ru.payment", []signalCase{
		{name: "webmoney", page: text("We accept WebMoney (WMZ), Visa and MasterCard."), want: true, snippet: "WebMoney"},
		{name: "ru яндекс деньги", page: text("Оплата через Яндекс.Деньги и QIWI кошелек."), want: true},
		{name: "юmoney", page: text("Способы оплаты: ЮMoney, банковская карта"), want: true},
		{name: "out host", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			OutHosts: []string{"merchant.webmoney.ru"}}, want: true},
		{name: "paypal", page: text("We accept PayPal and Visa."), want: false},
	})
}

func TestSignalRUCounter(t *testing.T) {
	runSignal(t, "ru.counter", []signalCase{
		{name: "tracker id", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			TrackerIDs: []string{"liveinternet"}}, want: true, snippet: "liveinternet"},
		{name: "metrika id", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			TrackerIDs: []string{"yandex-metrika:12345678"}}, want: true},
		{name: "out host", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			OutHosts: []string{"top100.rambler.ru"}}, want: true},
		{name: "crawler ym id", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			TrackerIDs: []string{"ga:UA-1234-1", "ym:4242"}}, want: true, snippet: "ym:4242"},
		{name: "crawler top.mail.ru id", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			TrackerIDs: []string{"topmailru:1234"}}, want: true},
		{name: "google", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			TrackerIDs: []string{"UA-1234-1"}}, want: false},
	})
}

func TestSignalRussianLanguage(t *testing.T) {
	ru := text("Добро пожаловать в крупнейший музыкальный магазин! Здесь вы найдёте тысячи альбомов любимых исполнителей.")
	uk := text("Ласкаво просимо до нашого музичного магазину! Тут ви знайдете тисячі альбомів улюблених виконавців і їхні пісні.")
	declared := text("Welcome")
	declared.Lang = "ru-RU"
	runSignal(t, "ru.language", []signalCase{
		{name: "russian text", page: ru, want: true, snippet: "Добро пожаловать"},
		{name: "declared", page: declared, want: true, snippet: "lang=ru-RU"},
		{name: "ukrainian text", page: uk, want: false},
		{name: "english", page: text("Welcome to the largest music store. Thousands of albums from your favourite artists."), want: false},
		{name: "one russian word", page: text("The word магазин means shop."), want: false},
	})
}

func TestSignalRUContact(t *testing.T) {
	runSignal(t, "ru.contact", []signalCase{
		{name: "phone", page: text("Support: +7 (495) 123-45-67"), want: true, snippet: "+7 (495) 123-45-67"},
		{name: "moscow", page: text("Mediaservices, Moscow, Russia"), want: true},
		{name: "ИНН", page: text("ООО «Медиа», ИНН 7701234567"), want: true},
		{name: "us phone", page: text("Call +1 (212) 555-0100"), want: false},
	})
}

func TestSignalTorrent(t *testing.T) {
	runSignal(t, "piracy.torrent", []signalCase{
		{name: "magnet", page: text("Download: magnet:?xt=urn:btih:abcdef"), want: true, snippet: "magnet:?xt="},
		{name: "seeders", page: text("Madonna - Discography (torrent) Seeders: 12 Leechers: 3"), want: true},
		{name: "ru раздача", page: text("Скачать торрент. Раздача: 15 сидов, 2 личера."), want: true, snippet: "торрент"},
		{name: "news mention", page: text("Record labels say torrents cost them billions."), want: false},
	})
}

func TestSignalFreeDownload(t *testing.T) {
	runSignal(t, "piracy.free_download", []signalCase{
		{name: "en free mp3 download", page: text("Free MP3 downloads of the latest hits!"), want: true, snippet: "Free MP3 downloads"},
		{name: "en download for free", page: text("Download the full album for free, no registration."), want: true},
		{name: "ru скачать бесплатно", page: text("Скачать альбом бесплатно и без регистрации"), want: true, snippet: "бесплатно"},
		{name: "free preview", page: text("Listen to a free 30-second preview of every track."), want: false},
		{name: "free client", page: text("Download our download manager for free."), want: false},
	})
}

func TestSignalFileHost(t *testing.T) {
	runSignal(t, "piracy.file_host", []signalCase{
		{name: "out host", page: classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test",
			OutHosts: []string{"depositfiles.com"}}, want: true},
		{name: "two names", page: text("Links: Rapidshare | Turbobit"), want: true},
		{name: "one name", page: text("Mediafire is a file host."), want: false},
	})
}

func TestSignalSubscription(t *testing.T) {
	runSignal(t, "legit.subscription", []signalCase{
		{name: "en per month", page: text("Millions of songs. Premium: $9.99/month, cancel anytime. Listen offline."), want: true, snippet: "$9.99/month"},
		{name: "ru в месяц", page: text("Вся музыка: подписка — 199 ₽ в месяц, первый месяц бесплатно. Слушайте где угодно."), want: true},
		{name: "ru подписка премиум", page: text("Оформите подписку Премиум и слушайте музыку без рекламы."), want: true},
		{name: "uk на місяць", page: text("Музика онлайн. Підписка — 99 грн на місяць, слухайте без реклами."), want: true},
		{name: "hosting plan", page: text("Тариф «Старт» — 99 руб./мес. Пополнить баланс."), want: false},
		{name: "newsletter", page: text("Subscribe to our newsletter for new releases."), want: false},
		{name: "ru newsletter", page: text("Подписка на новости сайта"), want: false},
	})
}

func TestSignalStandardPrice(t *testing.T) {
	runSignal(t, "legit.standard_price", []signalCase{
		{name: "0.99", page: text("Songs $0.99 each track, albums $9.99"), want: true, snippet: "$0.99"},
		{name: "album 9.99", page: text("Album price: $9.99"), want: true},
		{name: "cheap", page: text("$0.15 per track"), want: false},
	})
}

func TestSignalRadio(t *testing.T) {
	runSignal(t, "legit.radio", []signalCase{
		{name: "en station", page: text("Rock FM 101.7 — your radio station. Listen live, on air now: Morning Show."), want: true},
		{name: "ru эфир", page: text("Радиостанция «Наше Радио». Слушать онлайн. Сейчас в эфире: утреннее шоу."), want: true},
		{name: "radio edit", page: text("Track 3: Hey Ya (Radio Edit) $0.15"), want: false},
	})
}

func TestSignalLabel(t *testing.T) {
	runSignal(t, "legit.label", []signalCase{
		{name: "en label", page: text("We are an independent record label from Leeds. Our artists tour the UK. Send us your demos!"), want: true},
		{name: "ru лейбл", page: text("Независимый лейбл. Наши артисты. Присылайте ваши демо."), want: true},
		{name: "label field", page: text("Label: EMI. Release: 2006."), want: false},
	})
}

func TestSignalNews(t *testing.T) {
	runSignal(t, "legit.news", []signalCase{
		{name: "en blog", page: text("Posted by Jane on Oct 12, 2006. According to the RIAA, the site... 14 comments"), want: true},
		{name: "ru новости", page: text("Опубликовано 12.10.2006. По данным IFPI, сайт... Комментарии (3)"), want: true},
		{name: "store page", page: text("New releases. Top albums. Refill balance."), want: false},
	})
}

func TestSignalPressMention(t *testing.T) {
	runSignal(t, "legit.press_mention", []signalCase{
		{name: "en lawsuit", page: text("The RIAA filed a lawsuit against AllofMP3 in New York."), want: true, snippet: "AllofMP3"},
		{name: "ru суд", page: text("Московский суд оправдал бывшего директора AllofMP3."), want: true},
		{name: "name only", page: text("Former AllofMP3 customers welcome."), want: false},
	})
}

func TestSignalHardwareShop(t *testing.T) {
	runSignal(t, "legit.hardware_shop", []signalCase{
		{name: "en players", page: text("MP3 players and headphones. 2-year warranty, free shipping, in stock."), want: true},
		{name: "ru плееры", page: text("MP3-плееры и наушники. Гарантия 1 год. Доставка по Москве."), want: true},
		{name: "store with player", page: text("Listen in our web player before you buy."), want: false},
	})
}

func TestTextFolding(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower and yo", "ЁЛКА Ещё", "елка еще"},
		{"latin P in cyrillic word", "Pоссия", "россия"},
		{"cyrillic р in mp3", "mр3", "mp3"},
		{"zero width dropped", "RO\u200bMS", "roms"},
		{"dashes and spaces", "a\u00a0—\u2009b", "a - b"},
		{"pure scripts untouched", "POMC РОМС", "pomc ромс"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classifier.NewText(tc.in).String(); got != tc.want {
				t.Errorf("NewText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSnippetQuotesOriginal(t *testing.T) {
	long := strings.Repeat("Lorem ipsum dolor sit amet. ", 30) + "We hold a licence from РОМС and ФАИР. " + strings.Repeat("Consectetur adipiscing elit. ", 30)
	sig, _ := classifier.LookupSignal("legal.roms")
	p := text(long)
	snip, ok := sig.Detect(classifier.NewDoc(&p))
	if !ok {
		t.Fatal("legal.roms did not fire")
	}
	if !strings.Contains(snip, "licence from РОМС and ФАИР") {
		t.Errorf("snippet %q does not quote the original text", snip)
	}
	if n := utf8.RuneCountInString(snip); n > classifier.MaxSnippet || n < 100 {
		t.Errorf("snippet has %d characters, want 100..%d", n, classifier.MaxSnippet)
	}
}

func hasHit(an *classifier.Analysis, name string) bool {
	for _, h := range an.Hits {
		if h.Signal == name {
			return true
		}
	}
	return false
}

func hitNames(an *classifier.Analysis) []string {
	var out []string
	for _, h := range an.Hits {
		out = append(out, h.Signal)
	}
	return out
}
