package simweb

import (
	"math/rand/v2"
	"net/netip"
	"slices"
)

// country is a hosting country with the autonomous systems its IPs belong to.
// The AS numbers and names are illustrative test data.
type country struct {
	code  string
	name  string
	share int // per mille of IPs
	asns  []asn
}

type asn struct {
	num uint32
	org string
}

var countries = []country{
	{"RU", "Russia", 400, []asn{{9123, "TimeWeb Ltd."}, {49505, "Selectel Ltd."}, {198610, "Beget LLC"}, {197695, "Reg.Ru Hosting"}, {44112, "SpaceWeb Ltd"}, {12389, "Rostelecom"}}},
	{"UA", "Ukraine", 100, []asn{{6849, "Ukrtelecom"}, {15895, "Kyivstar PJSC"}, {21219, "Datagroup PJSC"}}},
	{"DE", "Germany", 100, []asn{{24940, "Hetzner Online GmbH"}, {8560, "IONOS SE"}, {51167, "Contabo GmbH"}}},
	{"NL", "Netherlands", 80, []asn{{60781, "LeaseWeb Netherlands B.V."}, {50673, "Serverius Holding B.V."}, {49981, "WorldStream B.V."}}},
	{"US", "United States", 140, []asn{{16509, "Amazon.com, Inc."}, {14061, "DigitalOcean, LLC"}, {26496, "GoDaddy.com, LLC"}}},
	{"FR", "France", 40, []asn{{16276, "OVH SAS"}, {12876, "Scaleway S.a.s."}}},
	{"KZ", "Kazakhstan", 30, []asn{{9198, "JSC Kazakhtelecom"}, {48716, "PS Internet Company LLP"}}},
	{"BY", "Belarus", 20, []asn{{6697, "Beltelecom"}}},
	{"GB", "United Kingdom", 30, []asn{{20860, "Iomart Cloud Services Limited"}, {29550, "Simply Transit Ltd"}}},
}

func countryByCode(code string) *country {
	for i := range countries {
		if countries[i].code == code {
			return &countries[i]
		}
	}
	return &countries[0]
}

// ipPlan hands out loopback IPs, grouped by hosting country, so that sites share IPs:
// most IPs carry one to five sites and a few "shared hosting" IPs carry dozens.
type ipPlan struct {
	pools map[string][]int32 // country code to pool slots; -1 until the slot is first used
	next  int32              // next unused IP number
	asnOf []asn              // by IP number
	ccOf  []string           // by IP number
}

func newIPPlan(sites int) *ipPlan {
	target := sites/3 + 1
	p := &ipPlan{pools: make(map[string][]int32)}
	for _, c := range countries {
		size := max(2, target*c.share/1000)
		pool := make([]int32, size)
		for i := range pool {
			pool[i] = -1
		}
		p.pools[c.code] = pool
	}
	return p
}

// pick returns the IP number for a new site hosted in cc.
func (p *ipPlan) pick(cc string, r *rand.Rand) int32 {
	pool := p.pools[cc]
	var slot int
	if r.IntN(100) < 30 {
		slot = r.IntN(max(1, len(pool)/25)) // big shared-hosting IPs
	} else {
		slot = r.IntN(len(pool))
	}
	if pool[slot] < 0 {
		pool[slot] = p.next
		p.next++
		c := countryByCode(cc)
		p.asnOf = append(p.asnOf, c.asns[r.IntN(len(c.asns))])
		p.ccOf = append(p.ccOf, cc)
	}
	return pool[slot]
}

// ipAddr maps an IP number to 127.b.c.d, starting at 127.1.0.1 and skipping .0 and .255.
func ipAddr(n int32) netip.Addr {
	block, d := int(n)/254, int(n)%254+1
	b, c := 1+block/256, block%256
	return netip.AddrFrom4([4]byte{127, byte(b), byte(c), byte(d)})
}

func sortAddrs(a []netip.Addr) { slices.SortFunc(a, netip.Addr.Compare) }

// tldCountry picks a hosting country that fits a host suffix.
func tldCountry(suffix string, r *rand.Rand) string {
	switch suffix {
	case "ru", "su", "xn--p1ai", "narod.ru", "ucoz.ru", "pp.ru", "spb.ru", "msk.ru":
		return weighted(r, []string{"RU", "DE", "NL", "UA"}, []int{85, 5, 5, 5})
	case "ua", "com.ua", "kiev.ua":
		return weighted(r, []string{"UA", "RU", "DE", "NL"}, []int{85, 5, 5, 5})
	case "kz", "com.kz":
		return weighted(r, []string{"KZ", "RU"}, []int{80, 20})
	case "by":
		return weighted(r, []string{"BY", "RU"}, []int{80, 20})
	case "de":
		return weighted(r, []string{"DE", "NL"}, []int{90, 10})
	case "nl":
		return weighted(r, []string{"NL", "DE"}, []int{90, 10})
	case "co.uk":
		return weighted(r, []string{"GB", "US", "NL"}, []int{80, 10, 10})
	case "livejournal.com":
		return "US"
	case "blogspot.com":
		return "US"
	}
	return weighted(r, []string{"US", "DE", "NL", "RU", "UA", "FR", "GB"}, []int{35, 15, 15, 15, 5, 10, 5})
}

// weighted picks one of items with the given weights.
func weighted[T any](r *rand.Rand, items []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return items[i]
		}
		n -= w
	}
	return items[len(items)-1]
}
