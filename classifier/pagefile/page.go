package pagefile

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"trawl.dev/classifier"
	"trawl.dev/crawler"
	"trawl.dev/proto"
)

// Errors of a file that is not a page.
var (
	// ErrNotPage is returned for a file that is not HTML or text: an
	// image, an archive, any other binary.
	ErrNotPage = errors.New("pagefile: not an HTML or text page")
	// ErrEmpty is returned for an empty file.
	ErrEmpty = errors.New("pagefile: empty file")
	// ErrBadName is returned for a file whose name is not a domain.
	ErrBadName = errors.New("pagefile: file name is not a domain")
)

// DefaultMaxBytes is how much of a file is read by default: more than any
// real page, less than a hostile one.
const DefaultMaxBytes = 16 << 20

// Page is the parsed page at pageURL, and what the crawler's parser found
// in it besides: the charset it was decoded from.
type Page struct {
	*classifier.Page
	Charset   string
	Truncated bool // the file was longer than the bytes read
}

// Parse turns body, the bytes of the page at pageURL served from ip, into
// a classifier page, as the crawler would have described it. contentType
// may be empty: the type and charset are then sniffed from the bytes.
func Parse(body []byte, pageURL, contentType, ip string, fetched time.Time, o *crawler.ParseOptions) (*Page, error) {
	u, err := url.Parse(pageURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("pagefile: page url %q: not an absolute URL", pageURL)
	}
	if len(body) == 0 {
		return nil, ErrEmpty
	}
	if contentType == "" {
		contentType = sniffType(body)
	}
	if !crawler.IsText(contentType) {
		return nil, fmt.Errorf("%w: %s", ErrNotPage, crawler.MediaType(contentType))
	}
	f := crawler.Parse(body, contentType, pageURL, o)
	host := strings.ToLower(u.Hostname())
	site := proto.Site(host)
	p := &classifier.Page{
		URL: pageURL, Host: host, Site: site, StatusCode: 200, IP: ip,
		Title: f.Title, Lang: f.Lang, Text: f.Text, TrackerIDs: f.TrackerIDs, Meta: f.Meta,
		Fetched: fetched,
	}
	for _, pr := range f.Prices {
		p.Prices = append(p.Prices, classifier.Price{Amount: pr.Amount, Currency: pr.Currency, Unit: pr.Unit, Snippet: pr.Snippet})
	}
	seenHost := map[string]bool{host: true}
	seenPath := map[string]bool{}
	for _, l := range f.Links {
		lu, err := url.Parse(l.URL)
		if err != nil {
			continue
		}
		h := strings.ToLower(lu.Hostname())
		if !seenHost[h] && len(p.OutHosts) < maxOutHosts {
			seenHost[h] = true
			p.OutHosts = append(p.OutHosts, h)
		}
		if proto.Site(h) == site && len(p.LinkPaths) < maxLinkPaths {
			if path := lu.RequestURI(); !seenPath[path] {
				seenPath[path] = true
				p.LinkPaths = append(p.LinkPaths, path)
			}
		}
	}
	if len(strings.TrimSpace(p.Text)) < shellText && crawler.IsHTML(contentType) {
		doc, _ := crawler.Decode(body, contentType)
		if extra := shellStrings(doc); extra != "" {
			p.Text = strings.TrimSpace(p.Text + "\n" + extra)
		}
	}
	return &Page{Page: p, Charset: f.Charset}, nil
}

// The crawler caps what it sends the classifier; the same caps apply here.
const (
	maxOutHosts  = 200
	maxLinkPaths = 200
)

// sniffType returns the content type of a body without headers: HTML when
// it looks like markup, text when it has no binary bytes.
func sniffType(body []byte) string {
	ct := http.DetectContentType(body)
	if strings.HasPrefix(ct, "text/plain") && looksLikeMarkup(body) {
		return "text/html"
	}
	switch {
	case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "text/xml"):
		return "text/html"
	case strings.HasPrefix(ct, "text/"):
		return "text/plain"
	}
	return ct
}

// looksLikeMarkup reports whether the start of a body has HTML tags that
// the content sniffer did not recognise (after a long comment, a BOM in
// another encoding, leading text).
func looksLikeMarkup(body []byte) bool {
	head := bytes.ToLower(body[:min(len(body), 4096)])
	for _, tag := range []string{"<html", "<head", "<body", "<div", "<p>", "<table", "<title", "<meta", "<a href", "<script", "<br"} {
		if bytes.Contains(head, []byte(tag)) {
			return true
		}
	}
	return false
}

// shellText is the visible text below which a page is treated as a
// JavaScript shell.
const shellText = 200

var (
	scriptBlock  = regexp.MustCompile(`(?is)<script\b[^>]*>(.*?)</script>`)
	noscriptBody = regexp.MustCompile(`(?is)<noscript\b[^>]*>(.*?)</noscript>`)
	anyTag       = regexp.MustCompile(`(?s)<[^>]*>`)
)

// maxShellText caps the text taken from a shell's scripts.
const maxShellText = 64 << 10

// shellStrings returns the human-readable strings of a JavaScript shell
// (see shellStringsFrom) in a decoded document.
func shellStrings(doc string) string {
	var scripts [][]byte
	for _, m := range scriptBlock.FindAllStringSubmatch(doc, 64) {
		scripts = append(scripts, []byte(m[1]))
	}
	var ns strings.Builder
	for _, m := range noscriptBody.FindAllStringSubmatch(doc, 16) {
		ns.WriteString(m[1])
		ns.WriteString(" ")
	}
	return shellStringsFrom(scripts, ns.String())
}

// shellStringsFrom returns the human-readable strings of a JavaScript
// shell: the text of its <noscript> blocks and the string literals of its
// inline scripts (JSON data such as JSON-LD offers or a framework's
// initial state) that read as words, not code.
func shellStringsFrom(scripts [][]byte, noscript string) string {
	var b strings.Builder
	if noscript != "" {
		b.WriteString(strings.Join(strings.Fields(anyTag.ReplaceAllString(noscript, " ")), " "))
		b.WriteString("\n")
	}
	for _, sc := range scripts {
		for i := 0; i < len(sc) && b.Len() < maxShellText; {
			k := bytes.IndexByte(sc[i:], '"')
			if k < 0 {
				break
			}
			start := i + k + 1
			end := start
			for end < len(sc) && sc[end] != '"' && sc[end] != '\n' {
				if sc[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(sc) || sc[end] != '"' {
				i = start
				continue
			}
			i = end + 1
			lit := sc[start:end]
			if len(lit) < 3 || len(lit) > 400 || bytes.IndexByte(lit, ' ') < 0 {
				continue
			}
			var v string
			if err := json.Unmarshal(sc[start-1:end+1], &v); err != nil || !wordy(v) {
				continue
			}
			b.WriteString(v)
			b.WriteString(". ")
		}
	}
	return strings.TrimSpace(b.String())
}

// wordy reports whether a string literal reads as text: it has a space and
// more letters than other characters, and is not a URL or markup.
func wordy(s string) bool {
	if !strings.Contains(s, " ") || strings.Contains(s, "://") || strings.ContainsAny(s, "<>{}();=") {
		return false
	}
	letters := 0
	for _, r := range s {
		if r > 127 || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			letters++
		}
	}
	return letters*2 > utf8.RuneCountInString(s)
}

// gunzip returns the decompressed body when b is gzip, at most max bytes,
// and whether it was cut.
func gunzip(b []byte, max int64) ([]byte, bool, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, false, fmt.Errorf("pagefile: gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil && len(out) == 0 {
		return nil, false, fmt.Errorf("pagefile: gzip: %w", err)
	}
	if int64(len(out)) > max {
		return out[:max], true, nil
	}
	return out, false, nil
}
