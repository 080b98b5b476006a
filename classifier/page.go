package classifier

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Page is what the crawler learned from one page: the classifier's view of
// the wire's PageFacts.
type Page struct {
	URL        string
	FinalURL   string // after redirects; "" when there were none
	Host       string
	Site       string // registrable domain (eTLD+1)
	Partition  int
	StatusCode int
	IP         string // remote address the fetch used
	Title      string
	Lang       string // declared <html lang> or detected
	Text       string // visible text, UTF-8
	Prices     []Price
	Headers    map[string]string
	OutHosts   []string // distinct hosts linked from the page
	LinkPaths  []string // same-site link paths
	TrackerIDs []string // analytics and counter IDs
	Meta       []string // meta description and keywords, "name=content"
	Fetched    time.Time
	Depth      int
	WARC       *WARCRef // the WARC record of the response; nil when the crawler wrote none
}

// WARCRef points at the WARC record the crawler wrote of a page's response:
// a file of its --warc-dir, the byte offset of the record (its gzip member)
// and its WARC-Record-ID, so evidence can cite the bytes it came from.
type WARCRef struct {
	File     string `json:"file"`
	Offset   int64  `json:"offset"`
	RecordID string `json:"record_id"`
}

// Price is an amount of money the crawler saw on a page.
type Price struct {
	Amount   float64
	Currency string // ISO 4217
	Unit     string // "track", "mb", "album", "month" or ""
	Snippet  string
}

// Validate reports whether p can be classified.
func (p *Page) Validate() error {
	if p.URL == "" {
		return fmt.Errorf("%w: no url", ErrInvalidPage)
	}
	if _, err := url.Parse(p.URL); err != nil {
		return fmt.Errorf("%w: url %q: %v", ErrInvalidPage, p.URL, err)
	}
	if p.Host == "" {
		return fmt.Errorf("%w: %s: no host", ErrInvalidPage, p.URL)
	}
	if p.Site == "" {
		return fmt.Errorf("%w: %s: no site", ErrInvalidPage, p.URL)
	}
	if p.Partition < 0 {
		return fmt.Errorf("%w: %s: partition %d", ErrInvalidPage, p.URL, p.Partition)
	}
	return nil
}

// CanonicalURL is the URL the page is counted under: its final URL after
// redirects, or its URL.
func (p *Page) CanonicalURL() string {
	if p.FinalURL != "" {
		return p.FinalURL
	}
	return p.URL
}

// Key identifies the page within its site: a hash of its canonical URL. A
// page delivered twice has the same key and is counted once.
func (p *Page) Key() []byte {
	h := sha256.Sum256([]byte(p.CanonicalURL()))
	return h[:16]
}

// path returns the path and query of the page's canonical URL.
func (p *Page) path() string {
	u, err := url.Parse(p.CanonicalURL())
	if err != nil {
		return ""
	}
	return u.RequestURI()
}

// lowerHost returns the page's host in lower case without a trailing dot.
func (p *Page) lowerHost() string {
	return strings.TrimSuffix(strings.ToLower(p.Host), ".")
}
