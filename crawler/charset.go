package crawler

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// Decode converts an HTML or text body to UTF-8 and returns it with the name
// of the charset it was decoded from (WHATWG names: "utf-8",
// "windows-1251", "koi8-r", ...). The result is always valid UTF-8.
//
// The charset is chosen in the HTML order (byte order mark, then the
// Content-Type header, then <meta> in the first 1024 bytes), with three
// corrections common on the Russian web: non-ASCII text that is valid UTF-8
// is UTF-8 whatever it declares; a UTF-8 declaration over a body that is
// not (mostly) UTF-8 is ignored; and a Latin-1 header (often a server
// default) gives way to a <meta> that names another charset; a declared
// windows-1251 over plainly KOI8-R text (or the reverse) gives way to the
// text's letter cases. With no usable
// declaration, a body that is mostly valid UTF-8 is UTF-8; otherwise a
// mostly Cyrillic byte distribution picks windows-1251 or KOI8-R, and
// anything else is windows-1252.
func Decode(body []byte, contentType string) (string, string) {
	e, name := chooseEncoding(body, contentType)
	if name == "utf-8" {
		return strings.ToValidUTF8(string(bytes.TrimPrefix(body, utf8BOM)), "\uFFFD"), name
	}
	out, err := e.NewDecoder().Bytes(body)
	if err != nil {
		return strings.ToValidUTF8(string(body), "\uFFFD"), name
	}
	return strings.TrimPrefix(strings.ToValidUTF8(string(out), "\uFFFD"), "\uFEFF"), name
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func chooseEncoding(body []byte, contentType string) (encoding.Encoding, string) {
	// Without a header, DetermineEncoding reports a BOM as certain, a <meta>
	// as uncertain, and falls back to its own two defaults, which are the
	// only values not wrapped by charset.Lookup.
	e, name, certain := charset.DetermineEncoding(body, "")
	if certain {
		return e, name
	}
	// Non-ASCII text that is valid UTF-8 is UTF-8, whatever it declares: a
	// legacy encoding of real text almost never is. Text with a few bad
	// bytes among many good sequences is UTF-8 too when it says so.
	multi, bad := utf8Stats(body)
	if multi > 0 && bad == 0 {
		return encoding.Nop, "utf-8"
	}
	mostly := multi >= 8 && bad*4 < multi
	var metaEnc encoding.Encoding
	if e != encoding.Nop && e != charmap.Windows1252 {
		metaEnc = e
	}
	metaName := name
	if he, hname := headerCharset(contentType); he != nil {
		switch {
		case hname == "utf-8" && bad > 0 && !mostly:
		case latin1(hname) && metaEnc != nil && metaName != hname:
		case latin1(hname) && cyrillicCase(body) != "":
			// A Latin-1 server default over Cyrillic text: sniff below.
		default:
			return swappedCyrillic(body, he, hname)
		}
	}
	if metaEnc != nil && !(metaName == "utf-8" && bad > 0 && !mostly) {
		return swappedCyrillic(body, metaEnc, metaName)
	}
	if mostly {
		return encoding.Nop, "utf-8"
	}
	return sniff(body)
}

// utf8Stats counts the valid multi-byte UTF-8 sequences in b and the bytes
// that are not valid UTF-8.
func utf8Stats(b []byte) (multi, bad int) {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		} else {
			multi++
		}
		i += n
	}
	return multi, bad
}

// swappedCyrillic corrects a declared windows-1251 or KOI8-R when the text
// is plainly in the other one (a server default of the old Russian web
// that disagrees with the files it serves).
func swappedCyrillic(body []byte, e encoding.Encoding, name string) (encoding.Encoding, string) {
	if name != "windows-1251" && name != "koi8-r" {
		return e, name
	}
	switch cs, strong := cyrillicStats(body); {
	case !strong || cs == name:
	case cs == "windows-1251":
		return charmap.Windows1251, cs
	case cs == "koi8-r":
		return charmap.KOI8R, cs
	}
	return e, name
}

func headerCharset(contentType string) (encoding.Encoding, string) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, ""
	}
	cs, ok := params["charset"]
	if !ok {
		return nil, ""
	}
	return charset.Lookup(cs)
}

func latin1(name string) bool {
	return name == "windows-1252" || name == "iso-8859-1" || name == "us-ascii"
}

// sniff guesses the charset of an undeclared body.
func sniff(body []byte) (encoding.Encoding, string) {
	if utf8.Valid(body) {
		return encoding.Nop, "utf-8"
	}
	switch cyrillicCase(body) {
	case "windows-1251":
		return charmap.Windows1251, "windows-1251"
	case "koi8-r":
		return charmap.KOI8R, "koi8-r"
	}
	return charmap.Windows1252, "windows-1252"
}

// cyrillicCase tells windows-1251 from KOI8-R text by its letter cases, or
// returns "" when the bytes do not look like Cyrillic text. Cyrillic
// letters fill 0xC0-0xFF in both, with the cases swapped: lower case is
// 0xE0-0xFF in windows-1251 and 0xC0-0xDF in KOI8-R, and running text is
// mostly lower case. Cyrillic words are runs of such bytes; Latin-1 text
// has only a few accented letters between ASCII ones. strong is set when
// one case outnumbers the other three to one.
func cyrillicCase(body []byte) string {
	cs, _ := cyrillicStats(body)
	return cs
}

func cyrillicStats(body []byte) (cs string, strong bool) {
	var high, inRuns, run, upperHalf, lowerHalf int
	for i := 0; i <= len(body); i++ {
		b := byte(' ') // one past the end closes the last run
		if i < len(body) {
			b = body[i]
		}
		if b >= 0x80 {
			high++
		}
		if b >= 0xC0 {
			run++
			if b >= 0xE0 {
				upperHalf++
			} else {
				lowerHalf++
			}
			continue
		}
		if run >= 3 {
			inRuns += run
		}
		run = 0
	}
	if inRuns < 8 || inRuns*2 <= high {
		return "", false
	}
	if upperHalf >= lowerHalf {
		return "windows-1251", upperHalf >= 3*lowerHalf
	}
	return "koi8-r", lowerHalf >= 3*upperHalf
}
