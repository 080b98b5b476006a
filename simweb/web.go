package simweb

import (
	"net/netip"
	"strings"
)

// Classes are the ground-truth labels, matching the classifier's classes.
const (
	ClassStore      = "store"
	ClassPiracy     = "piracy-other"
	ClassMusicLegit = "music-legit"
	ClassOther      = "other"
)

// Charsets used by generated pages.
const (
	CharsetUTF8  = "utf-8"
	Charset1251  = "windows-1251"
	CharsetKOI8R = "koi8-r"
)

const (
	defaultSites   = 1000
	minSpecialWeb  = 30  // webs at least this big get every kind of site
	maxSeeds       = 8   // seed hubs at most
	sitesPerSeed   = 250 // one seed hub per this many sites
	hubLinksPerDir = 20  // cross-site links on one directory page of a hub
)

// Kind is what a site is. Each Kind belongs to one class.
type Kind uint8

// Kinds of sites. The zero Kind is invalid.
const (
	KindHub           Kind = iota + 1 // directory, portal or top list; the seeds are hubs
	KindStore                         // AllofMP3-style pay-per-download store
	KindFreeMP3                       // free MP3 download site
	KindTorrent                       // torrent tracker
	KindStreaming                     // subscription streaming service
	KindTrackStore                    // legitimate per-track download store
	KindLabel                         // record label
	KindRadio                         // radio station
	KindMusicBlog                     // blog or news site writing about music and AllofMP3
	KindShop                          // unrelated shop (some sell MP3 players)
	KindNews                          // news site
	KindForum                         // forum
	KindPersonal                      // personal home page
	KindCompany                       // small company site
	KindServerError                   // answers 5xx on every page
	KindTimeout                       // never answers
	KindRedirectLoop                  // redirects in a cycle
	KindRobotsDenyAll                 // robots.txt disallows everything
	KindCalendarTrap                  // endless calendar pages
	numKinds
)

type kindInfo struct {
	name  string
	class string
	share int // per mille of sites; KindCompany takes the rest
}

var kinds = [numKinds]kindInfo{
	KindHub:           {"hub", ClassOther, 20},
	KindStore:         {"store", ClassStore, 40},
	KindFreeMP3:       {"free-mp3", ClassPiracy, 50},
	KindTorrent:       {"torrent", ClassPiracy, 25},
	KindStreaming:     {"streaming", ClassMusicLegit, 20},
	KindTrackStore:    {"track-store", ClassMusicLegit, 20},
	KindLabel:         {"label", ClassMusicLegit, 25},
	KindRadio:         {"radio", ClassMusicLegit, 20},
	KindMusicBlog:     {"music-blog", ClassMusicLegit, 20},
	KindShop:          {"shop", ClassOther, 120},
	KindNews:          {"news", ClassOther, 80},
	KindForum:         {"forum", ClassOther, 55},
	KindPersonal:      {"personal", ClassOther, 230},
	KindCompany:       {"company", ClassOther, 0},
	KindServerError:   {"server-error", ClassOther, 6},
	KindTimeout:       {"timeout", ClassOther, 3},
	KindRedirectLoop:  {"redirect-loop", ClassOther, 3},
	KindRobotsDenyAll: {"robots-deny-all", ClassOther, 6},
	KindCalendarTrap:  {"calendar-trap", ClassOther, 2},
}

// String returns the kind's name as written in the truth file, such as "store" or "calendar-trap".
func (k Kind) String() string {
	if k == 0 || k >= numKinds {
		return "invalid"
	}
	return kinds[k].name
}

// Class returns the ground-truth class of sites of this kind.
func (k Kind) Class() string {
	if k == 0 || k >= numKinds {
		return ""
	}
	return kinds[k].class
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Hostile reports whether sites of this kind misbehave: errors, hangs, loops, deny-all robots or traps.
func (k Kind) Hostile() bool { return k >= KindServerError && k < numKinds }

// ParseKind returns the Kind with the given name.
func ParseKind(name string) (Kind, bool) {
	for k := Kind(1); k < numKinds; k++ {
		if kinds[k].name == name {
			return k, true
		}
	}
	return 0, false
}

// Options say what web to generate. The zero value means 1,000 sites with seed 0.
type Options struct {
	Sites int   // number of sites; 0 or less means 1,000
	Seed  int64 // the same Seed and Sites give the same web
}

// Site is the compact record of one generated site and its ground truth.
// Pages are not stored: they are rendered on request from the site's record.
type Site struct {
	Index    int        // position in Web.Sites
	Host     string     // canonical lower-case host name, punycode for IDN
	Name     string     // display name (brand, station, owner)
	IP       netip.Addr // loopback address in 127.1.0.0 upward; shared by several sites
	Country  string     // ISO 3166 code of the hosting country of IP
	ASN      uint32     // autonomous system of IP
	ASOrg    string     // name of that autonomous system
	Kind     Kind
	Class    string // ground-truth class: ClassStore, ClassPiracy, ClassMusicLegit or ClassOther
	Flagged  bool   // true exactly for stores with at least two clear links to Russia
	Charset  string // charset its pages are served in: CharsetUTF8, Charset1251 or CharsetKOI8R
	Lang     string // "en", "ru" or "en+ru"
	Currency string // ISO 4217 code of prices shown, or "" for none
	Family   int    // stores of one family (>0) share analytics IDs, licence numbers and link to each other
	Depth    int    // minimum number of cross-site links from a seed's home page
	Seed     bool   // the site is a seed hub
	WWW      bool   // "www."+Host is an alias served with the same pages

	pay       uint16 // payment systems shown, payX bits
	headerCS  bool   // charset is declared in the Content-Type header
	metaStyle uint8  // 0: <meta charset>, 1: http-equiv
	perMB     bool   // store prices by the megabyte rather than by the track
	robots    uint8  // robots.txt variant, robotsX
	variant   uint32 // stable random bits for per-site choices
}

// Payment systems shown by shops and stores.
const (
	payWebMoney uint16 = 1 << iota
	payYandex
	payQIWI
	payCards
	payPayPal
	payRBK
	paySMS
	payRussian = payWebMoney | payYandex | payQIWI | payRBK
)

// Web is a generated synthetic web. It is immutable after Generate and safe for concurrent use.
type Web struct {
	opts   Options
	sites  []Site
	links  [][]int32        // cross-site links of each site, by index
	byHost map[string]int32 // host and www alias to index
	seeds  []int32
}

// Sites returns every site, ordered by Index. The caller must not modify the slice.
func (w *Web) Sites() []Site { return w.sites }

// Options returns the options the web was generated with, defaults filled in.
func (w *Web) Options() Options { return w.opts }

// Lookup returns the site served under host, which may be a www alias, in any case, with or without a final dot.
func (w *Web) Lookup(host string) (Site, bool) {
	i, ok := w.lookup(host)
	if !ok {
		return Site{}, false
	}
	return w.sites[i], true
}

func (w *Web) lookup(host string) (int, bool) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	i, ok := w.byHost[host]
	return int(i), ok
}

// Links returns the hosts that a site links to from its pages.
func (w *Web) Links(host string) []string {
	i, ok := w.lookup(host)
	if !ok {
		return nil
	}
	out := make([]string, len(w.links[i]))
	for j, t := range w.links[i] {
		out[j] = w.sites[t].Host
	}
	return out
}

// Seeds returns the home-page URLs of the seed hubs, without a port ("http://host/").
func (w *Web) Seeds() []string {
	out := make([]string, len(w.seeds))
	for j, i := range w.seeds {
		out[j] = "http://" + w.sites[i].Host + "/"
	}
	return out
}

// IPs returns every distinct site IP in ascending order.
func (w *Web) IPs() []netip.Addr {
	seen := make(map[netip.Addr]bool)
	var out []netip.Addr
	for i := range w.sites {
		if ip := w.sites[i].IP; !seen[ip] {
			seen[ip] = true
			out = append(out, ip)
		}
	}
	sortAddrs(out)
	return out
}
