package corpus

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/pagefile"
	"trawl.dev/simweb"
)

// Simweb generates a web of n sites with seed and returns its sites with
// up to maxPages pages each (the home page, then breadth first along the
// site's own links), rendered in process, and the hosting of their IP
// addresses. Sites that misbehave on purpose (errors, hangs, loops,
// robots.txt that forbids everything) have no pages and are left out.
func Simweb(n int, seed int64, maxPages int) ([]Site, Hosting) {
	web := simweb.Generate(simweb.Options{Sites: n, Seed: seed})
	hosting := make(Hosting)
	var out []Site
	for _, ws := range web.Sites() {
		if ws.Kind.Hostile() {
			continue
		}
		hosting[ws.IP] = Host{Country: ws.Country, ASN: classifier.ASN{Number: ws.ASN, Organization: ws.ASOrg}}
		s := Site{Domain: ws.Host, Source: SourceSimweb, Kind: ws.Kind.String(), Class: classifier.Class(ws.Class),
			Flagged: ws.Flagged, IP: ws.IP.String(), Web: itoa(seed)}
		if ws.Kind == simweb.KindMusicBlog {
			s.Class = classifier.ClassOther // news and blogs are "other" here
		}
		if ws.Family > 0 {
			s.Family = "simweb-" + itoa(seed) + "-" + itoa(int64(ws.Family))
		}
		queue, seen := []string{"/"}, map[string]bool{"/": true}
		for len(queue) > 0 && len(s.Pages) < maxPages {
			p := queue[0]
			queue = queue[1:]
			pg, ok := web.Page(ws.Host, p, 0)
			if !ok || pg.Status != 200 || pg.Hang || !strings.Contains(pg.ContentType, "html") {
				continue
			}
			s.Pages = append(s.Pages, Page{Path: p, ContentType: pg.ContentType, Body: pg.Body})
			parsed, err := pagefile.ParseFast(pg.Body, "http://"+ws.Host+p, pg.ContentType, "", time.Time{}, nil)
			if err != nil {
				continue
			}
			for _, lp := range parsed.LinkPaths {
				if !seen[lp] && lp != "/robots.txt" && !strings.HasSuffix(lp, ".xml") {
					seen[lp] = true
					queue = append(queue, lp)
				}
			}
		}
		if len(s.Pages) > 0 {
			out = append(out, s)
		}
	}
	return out, hosting
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Host is where an address is: its country and network.
type Host struct {
	Country string
	ASN     classifier.ASN
}

// Hosting maps the addresses of generated sites to their hosting, as
// simweb's MaxMind databases would. It implements classifier.IPDB and
// classifier.ASNDB; Fallback answers for other addresses.
type Hosting map[netip.Addr]Host

// Country implements classifier.IPDB.
func (h Hosting) Country(ip netip.Addr) (string, bool) {
	if x, ok := h[ip.Unmap()]; ok && x.Country != "" {
		return x.Country, true
	}
	return "", false
}

// ASN implements classifier.ASNDB.
func (h Hosting) ASN(ip netip.Addr) (classifier.ASN, bool) {
	if x, ok := h[ip.Unmap()]; ok && x.ASN.Number != 0 {
		return x.ASN, true
	}
	return classifier.ASN{}, false
}
