package crawler

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ParseOptions bound what Parse collects; zero fields take the defaults.
type ParseOptions struct {
	MaxText     int // bytes of visible text; default 64 KiB
	MaxLinks    int // links per page; default 1000
	MaxPrices   int // default 50
	MaxTrackers int // default 50
	MaxAnchor   int // bytes of anchor text per link; default 200
	MaxMeta     int // bytes of one meta value; default 1 KiB
	MaxURL      int // longer links are dropped (traps, session soup); default 2048 bytes
}

func (o *ParseOptions) withDefaults() ParseOptions {
	var p ParseOptions
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
	def(&p.MaxAnchor, 200)
	def(&p.MaxMeta, 1<<10)
	def(&p.MaxURL, 2048)
	return p
}

// Facts is what Parse found in one document.
type Facts struct {
	Charset        string // charset the body was decoded from
	Title          string
	Lang           string // primary language subtag, declared or guessed; "" when unknown
	LangDeclared   bool   // Lang came from <html lang> or a content-language <meta>
	Text           string // visible text, whitespace collapsed, capped
	TextTruncated  bool
	Meta           []string // "description=...", "keywords=...", "generator=..."
	Links          []Link   // absolute http(s) URLs without fragments or session IDs, hosts in ASCII, in page order, distinct
	LinksTruncated bool
	TrackerIDs     []string // "ga:UA-1-1", "ym:123", ... in order of appearance, distinct
	Prices         []Price
}

// Link is one outgoing link.
type Link struct {
	URL    string
	Anchor string
}

// Parse reads a fetched body in one pass: it decodes it to UTF-8 (see
// Decode), then walks HTML once with a tokenizer (no tree, so nesting depth
// costs nothing), collecting the title, language, meta description and
// keywords, visible text, links, tracker IDs and prices. pageURL (the final
// URL) is the base for relative links unless the page has <base href>.
//
// A text/* body that is not HTML gives text, prices and language but no
// links; any other content type gives empty Facts. Parse never fails: bad
// markup and bad bytes only make the facts poorer.
func Parse(body []byte, contentType, pageURL string, o *ParseOptions) *Facts {
	opt := o.withDefaults()
	f := &Facts{}
	if !IsText(contentType) {
		return f
	}
	text, cs := Decode(body, contentType)
	f.Charset = cs
	p := &parser{
		f:        f,
		o:        opt,
		text:     textBuilder{max: opt.MaxText},
		trackers: trackerSet{max: opt.MaxTrackers},
		seen:     make(map[string]bool),
		anchor:   -1,
	}
	if IsHTML(contentType) {
		p.base, _ = url.Parse(pageURL)
		p.walk(text)
	} else {
		p.text.add(text)
	}
	f.Text = p.text.String()
	f.TextTruncated = p.text.truncated
	f.TrackerIDs = p.trackers.ids
	f.Prices = FindPrices(f.Text, opt.MaxPrices)
	if f.Lang == "" {
		f.Lang = GuessLang(f.Title + " " + f.Text)
	}
	return f
}

type parser struct {
	f        *Facts
	o        ParseOptions
	base     *url.URL
	baseSet  bool
	text     textBuilder
	trackers trackerSet
	seen     map[string]bool
	anchor   int // index in f.Links of the open <a>, or -1
	anchorB  textBuilder
	title    strings.Builder
	inTitle  bool
}

// rawText are the elements whose content the tokenizer returns as one raw
// text token.
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

func (p *parser) walk(doc string) {
	z := html.NewTokenizer(strings.NewReader(doc))
	var raw atom.Atom // the raw-text element we are in, or 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			p.closeAnchor()
			if p.f.Title == "" {
				p.f.Title = collapse(p.title.String(), p.o.MaxMeta)
			}
			return
		case html.TextToken:
			p.onText(raw, z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			var attrs map[string]string
			if hasAttr && wantAttrs[a] {
				attrs = readAttrs(z)
			}
			p.onStart(a, attrs)
			if rawText[a] {
				raw = a
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == raw {
				raw = 0
			}
			if a == atom.A {
				p.closeAnchor()
			}
			if !inline[a] {
				p.text.space()
			}
		}
	}
}

var wantAttrs = map[atom.Atom]bool{
	atom.Html: true, atom.Base: true, atom.A: true, atom.Area: true, atom.Frame: true,
	atom.Iframe: true, atom.Img: true, atom.Script: true, atom.Meta: true,
}

func readAttrs(z *html.Tokenizer) map[string]string {
	m := make(map[string]string, 4)
	for {
		k, v, more := z.TagAttr()
		if _, dup := m[string(k)]; !dup {
			m[string(k)] = string(v)
		}
		if !more {
			return m
		}
	}
}

func (p *parser) onText(raw atom.Atom, b []byte) {
	switch raw {
	case atom.Title:
		if p.title.Len() < p.o.MaxMeta {
			p.title.Write(b)
		}
	case atom.Script, atom.Noscript:
		p.trackers.scan(string(b))
	case atom.Style, atom.Iframe, atom.Noembed, atom.Noframes, atom.Xmp:
	default: // plain text, <textarea>, <plaintext>
		s := string(b)
		p.text.add(s)
		if p.anchor >= 0 {
			p.anchorB.add(s)
		}
	}
}

func (p *parser) onStart(a atom.Atom, attrs map[string]string) {
	if !inline[a] {
		p.text.space()
	}
	switch a {
	case atom.Html:
		if lang := normLang(attrs["lang"]); lang != "" && !p.f.LangDeclared {
			p.f.Lang, p.f.LangDeclared = lang, true
		}
	case atom.Base:
		if href := strings.TrimSpace(attrs["href"]); href != "" && !p.baseSet && p.base != nil {
			if u, err := p.base.Parse(href); err == nil {
				p.base, p.baseSet = u, true
			}
		}
	case atom.A:
		p.closeAnchor()
		href := attrs["href"]
		p.trackers.scan(href)
		if i := p.addLink(href, ""); i >= 0 {
			p.anchor = i
			p.anchorB = textBuilder{max: p.o.MaxAnchor}
		}
	case atom.Area:
		p.addLink(attrs["href"], collapse(attrs["alt"], p.o.MaxAnchor))
	case atom.Frame, atom.Iframe:
		p.trackers.scan(attrs["src"])
		p.addLink(attrs["src"], "")
	case atom.Img, atom.Script:
		p.trackers.scan(attrs["src"])
	case atom.Meta:
		p.onMeta(attrs)
	}
}

func (p *parser) onMeta(attrs map[string]string) {
	content := attrs["content"]
	switch name := strings.ToLower(strings.TrimSpace(attrs["name"])); name {
	case "description", "keywords", "generator":
		if v := collapse(content, p.o.MaxMeta); v != "" && len(p.f.Meta) < 16 {
			p.f.Meta = append(p.f.Meta, name+"="+v)
		}
	}
	switch strings.ToLower(strings.TrimSpace(attrs["http-equiv"])) {
	case "content-language":
		if lang := normLang(content); lang != "" && !p.f.LangDeclared {
			p.f.Lang, p.f.LangDeclared = lang, true
		}
	case "refresh":
		// "5; url=/next" or "5;URL='/next'"
		_, target, ok := strings.Cut(content, ";")
		if !ok {
			return
		}
		target = strings.TrimSpace(target)
		if len(target) > 4 && strings.EqualFold(target[:3], "url") {
			target = strings.TrimSpace(target[3:])
			target = strings.TrimSpace(strings.TrimPrefix(target, "="))
			p.addLink(strings.Trim(target, `'"`), "")
		}
	}
}

// addLink resolves href and appends it when it is a new http(s) URL,
// returning its index, or -1.
func (p *parser) addLink(href, anchor string) int {
	href = strings.TrimSpace(href)
	if href == "" || p.base == nil || strings.HasPrefix(href, "#") {
		return -1
	}
	u, err := p.base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return -1
	}
	u.Fragment, u.RawFragment = "", ""
	if !normalizeLink(u) {
		return -1
	}
	s := u.String()
	if len(s) > p.o.MaxURL || p.seen[s] {
		return -1
	}
	if len(p.f.Links) >= p.o.MaxLinks {
		p.f.LinksTruncated = true
		return -1
	}
	p.seen[s] = true
	p.f.Links = append(p.f.Links, Link{URL: s, Anchor: anchor})
	return len(p.f.Links) - 1
}

func (p *parser) closeAnchor() {
	if p.anchor >= 0 {
		p.f.Links[p.anchor].Anchor = p.anchorB.String()
		p.anchor = -1
	}
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
	for _, r := range tag {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return ""
		}
	}
	return strings.ToLower(tag)
}

// GuessLang tells Russian from English by the share of Cyrillic letters:
// "ru" when at least 30% of the letters are Cyrillic, "en" otherwise, and ""
// for fewer than 20 letters.
func GuessLang(s string) string {
	var letters, cyr int
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Cyrillic, r) {
				cyr++
			}
		}
	}
	switch {
	case letters < 20:
		return ""
	case cyr*10 >= letters*3:
		return "ru"
	}
	return "en"
}

// textBuilder collects text with runs of white space collapsed to one space,
// up to max bytes, cutting only between runes.
type textBuilder struct {
	b         strings.Builder
	max       int
	pending   bool // a space is owed before the next non-space
	truncated bool
}

func (t *textBuilder) space() { t.pending = true }

func (t *textBuilder) add(s string) {
	if t.truncated {
		return
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			t.pending = true
			continue
		}
		n := utf8.RuneLen(r)
		if n < 0 {
			n = 3 // utf8.RuneError
		}
		if t.pending && t.b.Len() > 0 {
			n++
		}
		if t.b.Len()+n > t.max {
			t.truncated = true
			return
		}
		if t.pending && t.b.Len() > 0 {
			t.b.WriteByte(' ')
		}
		t.pending = false
		t.b.WriteRune(r)
	}
}

func (t *textBuilder) String() string { return t.b.String() }

// collapse collapses white space in s and caps it at max bytes.
func collapse(s string, max int) string {
	t := textBuilder{max: max}
	t.add(s)
	return t.String()
}
