package bench

import (
	"math"
	"strconv"
)

// Stream generates a reproducible stream of realistic URLs: hosts drawn
// from a Zipf distribution (a few huge sites, a long tail of small ones),
// paths of varied depth with a query string on some, and a share of links
// to URLs emitted before. URL number i is a pure function of i, so a
// duplicate is generated again instead of being remembered: the stream
// costs no memory that would blur the seen set's.
type Stream struct {
	hosts int
	zipfS float64
	next  uint64 // URLs emitted as new so far
	rng   uint64
}

// NewStream returns a stream over hosts hosts with Zipf exponent s (> 1).
func NewStream(hosts int, s float64, seed uint64) *Stream {
	return &Stream{hosts: hosts, zipfS: s, rng: seed | 1}
}

// Emitted is the number of distinct URLs emitted so far.
func (g *Stream) Emitted() uint64 { return g.next }

// Next appends n URLs to dst: each is, with probability dup, one emitted
// before (half of those among the last 50,000, half from all of history:
// navigation links and links to old pages), and a new one otherwise.
func (g *Stream) Next(dst []string, n int, dup float64) []string {
	for range n {
		r := g.rand()
		if g.next > 0 && float64(r>>11)/(1<<53) < dup {
			r2 := g.rand()
			var j uint64
			if r2&1 == 0 {
				j = g.next - 1 - (r2>>1)%min(g.next, 50000)
			} else {
				j = (r2 >> 1) % g.next
			}
			dst = append(dst, g.URL(j))
			continue
		}
		dst = append(dst, g.URL(g.next))
		g.next++
	}
	return dst
}

// New appends n URLs never emitted before.
func (g *Stream) New(dst []string, n int) []string {
	for range n {
		dst = append(dst, g.URL(g.next))
		g.next++
	}
	return dst
}

func (g *Stream) rand() uint64 {
	g.rng += 0x9e3779b97f4a7c15
	return mix(g.rng)
}

// mix is SplitMix64's finaliser.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var (
	tlds     = []string{"com", "ru", "net", "org", "de", "su", "info", "co.uk", "com.ua", "biz"}
	sections = []string{"music", "album", "artist", "news", "catalog", "forum/thread", "blog/2007", "shop/item", "download", "genre/rock"}
)

// URL returns URL number i.
func (g *Stream) URL(i uint64) string {
	r := mix(i*0x9e3779b97f4a7c15 + 1)
	// Inverse of the continuous Zipf CDF on [1, hosts].
	u := float64(r>>11) / (1 << 53)
	a := 1 - g.zipfS
	h := int(math.Pow(1-u*(1-math.Pow(float64(g.hosts), a)), 1/a)) - 1
	h = min(max(h, 0), g.hosts-1)
	b := make([]byte, 0, 96)
	b = append(b, "http://"...)
	if h%3 != 0 {
		b = append(b, "www."...)
	}
	b = append(b, "site"...)
	b = strconv.AppendInt(b, int64(h), 36)
	b = append(b, '.')
	b = append(b, tlds[h%len(tlds)]...)
	b = append(b, '/')
	r2 := mix(r)
	b = append(b, sections[r2%uint64(len(sections))]...)
	b = append(b, '/')
	if r2&(1<<20) != 0 {
		b = strconv.AppendUint(b, (r2>>24)%1000, 10)
		b = append(b, '/')
	}
	b = append(b, "item-"...)
	b = strconv.AppendUint(b, i, 10)
	b = append(b, ".html"...)
	if r2&(3<<21) == 0 {
		b = append(b, "?sort=date&page="...)
		b = strconv.AppendUint(b, (r2>>40)%50, 10)
	}
	return string(b)
}
