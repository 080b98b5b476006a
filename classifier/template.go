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
	addHash := func(x uint64, weight int) {
		for i := range 64 {
			if x&(1<<i) != 0 {
				v[i] += weight
			} else {
				v[i] -= weight
			}
		}
		n++
	}
	add := func(feature string, weight int) {
		h := fnv.New64a()
		h.Write([]byte(feature))
		addHash(h.Sum64(), weight)
	}
	shapes := make(map[string]bool)
	for _, lp := range p.LinkPaths {
		shapes[pathShape(lp)] = true
	}
	for s := range shapes {
		add("p:"+s, 2)
	}
	hs := templateWords(p.Text, maxTemplateWords)
	for i := 0; i+4 <= len(hs); i++ {
		// A shingle's hash mixes its words' hashes, in order.
		x := hs[i]
		for _, y := range hs[i+1 : i+4] {
			x = (x ^ y) * 0x100000001b3
			x ^= x >> 29
		}
		addHash(x, 1)
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

// maxTemplateWords is how much of a page's text its template hash reads:
// a template shows in a page's first thousand words.
const maxTemplateWords = 1000

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

// templateWords returns the hashes of up to max words of a text: numbers
// as "0" and capitalised words (names of brands, artists, albums: what
// changes from clone to clone) as "N", a run of either as one, the rest in
// lower case.
func templateWords(text string, max int) []uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	hashOf := func(s string) uint64 {
		h := uint64(offset)
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
		return h
	}
	numHash, nameHash := hashOf("0"), hashOf("N")
	var out []uint64
	h, kind, inWord := uint64(offset), 0, false // kind: 1 number, 2 name, 3 word
	end := func() {
		if !inWord {
			return
		}
		inWord = false
		switch kind {
		case 1:
			h = numHash
		case 2:
			h = nameHash
		}
		if n := len(out); kind != 3 && n > 0 && out[n-1] == h {
			return // "Arctic Monkeys" and "Muse" are one name
		}
		out = append(out, h)
	}
	for _, r := range text {
		if len(out) >= max {
			break
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			end()
			continue
		}
		if !inWord {
			inWord, h = true, offset
			switch {
			case unicode.IsDigit(r):
				kind = 1
			case unicode.IsUpper(r):
				kind = 2
			default:
				kind = 3
			}
		}
		if kind == 3 {
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
			for _, c := range buf[:n] {
				h = (h ^ uint64(c)) * prime
			}
		}
	}
	end()
	return out
}
