package classifier

import (
	"hash/fnv"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TemplateHash returns a 64-bit simhash of a page's structure, so that two
// pages built on a near-identical template hash to values a few bits apart
// (TemplateDistance) whatever their brand names, prices and catalogue
// entries. Until the crawler sends a hash of the DOM skeleton, the
// structure is read from what the page facts carry: the shapes of the
// page's own links (digits and long names folded away: /_album123/ and
// /_album77/ are one shape) and the page's wording, in shingles of four
// words with numbers and capitalised names folded. It returns 0 for a page with too little of
// either to compare.
func TemplateHash(p *Page) uint64 {
	var v [64]int
	n := 0
	add := func(feature string, weight int) {
		h := fnv.New64a()
		h.Write([]byte(feature))
		x := h.Sum64()
		for i := range 64 {
			if x&(1<<i) != 0 {
				v[i] += weight
			} else {
				v[i] -= weight
			}
		}
		n++
	}
	shapes := make(map[string]bool)
	for _, lp := range p.LinkPaths {
		shapes[pathShape(lp)] = true
	}
	for s := range shapes {
		add("p:"+s, 2)
	}
	words := templateWords(p.Text, 4000)
	for i := 0; i+4 <= len(words); i++ {
		add("w:"+strings.Join(words[i:i+4], " "), 1)
	}
	if n < minTemplateFeatures {
		return 0
	}
	var out uint64
	for i := range 64 {
		if v[i] > 0 {
			out |= 1 << i
		}
	}
	if out == 0 {
		out = 1 // 0 means "no hash"
	}
	return out
}

// minTemplateFeatures is how many features a page needs for its hash to
// mean anything.
const minTemplateFeatures = 24

// TemplateDistance is the number of bits in which two template hashes
// differ: 0 for the same, about 32 for unrelated pages.
func TemplateDistance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// pathShape folds a link path into its shape: lower case, runs of digits as
// "0", segments longer than 24 characters as "*", the query's values
// dropped.
func pathShape(p string) string {
	path, query, _ := strings.Cut(strings.ToLower(p), "?")
	var b strings.Builder
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if len(seg) > 24 {
			b.WriteByte('*')
			continue
		}
		digit := false
		for _, r := range seg {
			if unicode.IsDigit(r) {
				if !digit {
					b.WriteByte('0')
				}
				digit = true
				continue
			}
			digit = false
			b.WriteRune(r)
		}
	}
	if query != "" {
		b.WriteByte('?')
		for i, kv := range strings.Split(query, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, _, _ := strings.Cut(kv, "=")
			b.WriteString(k)
		}
	}
	return b.String()
}

// templateWords returns up to max words of a text: numbers as "0" and
// capitalised words (names of brands, artists, albums: what changes from
// clone to clone) as "N", a run of either as one, the rest in lower case.
func templateWords(text string, max int) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(out) >= max {
			break
		}
		switch r, _ := utf8.DecodeRuneInString(f); {
		case unicode.IsDigit(r):
			f = "0"
		case unicode.IsUpper(r):
			f = "N"
		default:
			f = strings.ToLower(f)
		}
		if n := len(out); n > 0 && (f == "N" || f == "0") && out[n-1] == f {
			continue // "Arctic Monkeys" and "Muse" are one name
		}
		out = append(out, f)
	}
	return out
}
