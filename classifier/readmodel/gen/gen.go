// Package gen generates realistic verdicts for tests, demos and benchmarks
// of the read model: AllofMP3-style stores (flagged, in families that share
// IPs and analytics IDs), torrent and free-download sites, licensed music
// services, and the ordinary rest of the web. Verdict i of a generator is
// the same every time, so a benchmark of 100,000 sites needs no memory for
// them.
package gen

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"trawl.dev/proto/trawlpb"
)

// Generator makes verdicts. The zero value is usable.
type Generator struct {
	Seed uint64
	// Now is when the newest verdict was made; default 2026-05-01.
	Now time.Time
	// FlaggedPercent of sites are AllofMP3-style stores; default 5.
	FlaggedPercent int
}

// familySize is how many consecutive sites may share one family.
const familySize = 60

// Class returns the class of site i.
func (g *Generator) Class(i int) string {
	switch r := g.roll(i, "class", 100); {
	case r < g.flagged():
		return "store"
	case r < g.flagged()+4:
		return "piracy-other"
	case r < g.flagged()+10:
		return "music-legit"
	}
	return "other"
}

func (g *Generator) flagged() int {
	if g.FlaggedPercent <= 0 {
		return 5
	}
	return min(g.FlaggedPercent, 90)
}

func (g *Generator) now() time.Time {
	if g.Now.IsZero() {
		return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	}
	return g.Now
}

// roll is a deterministic number in [0, n) for site i and a purpose.
func (g *Generator) roll(i int, what string, n int) int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%s", g.Seed, i, what)
	return int(h.Sum64() % uint64(n))
}

func (g *Generator) rng(i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.Seed, uint64(i)*0x9e3779b97f4a7c15+1))
}

var (
	storeWords = []string{"mp3", "music", "sound", "track", "audio", "tune", "melody", "beat", "hit", "muz", "zvuk", "disc", "song", "record", "wave"}
	storeTails = []string{"shop", "store", "land", "zone", "city", "star", "box", "sale", "planet", "hunter", "world", "market", "club", "base", "lab"}
	plainWords = []string{"news", "auto", "garden", "travel", "photo", "recipe", "forum", "sport", "kino", "book", "dom", "tech", "game", "city", "blog", "health", "stroy", "mebel", "avto", "school"}
	plainTails = []string{"portal", "online", "info", "daily", "pro", "hub", "life", "guide", "press", "world", "center", "net", "line", "today", "plus"}
	storeTLDs  = []string{"ru", "ru", "ru", "com", "net", "su", "biz", "xn--p1ai", "org", "info"}
	plainTLDs  = []string{"ru", "ru", "com", "com", "com", "net", "de", "org", "ua", "co.uk", "info", "fr"}
)

// Site returns the name of site i.
func (g *Generator) Site(i int) string {
	r := g.rng(i)
	class := g.Class(i)
	words, tails, tlds := plainWords, plainTails, plainTLDs
	if class == "store" || class == "piracy-other" {
		words, tails, tlds = storeWords, storeTails, storeTLDs
	}
	sep := ""
	if r.IntN(3) == 0 {
		sep = "-"
	}
	return fmt.Sprintf("%s%s%s%d.%s", words[r.IntN(len(words))], sep, tails[r.IntN(len(tails))], i, tlds[r.IntN(len(tlds))])
}

type host struct {
	country, asn, prefix string
}

var (
	ruHosts    = []host{{"RU", "AS12389 Rostelecom", "95.167"}, {"RU", "AS197695 Reg.Ru Hosting", "31.31"}, {"RU", "AS49505 Selectel", "5.188"}, {"RU", "AS8359 MTS PJSC", "213.87"}, {"RU", "AS48287 RU-CENTER", "194.58"}}
	otherHosts = []host{{"DE", "AS24940 Hetzner Online GmbH", "88.198"}, {"NL", "AS60781 LeaseWeb Netherlands", "95.211"}, {"UA", "AS13188 Triolan", "91.203"}, {"US", "AS16509 Amazon.com", "52.84"}, {"US", "AS13335 Cloudflare", "104.21"}, {"GB", "AS20860 Iomart", "83.170"}, {"FR", "AS16276 OVH SAS", "51.75"}}
)

// Verdict returns the verdict of site i.
func (g *Generator) Verdict(i int) *trawlpb.Verdict {
	r := g.rng(i)
	site := g.Site(i)
	class := g.Class(i)
	now := g.now()
	first := now.Add(-time.Duration(r.IntN(120*24)) * time.Hour)
	updated := first.Add(time.Duration(r.Int64N(int64(now.Sub(first)) + 1)))
	v := &trawlpb.Verdict{Site: site, Class: class, Pages: int32(1 + r.IntN(40)), Partition: int32(i % 64),
		Version: int64(1 + r.IntN(30)), UpdatedUnixMs: updated.UnixMilli(), FirstSeenUnixMs: first.UnixMilli(),
		Hosts: []string{site, "www." + site}}
	hosts := otherHosts
	if class == "store" && r.IntN(10) < 6 || r.IntN(10) < 3 {
		hosts = ruHosts
	}
	h := hosts[r.IntN(len(hosts))]
	if class == "store" {
		// Stores of one operation share a server and an analytics ID.
		fam := i / familySize
		fr := g.rng(-1 - fam)
		h = ruHosts[fr.IntN(len(ruHosts))]
		if fr.IntN(3) == 0 {
			h = otherHosts[fr.IntN(len(otherHosts))]
		}
		v.Ips = []string{fmt.Sprintf("%s.%d.%d", h.prefix, fam%250, 10+fr.IntN(200))}
		v.TrackerIds = []string{fmt.Sprintf("yandex-metrika:%d", 10000000+fam*7919%90000000)}
	} else {
		v.Ips = []string{fmt.Sprintf("%s.%d.%d", h.prefix, r.IntN(250), 1+r.IntN(250))}
		if r.IntN(2) == 0 {
			v.TrackerIds = []string{fmt.Sprintf("UA-%d-1", 1000000+r.IntN(9000000))}
		}
	}
	v.Countries = []string{h.country}
	v.Asns = []string{h.asn}
	ru := h.country == "RU"
	tld := site[strings.LastIndexByte(site, '.')+1:]
	ruContent := tld == "ru" || tld == "su" || tld == "xn--p1ai"

	base := fmt.Sprintf("http://%s/", site)
	seen := func() int64 { return first.Add(time.Duration(r.Int64N(int64(updated.Sub(first)) + 1))).UnixMilli() }
	add := func(signal, axis string, w float64, snippet, path string) {
		v.Evidence = append(v.Evidence, &trawlpb.Evidence{Signal: signal, Axis: axis, Weight: w, Snippet: snippet,
			Url: base + path, SeenUnixMs: seen(), Warc: warcRef(i, base+path, first)})
	}
	name := strings.ToUpper(site[:1]) + site[1:strings.IndexByte(site, '.')]
	switch class {
	case "store":
		price := []string{"$0.02 per MB", "$0.25", "$0.15", "9 руб.", "$0.09"}[r.IntN(5)]
		album := []string{"$1.99", "$2.25", "$1.49", "45 руб."}[r.IntN(4)]
		v.Title = name + " — legal music downloads at the lowest prices"
		v.StoreScore = 0.82 + float64(r.IntN(18))/100
		v.HostingScore = map[bool]float64{true: 0.9, false: 0.2}[ru]
		v.ContentScore = 0.55 + float64(r.IntN(45))/100
		v.RussiaScore = min(0.99, max(v.HostingScore, v.ContentScore)+0.05)
		add("price.per_track_low", "store", 0.55, fmt.Sprintf("…refill your balance and start downloading straight away. Any track — %s. Full albums from %s. Our encoder converts each track the moment you order it, so you…", price, album), "")
		add("price.album_low", "store", 0.45, fmt.Sprintf("…Coldplay — Viva la Vida (2008), 10 tracks, 192 kbps. Price: %s. Add to cart. Other albums by Coldplay…", album), fmt.Sprintf("album/%d.html", 40000+r.IntN(9999)))
		add("billing.topup_bonus", "store", 0.45, "News | "+name+" Refill bonus increased: now up to 10% on payments from $50. Bonus is credited to your balance instantly.", "news")
		add("billing.prepaid_balance", "store", 0.4, "…Home UK Top 40 Refill balance License Sign up News FAQ Payment Legal music downloads at the lowest prices on the…", "")
		add("format.picker", "store", 0.45, "…Total time: 54:50. Choose format: MP3 (LAME) OGG Vorbis FLAC (lossless) AAC WMA Quality: 128 kbps 160 kbps 192 kbps 224…", fmt.Sprintf("album/%d.html", 40000+r.IntN(9999)))
		if r.IntN(2) == 0 {
			add("legal.roms", "store", 0.35, "…music is distributed under a licence agreement with the Russian Organization for Multimedia and Digital Networks (ROMS), licence LS-2M-06-16…", "help/license")
		} else {
			add("legal.fair", "store", 0.35, "…The site works in accordance with licence No. 115/07 of the non-commercial partnership FAIR (Federation of Authors and Right holders)…", "help/faq")
		}
		add("catalog.western_charts", "store", 0.3, "UK Top 40 Singles — Eminem, Pink Floyd, Madonna, Coldplay, Metallica. The chart is updated every week.", "charts/uk")
		add("ru.payment", "russia", 0.4, "…Payment methods: WebMoney, Yandex.Money, QIWI Wallet, Visa/MasterCard. Funds are credited to your account instantly.…", "balance")
		if ru {
			add("ru.hosting", "russia", 0.6, fmt.Sprintf("IP %s is in RU (%s)", v.Ips[0], h.asn), "")
		}
		if ruContent {
			add("ru.cctld", "russia", 0.5, "host "+site, "")
		}
		if r.IntN(3) == 0 {
			add("ru.language", "russia", 0.3, "…Скачать альбом целиком в формате MP3 320 kbps. Оплата через WebMoney и Яндекс.Деньги. Лицензия РОМС…", "ru/")
		}
		v.Flagged = v.RussiaScore >= 0.5
		fam := i / familySize
		v.Family = fmt.Sprintf("fam-%04d", fam)
		for j := fam * familySize; j < (fam+1)*familySize && len(v.FamilyLinks) < 6; j++ {
			if j != i && g.Class(j) == "store" {
				v.FamilyLinks = append(v.FamilyLinks,
					&trawlpb.FamilyLink{Site: g.Site(j), Reason: "ip", Value: v.Ips[0]},
					&trawlpb.FamilyLink{Site: g.Site(j), Reason: "tracker", Value: v.TrackerIds[0]})
			}
		}
		if len(v.FamilyLinks) == 0 {
			v.Family = ""
		}
	case "piracy-other":
		v.Title = name + " — free mp3 downloads, torrents"
		v.StoreScore = 0.1 + float64(r.IntN(30))/100
		v.PiracyScore = 0.7 + float64(r.IntN(30))/100
		v.HostingScore = map[bool]float64{true: 0.9, false: 0.1}[ru]
		v.RussiaScore = v.HostingScore
		add("piracy.torrent", "piracy", 0.6, "…Download torrent: Metallica — Discography (1983-2008) [MP3 320 kbps]. Seeders: 124, leechers: 17…", "torrent/123")
		add("piracy.free_download", "piracy", 0.5, "…Скачать бесплатно без регистрации и смс. Download free mp3 from depositfiles.com and letitbit.net…", "")
	case "music-legit":
		v.Title = name + " — digital music store"
		v.StoreScore = 0.2 + float64(r.IntN(30))/100
		v.LegitScore = 0.6 + float64(r.IntN(40))/100
		add("legit.standard_price", "legit", 0.5, "…Albums from $9.99, tracks $0.99 or $1.29. Prices include VAT…", "")
		add("legit.subscription", "legit", 0.4, "…Listen to 90 million songs. Premium: $10.99/month, cancel anytime…", "premium")
	default:
		v.Title = name + " — " + []string{"city news", "recipes", "travel guide", "car forum", "photo blog", "garden tips"}[r.IntN(6)]
		v.StoreScore = float64(r.IntN(25)) / 100
		v.HostingScore = map[bool]float64{true: 0.8, false: 0}[ru]
		if ruContent {
			v.ContentScore = 0.5
			add("ru.cctld", "russia", 0.5, "host "+site, "")
		}
		v.RussiaScore = max(v.HostingScore, v.ContentScore)
		if ru {
			add("ru.hosting", "russia", 0.6, fmt.Sprintf("IP %s is in RU (%s)", v.Ips[0], h.asn), "")
		}
		if r.IntN(4) == 0 {
			add("price.small_amounts", "store", 0.15, "…subscription to the print edition: 150 руб. per month, delivery across the city…", "subscribe")
		}
	}
	return v
}

// warcRef is where a crawler writing WARC files would have put the page at
// url of site i: derived from the URL, not drawn from the site's random
// stream, so the rest of the verdict is the same with or without it.
func warcRef(i int, url string, first time.Time) *trawlpb.WarcRef {
	h := sha256.Sum256([]byte(url))
	return &trawlpb.WarcRef{
		File:     fmt.Sprintf("trawl-%s-%05d-1.warc.gz", first.UTC().Format("20060102150405"), 1+i/500),
		Offset:   int64(binary.BigEndian.Uint32(h[:4]) >> 2),
		RecordId: fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[4:8], h[8:10], h[10:12], h[12:14], h[14:20]),
	}
}
