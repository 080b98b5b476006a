package pagefile

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"trawl.dev/classifier"
	"trawl.dev/crawler"
	"trawl.dev/proto"
)

// ParseFast is Parse for speed: it walks the markup of an HTML page with a
// byte scanner instead of the crawler's tokenizer (about five times faster
// on pages of real-world size, where markup is most of the bytes), and
// decodes only the text it keeps. Charset detection, trackers, prices and
// language are the crawler's own functions, run on what the scanner kept,
// so the facts agree with Parse on ordinary pages; they may differ in the
// corners of broken markup. Text that is not HTML, and pages in a charset
// that is not a superset of ASCII (UTF-16), go to Parse.
func ParseFast(body []byte, pageURL, contentType, ip string, fetched time.Time, o *crawler.ParseOptions) (*Page, error) {
	if len(body) == 0 {
		return nil, ErrEmpty
	}
	if contentType == "" {
		contentType = sniffType(body)
	}
	if !crawler.IsHTML(contentType) || utf16BOM(body) {
		return Parse(body, pageURL, contentType, ip, fetched, o)
	}
	base, err := url.Parse(pageURL)
	if err != nil || base.Hostname() == "" {
		return Parse(body, pageURL, contentType, ip, fetched, o)
	}
	opt := parseDefaults(o)
	sc := scanner{maxRaw: 4 * opt.MaxText}
	sc.scan(body)

	// One decode for everything kept, with the charset the crawler would
	// choose: it sees the page's head (for <meta charset>) and the text
	// (for the statistics of undeclared pages).
	const sep = "\x00"
	var probe bytes.Buffer
	probe.Write(body[:min(len(body), 1024)])
	for _, part := range [][]byte{[]byte(sep), sc.title.Bytes(), []byte(sep), sc.metaRaw.Bytes(), []byte(sep), sc.text.Bytes()} {
		probe.Write(part)
	}
	decoded, cs := crawler.Decode(probe.Bytes(), contentType)
	parts := strings.SplitN(decoded, sep, 4)
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	title, metas, text := unescape(parts[1]), strings.Split(parts[2], "\x01"), unescape(parts[3])

	host := strings.ToLower(base.Hostname())
	site := proto.Site(host)
	p := &classifier.Page{URL: pageURL, Host: host, Site: site, StatusCode: 200, IP: ip, Fetched: fetched}
	p.Title = collapseText(title, opt.MaxMeta)
	p.Text = collapseText(text, opt.MaxText)
	for i, m := range metas {
		if i >= len(sc.metaNames) {
			break
		}
		if v := collapseText(unescape(m), opt.MaxMeta); v != "" {
			p.Meta = append(p.Meta, sc.metaNames[i]+"="+v)
		}
	}
	p.Lang = sc.lang
	if p.Lang == "" {
		p.Lang = crawler.GuessLang(p.Title + " " + p.Text)
	}
	for _, pr := range crawler.FindPrices(p.Text, opt.MaxPrices) {
		p.Prices = append(p.Prices, classifier.Price{Amount: pr.Amount, Currency: pr.Currency, Unit: pr.Unit, Snippet: pr.Snippet})
	}
	// Scripts and URLs one by one, as the crawler scans them: one string
	// of them all would make every pattern whose hint occurs anywhere run
	// over all of them.
	seen := make(map[string]bool)
	for _, src := range sc.trackerSrc {
		for _, id := range crawler.FindTrackers(src) {
			if !seen[id] && len(p.TrackerIDs) < opt.MaxTrackers {
				seen[id] = true
				p.TrackerIDs = append(p.TrackerIDs, id)
			}
		}
	}
	if sc.base != "" {
		if u, err := base.Parse(sc.base); err == nil {
			base = u
		}
	}
	links(p, base, sc.hrefs, opt.MaxLinks)
	if len(p.Text) < shellText {
		dec := func(b []byte) []byte {
			if e, _ := charset.Lookup(cs); e != nil && cs != "utf-8" {
				if out, err := e.NewDecoder().Bytes(b); err == nil {
					return out
				}
			}
			return bytes.ToValidUTF8(b, []byte("\uFFFD"))
		}
		scripts := make([][]byte, len(sc.scripts))
		for i, b := range sc.scripts {
			scripts[i] = dec(b)
		}
		if extra := shellStringsFrom(scripts, string(dec(sc.noscript.Bytes()))); extra != "" {
			p.Text = strings.TrimSpace(p.Text + "\n" + extra)
		}
	}
	return &Page{Page: p, Charset: cs}, nil
}

func utf16BOM(b []byte) bool {
	return len(b) >= 2 && (b[0] == 0xFE && b[1] == 0xFF || b[0] == 0xFF && b[1] == 0xFE)
}

// parseDefaults returns the crawler's default caps, with o's overrides.
func parseDefaults(o *crawler.ParseOptions) crawler.ParseOptions {
	var p crawler.ParseOptions
	if o != nil {
		p = *o
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&p.MaxText, 64<<10)
	def(&p.MaxLinks, 1000)
	def(&p.MaxPrices, 50)
	def(&p.MaxTrackers, 50)
	def(&p.MaxMeta, 1<<10)
	def(&p.MaxURL, 2048)
	return p
}

// links resolves hrefs against base and fills the page's out-hosts and
// same-site link paths, as the crawler does.
func links(p *classifier.Page, base *url.URL, hrefs []string, max int) {
	seenHost := map[string]bool{p.Host: true}
	seenPath := map[string]bool{}
	n := 0
	for _, href := range hrefs {
		if n >= max || (len(p.OutHosts) >= maxOutHosts && len(p.LinkPaths) >= maxLinkPaths) {
			return
		}
		href = strings.TrimSpace(href)
		if href == "" || href[0] == '#' {
			continue
		}
		if plainPath(href) && base.Path == "/" && base.RawQuery == "" {
			// The common case, a plain absolute path on the page's own
			// host, needs no URL parser.
			n++
			if len(p.LinkPaths) < maxLinkPaths && !seenPath[href] {
				seenPath[href] = true
				p.LinkPaths = append(p.LinkPaths, href)
			}
			continue
		}
		u, err := base.Parse(href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		n++
		h := strings.ToLower(u.Hostname())
		if !seenHost[h] && len(p.OutHosts) < maxOutHosts {
			seenHost[h] = true
			p.OutHosts = append(p.OutHosts, h)
		}
		if proto.Site(h) == p.Site && len(p.LinkPaths) < maxLinkPaths {
			if path := u.RequestURI(); !seenPath[path] {
				seenPath[path] = true
				p.LinkPaths = append(p.LinkPaths, path)
			}
		}
	}
}

// plainPath reports whether href is an absolute path that a URL parser
// would give back unchanged: "/", then only unreserved characters, "/",
// "?", "=", "&" and "%" escapes.
func plainPath(href string) bool {
	if len(href) == 0 || href[0] != '/' || len(href) > 1 && href[1] == '/' {
		return false
	}
	for i := 0; i < len(href); i++ {
		switch c := href[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '/' || c == '-' || c == '_' || c == '.' || c == '~' || c == '?' || c == '=' || c == '&':
		case c == '%' && i+2 < len(href) && isHex(href[i+1]) && isHex(href[i+2]):
		default:
			return false
		}
	}
	if q := strings.IndexByte(href, '?'); q >= 0 {
		// Queries with session IDs go to the parser, which drops them.
		lq := strings.ToLower(href[q:])
		if strings.Contains(lq, "sid") || strings.Contains(lq, "sess") || strings.Contains(lq, "token") || q == len(href)-1 {
			return false
		}
	}
	return !strings.Contains(href, "/.")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

// unescape decodes character references, when there are any.
func unescape(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return html.UnescapeString(s)
}

// collapseText collapses runs of white space to one space and cuts the
// result at max bytes, between runes, as the crawler's text builder does.
func collapseText(s string, max int) string {
	out := make([]byte, 0, min(len(s), max))
	pending := false
	for i := 0; i < len(s); {
		c := s[i]
		n := 1
		switch {
		case c < utf8.RuneSelf:
			if asciiSpace[c] {
				pending = true
				i++
				continue
			}
		case c >= 0xD0 && c <= 0xD3 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			n = 2 // Cyrillic: no spaces among them
		default:
			r, w := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				pending = true
				i += w
				continue
			}
			n = w
			if r == utf8.RuneError && w == 1 {
				// A bad byte is written as U+FFFD, as WriteRune would.
				if !appendRune(&out, "\uFFFD", pending, max) {
					return string(out)
				}
				pending = false
				i++
				continue
			}
		}
		if !appendRune(&out, s[i:i+n], pending, max) {
			break
		}
		pending = false
		i += n
	}
	return string(out)
}

// appendRune appends one character, after a space when one is pending,
// unless that would pass max bytes.
func appendRune(out *[]byte, r string, pending bool, max int) bool {
	w := len(r)
	if pending && len(*out) > 0 {
		w++
	}
	if len(*out)+w > max {
		return false
	}
	if pending && len(*out) > 0 {
		*out = append(*out, ' ')
	}
	*out = append(*out, r...)
	return true
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// scanner walks HTML bytes and keeps what Parse would use, still in the
// page's encoding.
type scanner struct {
	maxRaw    int
	text      bytes.Buffer // visible text; a space at every tag that separates words
	title     bytes.Buffer
	metaRaw   bytes.Buffer // meta contents, separated by \x01
	metaNames []string
	noscript  bytes.Buffer
	scripts   [][]byte
	lang      string
	base      string
	hrefs     []string
	// trackerSrc are the strings the crawler scans for tracker IDs:
	// scripts, noscript blocks and the URLs of links, images, frames and
	// scripts.
	trackerSrc []string
	inAnchor   bool
}

// rawText are the elements whose content is raw text up to their end tag.
var rawText = map[atom.Atom]bool{
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Noscript: true,
	atom.Plaintext: true, atom.Script: true, atom.Style: true, atom.Textarea: true,
	atom.Title: true, atom.Xmp: true,
}

// inline elements don't separate words; every other tag does.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true,
	atom.Big: true, atom.Cite: true, atom.Code: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Kbd: true, atom.Mark: true, atom.Nobr: true, atom.Q: true,
	atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strike: true,
	atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Tt: true, atom.U: true,
	atom.Var: true, atom.Wbr: true,
}

func (s *scanner) addText(b []byte) {
	if len(b) == 0 || s.text.Len() >= s.maxRaw {
		return
	}
	if bytes.IndexByte(b, 0) >= 0 {
		b = bytes.ReplaceAll(b, []byte{0}, []byte{' '})
	}
	s.text.Write(b)
}

func (s *scanner) space() {
	if n := s.text.Len(); n > 0 && s.text.Bytes()[n-1] != ' ' {
		s.text.WriteByte(' ')
	}
}

func (s *scanner) scan(b []byte) {
	var name [16]byte
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			s.addText(b[i:])
			return
		}
		s.addText(b[i : i+j])
		i += j
		if i+1 >= len(b) {
			s.addText(b[i:])
			return
		}
		switch c := b[i+1]; {
		case c == '!' && bytes.HasPrefix(b[i:], []byte("<!--")):
			k := bytes.Index(b[i+4:], []byte("-->"))
			if k < 0 {
				return
			}
			i += 4 + k + 3
			continue
		case c == '!' || c == '?':
			k := bytes.IndexByte(b[i:], '>')
			if k < 0 {
				return
			}
			i += k + 1
			continue
		}
		end := false
		p := i + 1
		if b[p] == '/' {
			end = true
			p++
		}
		q := p
		for q < len(b) && isNameByte(b[q]) {
			q++
		}
		if q == p || !isLetter(b[p]) {
			if end && p >= len(b) {
				s.addText(b[i:]) // "</" at the very end is text
				return
			}
			if end {
				// "</" and no name: a bogus comment up to ">".
				k := bytes.IndexByte(b[i:], '>')
				if k < 0 {
					return
				}
				i += k + 1
				continue
			}
			s.addText(b[i : i+1])
			i++
			continue
		}
		n := copy(name[:], b[p:q])
		lowerASCII(name[:n])
		a := atom.Lookup(name[:n])
		if q-p > len(name) {
			a = 0
		}
		k := tagEnd(b, q)
		attrs := b[q:k]
		i = min(k+1, len(b))
		if end {
			if !inline[a] {
				s.space()
			}
			continue
		}
		if !inline[a] {
			s.space()
		}
		s.startTag(a, attrs)
		if rawText[a] && !bytes.HasSuffix(bytes.TrimRight(attrs, " \t\n\r"), []byte("/")) || a == atom.Plaintext {
			c := closing(b, i, name[:n], a == atom.Plaintext)
			s.rawContent(a, b[i:c])
			if c >= len(b) {
				return
			}
			k := bytes.IndexByte(b[c:], '>')
			if k < 0 {
				return
			}
			i = c + k + 1
			s.space()
		}
	}
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isNameByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == ':' || c == '_'
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// tagEnd returns the index of the ">" that ends the tag whose attributes
// start at i, skipping quoted values, or len(b).
func tagEnd(b []byte, i int) int {
	for i < len(b) {
		gt := bytes.IndexByte(b[i:], '>')
		if gt < 0 {
			return len(b)
		}
		gt += i
		// A quote before the ">" may hide it.
		q := bytes.IndexByte(b[i:gt], '"')
		if q2 := bytes.IndexByte(b[i:gt], '\''); q2 >= 0 && (q < 0 || q2 < q) {
			q = q2
		}
		if q < 0 {
			return gt
		}
		q += i
		if end := bytes.IndexByte(b[q+1:], b[q]); end >= 0 && bytes.IndexByte(b[q+1:q+1+end], '<') < 0 {
			i = q + end + 2
			continue
		}
		i = q + 1
	}
	return len(b)
}

// closing returns where the end tag "</name" of a raw-text element starts,
// or len(b).
func closing(b []byte, i int, name []byte, never bool) int {
	if never {
		return len(b)
	}
	for i < len(b) {
		k := bytes.Index(b[i:], []byte("</"))
		if k < 0 {
			return len(b)
		}
		j := i + k + 2
		if j+len(name) <= len(b) && bytes.EqualFold(b[j:j+len(name)], name) &&
			(j+len(name) == len(b) || !isNameByte(b[j+len(name)])) {
			return i + k
		}
		i = j
	}
	return len(b)
}

func (s *scanner) rawContent(a atom.Atom, b []byte) {
	switch a {
	case atom.Title:
		if s.title.Len() < 4<<10 {
			s.title.Write(b[:min(len(b), 4<<10)])
		}
	case atom.Script:
		s.trackerSrc = append(s.trackerSrc, string(b))
		if len(s.scripts) < 64 {
			s.scripts = append(s.scripts, b)
		}
	case atom.Noscript:
		s.trackerSrc = append(s.trackerSrc, string(b))
		if s.noscript.Len() < 64<<10 {
			s.noscript.Write(b)
			s.noscript.WriteByte(' ')
		}
	case atom.Textarea, atom.Plaintext:
		s.addText(b)
	}
}

func (s *scanner) startTag(a atom.Atom, attrs []byte) {
	switch a {
	case atom.Html:
		if s.lang == "" {
			s.lang = normLang(attr(attrs, "lang"))
		}
	case atom.Base:
		if s.base == "" {
			s.base = attr(attrs, "href")
		}
	case atom.A, atom.Area:
		if href := attr(attrs, "href"); href != "" {
			s.trackerSrc = append(s.trackerSrc, href)
			s.hrefs = append(s.hrefs, href)
		}
	case atom.Frame, atom.Iframe:
		if src := attr(attrs, "src"); src != "" {
			s.trackerSrc = append(s.trackerSrc, src)
			s.hrefs = append(s.hrefs, src)
		}
	case atom.Img, atom.Script:
		if src := attr(attrs, "src"); src != "" {
			s.trackerSrc = append(s.trackerSrc, src)
		}
	case atom.Meta:
		content := attr(attrs, "content")
		switch name := strings.ToLower(strings.TrimSpace(attr(attrs, "name"))); name {
		case "description", "keywords", "generator":
			if len(s.metaNames) < 16 && content != "" {
				if len(s.metaNames) > 0 {
					s.metaRaw.WriteByte(1)
				}
				s.metaRaw.WriteString(separators.Replace(content))
				s.metaNames = append(s.metaNames, name)
			}
		}
		switch strings.ToLower(strings.TrimSpace(attr(attrs, "http-equiv"))) {
		case "content-language":
			if s.lang == "" {
				s.lang = normLang(content)
			}
		case "refresh":
			if _, target, ok := strings.Cut(content, ";"); ok {
				target = strings.TrimSpace(target)
				if len(target) > 4 && strings.EqualFold(target[:3], "url") {
					target = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(target[3:]), "="))
					s.hrefs = append(s.hrefs, strings.Trim(target, `'"`))
				}
			}
		}
	}
}

// separators replaces the bytes ParseFast separates decoded parts with.
var separators = strings.NewReplacer("\x00", " ", "\x01", " ")

// attr returns the value of attribute key (lower case) in a tag's
// attribute bytes, with character references decoded, or "".
func attr(b []byte, key string) string {
	for i := 0; i < len(b); {
		for i < len(b) && (asciiSpace[b[i]&0x7f] && b[i] < 0x80 || b[i] == '/') {
			i++
		}
		start := i
		for i < len(b) && b[i] != '=' && b[i] != '>' && b[i] != '/' && !(b[i] < 0x80 && asciiSpace[b[i]]) {
			i++
		}
		if i == start {
			i++
			continue
		}
		k := b[start:i]
		for i < len(b) && b[i] < 0x80 && asciiSpace[b[i]] {
			i++
		}
		var v []byte
		if i < len(b) && b[i] == '=' {
			i++
			for i < len(b) && b[i] < 0x80 && asciiSpace[b[i]] {
				i++
			}
			if i < len(b) && (b[i] == '"' || b[i] == '\'') {
				q := b[i]
				e := bytes.IndexByte(b[i+1:], q)
				if e < 0 {
					e = len(b) - i - 1
				}
				v = b[i+1 : i+1+e]
				i += e + 2
			} else {
				vs := i
				for i < len(b) && !(b[i] < 0x80 && asciiSpace[b[i]]) {
					i++
				}
				v = b[vs:i]
			}
		}
		if len(k) == len(key) && bytes.EqualFold(k, []byte(key)) {
			return unescape(string(v))
		}
	}
	return ""
}

// normLang returns the primary subtag of a language tag ("ru" of "ru-RU"),
// or "" when it does not look like one.
func normLang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_,; "); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		if !isLetter(tag[i]) {
			return ""
		}
	}
	return strings.ToLower(tag)
}
