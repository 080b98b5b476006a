// Package testsites loads the hand-written test sites in
// classifier/testdata/sites, for the tests of every classifier package.
//
// A file holds one site: a "site:" line, then pages. A page starts with
// "=== <url>", then header lines (ip, title, lang, links, trackers,
// outhosts, prices "0.02 USD mb | 1.96 USD album", depth), then "--" and the
// page's visible text. Lines starting with "#" are comments.
package testsites

import (
	"bufio"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"trawl.dev/classifier"
)

// Dir returns the directory of the test sites.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "sites")
}

// Countries is the IP database the test sites are written for.
func Countries() classifier.Countries {
	return classifier.Countries{
		netip.MustParsePrefix("127.0.1.0/24"): "RU",
		netip.MustParsePrefix("127.0.2.0/24"): "DE",
		netip.MustParsePrefix("127.0.3.0/24"): "US",
		netip.MustParsePrefix("127.0.4.0/24"): "UA",
		netip.MustParsePrefix("127.0.5.0/24"): "GB",
	}
}

// Fetched is the fetch time of every test page.
var Fetched = time.Date(2007, 3, 1, 12, 0, 0, 0, time.UTC)

// Load reads the site in the named file of Dir.
func Load(name string) (site string, pages []*classifier.Page, err error) {
	f, err := os.Open(filepath.Join(Dir(), name))
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var p *classifier.Page
	inBody := false
	var body []string
	flush := func() {
		if p != nil {
			p.Text = strings.Join(body, "\n")
			pages = append(pages, p)
		}
		p, body, inBody = nil, nil, false
	}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") && !inBody:
		case strings.HasPrefix(line, "site:") && p == nil:
			site = strings.TrimSpace(strings.TrimPrefix(line, "site:"))
		case strings.HasPrefix(line, "=== "):
			flush()
			raw := strings.TrimSpace(strings.TrimPrefix(line, "=== "))
			u, err := url.Parse(raw)
			if err != nil {
				return "", nil, fmt.Errorf("%s:%d: %v", name, n, err)
			}
			p = &classifier.Page{URL: raw, Host: u.Hostname(), Site: site, StatusCode: 200, Fetched: Fetched}
		case p == nil:
		case inBody:
			body = append(body, line)
		case line == "--":
			inBody = true
		case strings.TrimSpace(line) == "":
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return "", nil, fmt.Errorf("%s:%d: want key: value, got %q", name, n, line)
			}
			v = strings.TrimSpace(v)
			switch k {
			case "ip":
				p.IP = v
			case "title":
				p.Title = v
			case "lang":
				p.Lang = v
			case "links":
				p.LinkPaths = strings.Fields(v)
			case "trackers":
				p.TrackerIDs = strings.Fields(v)
			case "outhosts":
				p.OutHosts = strings.Fields(v)
			case "depth":
				p.Depth, _ = strconv.Atoi(v)
			case "prices":
				for _, pr := range strings.Split(v, "|") {
					f := strings.Fields(pr)
					if len(f) != 3 {
						return "", nil, fmt.Errorf("%s:%d: bad price %q", name, n, pr)
					}
					amount, err := strconv.ParseFloat(f[0], 64)
					if err != nil {
						return "", nil, fmt.Errorf("%s:%d: bad price %q", name, n, pr)
					}
					p.Prices = append(p.Prices, classifier.Price{Amount: amount, Currency: f[1], Unit: f[2], Snippet: strings.TrimSpace(pr)})
				}
			default:
				return "", nil, fmt.Errorf("%s:%d: unknown key %q", name, n, k)
			}
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return "", nil, err
	}
	if site == "" || len(pages) == 0 {
		return "", nil, fmt.Errorf("%s: no site or no pages", name)
	}
	return site, pages, nil
}
