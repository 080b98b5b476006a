package simweb

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Generate builds the web described by opts. The same opts always give the same web.
// Only compact per-site records and the link lists are kept; pages are rendered on request.
func Generate(opts Options) *Web {
	if opts.Sites <= 0 {
		opts.Sites = defaultSites
	}
	n := opts.Sites
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x73696d776562))
	w := &Web{
		opts:   opts,
		sites:  make([]Site, n),
		links:  make([][]int32, n),
		byHost: make(map[string]int32, n*5/4),
	}
	ks := planKinds(n, r)
	flagged, family := planStores(ks, r)
	ips := newIPPlan(n)
	for i := range n {
		w.sites[i] = w.makeSite(i, ks[i], flagged[i], family[i], r, ips)
	}
	w.buildLinks(r)
	w.computeDepth()
	return w
}

// planKinds decides how many sites of each kind there are and shuffles them.
// Webs of at least minSpecialWeb sites have at least one site of every kind.
func planKinds(n int, r *rand.Rand) []Kind {
	var count [numKinds]int
	sum := 0
	for k := Kind(1); k < numKinds; k++ {
		if k == KindCompany {
			continue
		}
		count[k] = n * kinds[k].share / 1000
		if n >= minSpecialWeb {
			count[k] = max(count[k], 1)
		}
		sum += count[k]
	}
	if count[KindHub] == 0 {
		count[KindHub] = 1
		sum++
	}
	for sum > n { // only for tiny webs: take from the most common kinds
		big := Kind(1)
		for k := Kind(2); k < numKinds; k++ {
			if count[k] > count[big] {
				big = k
			}
		}
		if big == KindHub && count[big] == 1 {
			break
		}
		count[big]--
		sum--
	}
	count[KindCompany] = n - sum
	ks := make([]Kind, 0, n)
	for k := Kind(1); k < numKinds; k++ {
		for range count[k] {
			ks = append(ks, k)
		}
	}
	r.Shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })
	return ks
}

// planStores decides which stores are Russia-linked and groups stores into families.
// About one store in seven is not Russia-linked; those form families of their own.
func planStores(ks []Kind, r *rand.Rand) (flagged []bool, family []int) {
	flagged = make([]bool, len(ks))
	family = make([]int, len(ks))
	var stores []int
	for i, k := range ks {
		if k == KindStore {
			stores = append(stores, i)
		}
	}
	r.Shuffle(len(stores), func(i, j int) { stores[i], stores[j] = stores[j], stores[i] })
	unflagged := len(stores) / 7
	for j, i := range stores {
		flagged[i] = j >= unflagged
	}
	fam := 0
	group := func(list []int) {
		for len(list) > 0 {
			size := min(len(list), weighted(r, []int{1, 2, 3, 4}, []int{30, 30, 25, 15}))
			fam++
			for _, i := range list[:size] {
				family[i] = fam
			}
			list = list[size:]
		}
	}
	group(stores[:unflagged])
	group(stores[unflagged:])
	return flagged, family
}

// makeSite draws the attributes of site i.
func (w *Web) makeSite(i int, k Kind, flagged bool, family int, r *rand.Rand, ips *ipPlan) Site {
	s := Site{Index: i, Kind: k, Class: k.Class(), Family: family, Charset: CharsetUTF8, variant: r.Uint32()}
	var suffix, cc string
	ru := false
	switch {
	case k == KindStore && flagged:
		suffix, cc = w.flaggedStore(&s, r)
		ru = s.Lang != "en"
	case k == KindStore:
		cc = weighted(r, []string{"NL", "US", "DE"}, []int{40, 40, 20})
		suffix = weighted(r, []string{"com", "net", "biz", "info"}, []int{60, 25, 8, 7})
		s.Lang, s.Currency = "en", weighted(r, []string{"USD", "EUR"}, []int{85, 15})
		s.pay = payCards
		if r.IntN(100) < 40 {
			s.pay |= payPayPal
		}
	default:
		table := kindTLDs[k]
		if table == nil {
			table = kindTLDs[KindCompany]
		}
		suffix = pickTLD(r, table)
		if ruArea(suffix) {
			ru = r.IntN(100) < 90
		} else {
			ru = r.IntN(100) < 5
		}
		s.Lang = "en"
		if ru {
			s.Lang = "ru"
		}
		cc = tldCountry(suffix, r)
		if k == KindTrackStore && cc != "US" && cc != "GB" && cc != "DE" && cc != "NL" && cc != "FR" {
			cc = "US" // legitimate per-track stores are Western companies
		}
		s.Currency, s.pay = siteMoney(k, suffix, ru, r)
	}
	if k == KindStore {
		s.perMB = r.IntN(2) == 0
		s.Charset = storeCharset(s.Flagged, s.Lang, r)
	}
	s.headerCS = r.IntN(100) < 55
	s.metaStyle = uint8(r.IntN(2))
	s.robots = pickRobots(k, r)

	nm := nameSite(k, suffix, ru, r)
	for try := 0; ; try++ {
		if _, taken := w.byHost[nm.host()]; !taken {
			break
		}
		if try < 5 {
			nm = nameSite(k, suffix, ru, r)
			continue
		}
		nm.label = fmt.Sprintf("%s%d", nm.label, r.IntN(1000))
	}
	s.Host, s.Name = nm.host(), nm.name
	w.byHost[s.Host] = int32(i)
	if !strings.Contains(nm.label, ".") && !strings.Contains(nm.suffix, ".") && r.IntN(100) < 35 {
		if _, taken := w.byHost["www."+s.Host]; !taken {
			s.WWW = true
			w.byHost["www."+s.Host] = int32(i)
		}
	}

	n := ips.pick(cc, r)
	s.IP = ipAddr(n)
	s.Country = ips.ccOf[n]
	s.ASN, s.ASOrg = ips.asnOf[n].num, ips.asnOf[n].org
	return s
}

// flaggedStore draws a Russia-linked store's hosting, suffix, language, currency and payments,
// making sure it has at least two clear links to Russia.
func (w *Web) flaggedStore(s *Site, r *rand.Rand) (suffix, cc string) {
	s.Flagged = true
	cc = weighted(r, []string{"RU", "UA", "NL", "DE"}, []int{55, 25, 10, 10})
	suffix = weighted(r, []string{"ru", "su", "xn--p1ai", "com", "net", "biz", "info"}, []int{35, 6, 5, 34, 10, 5, 5})
	if suffix == "xn--p1ai" {
		s.Lang = weighted(r, []string{"ru", "en+ru"}, []int{60, 40})
	} else {
		s.Lang = weighted(r, []string{"en", "en+ru", "ru"}, []int{45, 35, 20})
	}
	switch s.Lang {
	case "en":
		s.Currency = weighted(r, []string{"USD", "RUB"}, []int{85, 15})
	case "en+ru":
		s.Currency = weighted(r, []string{"USD", "RUB"}, []int{60, 40})
	default:
		s.Currency = weighted(r, []string{"RUB", "USD"}, []int{70, 30})
	}
	if r.IntN(100) < 85 {
		s.pay |= payWebMoney
		if r.IntN(100) < 70 {
			s.pay |= payYandex
		}
		if r.IntN(100) < 50 {
			s.pay |= payQIWI
		}
		if r.IntN(100) < 20 {
			s.pay |= payRBK
		}
	}
	if s.pay == 0 || r.IntN(100) < 70 {
		s.pay |= payCards
	}
	if r.IntN(100) < 15 {
		s.pay |= paySMS
	}
	links := func() int {
		n := 0
		for _, b := range []bool{cc == "RU", russianSuffix(suffix), s.Currency == "RUB", s.Lang != "en", s.pay&payRussian != 0} {
			if b {
				n++
			}
		}
		return n
	}
	if links() < 2 {
		s.pay |= payWebMoney | payYandex
	}
	if links() < 2 {
		cc = "RU"
	}
	return suffix, cc
}

func storeCharset(flagged bool, lang string, r *rand.Rand) string {
	switch {
	case !flagged:
		return CharsetUTF8
	case lang == "en":
		return weighted(r, []string{CharsetUTF8, Charset1251}, []int{75, 25})
	}
	return weighted(r, []string{CharsetUTF8, Charset1251, CharsetKOI8R}, []int{40, 45, 15})
}

// siteMoney picks the currency and payment systems a non-store site shows.
func siteMoney(k Kind, suffix string, ru bool, r *rand.Rand) (string, uint16) {
	local := "USD"
	switch {
	case suffix == "ua" || suffix == "com.ua" || suffix == "kiev.ua":
		local = "UAH"
	case suffix == "kz" || suffix == "com.kz":
		local = "KZT"
	case suffix == "by":
		local = "BYN"
	case suffix == "de" || suffix == "nl":
		local = "EUR"
	case suffix == "co.uk":
		local = "GBP"
	case russianSuffix(suffix) || ru:
		local = "RUB"
	}
	switch k {
	case KindStreaming:
		if local != "KZT" && local != "BYN" {
			local = "RUB"
		}
		return local, payCards | payYandex | paySMS
	case KindTrackStore:
		if local != "GBP" && local != "EUR" {
			local = "USD"
		}
		return local, payCards | payPayPal
	case KindShop:
		var pay uint16 = payCards
		if local == "RUB" {
			pay |= payYandex | payQIWI | payWebMoney
		}
		return local, pay
	case KindLabel:
		return local, 0
	}
	return "", 0
}
