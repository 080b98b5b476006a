package classifier

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSnippet is the longest snippet, in characters, that a Hit carries.
const MaxSnippet = 200

// MaxTextBytes caps how much of a page's text is matched, so that a hostile
// page costs a bounded amount of work.
const MaxTextBytes = 256 << 10

// Text is a page's text folded for matching: lower case, ё as е, typographic
// dashes and quotes as ASCII, a run of white space as one space, zero-width
// characters dropped, and Latin and
// Cyrillic look-alike letters inside a mixed-script word turned into the
// word's main script ("Pоссия" with a Latin P matches "россия", "mр3" with a
// Cyrillic р matches "mp3"). It keeps a map back to the original, so snippets
// quote the page as it was.
type Text struct {
	orig   string
	folded string
	off    []int32              // off[i] is the offset in orig of the rune that produced folded byte i
	litPos [][]int32            // positions of every prefilter literal
	occ    map[*pattern][]int32 // positions of a pattern's literals
	also   map[*pattern][][]int32
	firsts map[*pattern]int // first match of a pattern: index into spans, or -1
	spans  []span
}

// NewText folds s.
func NewText(s string) *Text {
	s = capText(s)
	out := make([]byte, 0, len(s)+len(s)/16)
	off := make([]int32, 0, len(s)+len(s)/16+1)
	word, lat, cyr := -1, false, false // start in out of the current word, and its scripts
	endWord := func() {
		if word >= 0 && lat && cyr {
			out, off = fixWord(out, off, word)
		}
		word, lat, cyr = -1, false, false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
				fallthrough
			case c >= 'a' && c <= 'z':
				if word < 0 {
					word = len(out)
				}
				lat = true
			default:
				endWord()
				if asciiSpace[c] {
					if n := len(out); n > 0 && out[n-1] == ' ' {
						i++ // a run of white space is one space
						continue
					}
					c = ' '
				}
			}
			out = append(out, c)
			off = append(off, int32(i))
			i++
			continue
		}
		if (c == 0xD0 || c == 0xD1) && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			// Cyrillic letters U+0400–U+047F, the most common non-ASCII
			// text here: fold them without the tables.
			r := rune(c&0x1F)<<6 | rune(s[i+1]&0x3F)
			if r <= 0x45F {
				switch {
				case r < 0x410:
					r += 0x50
				case r < 0x430:
					r += 0x20
				}
				if r == 'ё' {
					r = 'е'
				}
				if word < 0 {
					word = len(out)
				}
				cyr = true
				out = utf8.AppendRune(out, r)
				off = append(off, int32(i), int32(i))
				i += 2
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r = foldRune(r); r < 0 {
			i += n
			continue
		}
		if unicode.IsLetter(r) {
			if word < 0 {
				word = len(out)
			}
			if isCyrillic(r) {
				cyr = true
			} else if isLatin(r) {
				lat = true
			}
		} else {
			endWord()
			if r == ' ' && len(out) > 0 && out[len(out)-1] == ' ' {
				i += n // a run of white space is one space
				continue
			}
		}
		k := len(out)
		out = utf8.AppendRune(out, r)
		for range len(out) - k {
			off = append(off, int32(i))
		}
		i += n
	}
	endWord()
	off = append(off, int32(len(s)))
	return &Text{orig: s, folded: string(out), off: off}
}

// asciiSpace marks the ASCII white space characters.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// capText cuts s to MaxTextBytes, at a character boundary.
func capText(s string) string {
	if len(s) <= MaxTextBytes {
		return s
	}
	s = s[:MaxTextBytes]
	for range utf8.UTFMax {
		if r, n := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || n != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// fixWord turns the look-alike letters of the mixed-script word that
// starts at out[start:] into the word's main script (see fixScript),
// keeping the map to the original text.
func fixWord(out []byte, off []int32, start int) ([]byte, []int32) {
	var runes []rune
	var at []int32
	for i := start; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		runes = append(runes, r)
		at = append(at, off[i])
		i += n
	}
	fixScript(runes)
	out, off = out[:start], off[:start]
	for k, r := range runes {
		j := len(out)
		out = utf8.AppendRune(out, r)
		for range len(out) - j {
			off = append(off, at[k])
		}
	}
	return out, off
}

// String returns the folded text.
func (t *Text) String() string { return t.folded }

// foldRune returns the folded form of r, or -1 to drop it.
func foldRune(r rune) rune {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return -1
	case 'ё', 'Ё':
		return 'е'
	case '‐', '‑', '‒', '–', '—', '―', '−':
		return '-'
	case '«', '»', '„', '“', '”', '″':
		return '"'
	case '‘', '’', '‚', '′':
		return '\''
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	return unicode.ToLower(r)
}

// Look-alike letters, in lower case.
var (
	latinToCyrillic = map[rune]rune{'a': 'а', 'b': 'в', 'c': 'с', 'e': 'е', 'h': 'н', 'k': 'к', 'm': 'м',
		'o': 'о', 'p': 'р', 't': 'т', 'x': 'х', 'y': 'у'}
	cyrillicToLatin = map[rune]rune{'а': 'a', 'в': 'b', 'с': 'c', 'е': 'e', 'н': 'h', 'к': 'k', 'м': 'm',
		'о': 'o', 'р': 'p', 'т': 't', 'х': 'x', 'у': 'y', 'і': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd'}
)

// fixScript turns the look-alike letters of a word that mixes Latin and
// Cyrillic into the script that has more unambiguous letters (Latin on a
// tie). It reports whether the word mixed scripts.
func fixScript(word []rune) bool {
	var lat, cyr, latOnly, cyrOnly int
	for _, r := range word {
		switch {
		case isLatin(r):
			lat++
			if _, ok := latinToCyrillic[r]; !ok {
				latOnly++
			}
		case isCyrillic(r):
			cyr++
			if _, ok := cyrillicToLatin[r]; !ok {
				cyrOnly++
			}
		}
	}
	if lat == 0 || cyr == 0 {
		return false
	}
	m := cyrillicToLatin
	if cyrOnly > latOnly {
		m = latinToCyrillic
	}
	for i, r := range word {
		if to, ok := m[r]; ok {
			word[i] = to
		}
	}
	return true
}

func isLatin(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.Is(unicode.Latin, r)
}

func isCyrillic(r rune) bool {
	if r >= 0x400 && r <= 0x4ff {
		return true
	}
	return r >= 0x80 && unicode.Is(unicode.Cyrillic, r)
}

// span is a match in folded text: [start, end) in bytes.
type span struct{ start, end int }

// find returns the first match of re that starts and ends at word edges.
func (t *Text) find(re *pattern) (span, bool) {
	return t.findFrom(re, 0)
}

func (t *Text) findFrom(re *pattern, pos int) (span, bool) {
	if pos == 0 {
		if i, ok := t.firsts[re]; ok {
			if i < 0 {
				return span{}, false
			}
			return t.spans[i], true
		}
		sp, ok := t.scan(re, 0)
		if t.firsts == nil {
			t.firsts = make(map[*pattern]int)
		}
		t.firsts[re] = -1
		if ok {
			t.firsts[re] = len(t.spans)
			t.spans = append(t.spans, sp)
		}
		return sp, ok
	}
	return t.scan(re, pos)
}

// scanWindow is how far from an occurrence of one of its literals a match
// of a pattern may start or end, unless the pattern says less (rxWindow).
// Patterns are written to match phrases shorter than this.
const scanWindow = 256

// scan finds the first bounded match of re at or after pos. A pattern with
// a prefilter is only run in windows around its literals' occurrences.
func (t *Text) scan(re *pattern, pos int) (span, bool) {
	if re.lits == nil {
		return t.scanRange(re, pos, len(t.folded))
	}
	occ := t.occurrences(re)
	also := t.alsoOccurrences(re)
	w := re.window()
	i := search(occ, pos-w)
	for i < len(occ) {
		if !nearAll(also, int(occ[i]), w) {
			i++
			continue
		}
		from := max(pos, int(occ[i])-w)
		to := min(len(t.folded), int(occ[i])+w)
		// Merge the windows of nearby occurrences.
		for i++; i < len(occ) && int(occ[i])-w <= to; i++ {
			if nearAll(also, int(occ[i]), w) {
				to = min(len(t.folded), int(occ[i])+w)
			}
		}
		if from >= to {
			continue
		}
		// A long merged window (a price list) is scanned in chunks, so the
		// expression runs on short inputs: a match starts in the chunk and
		// ends within w bytes after it.
		chunk := 2 * w
		for a := from; a < to; a += chunk {
			end := min(to, a+chunk+w)
			if sp, ok := t.scanRange(re, a, end); ok && (sp.start < a+chunk || end == to) {
				return sp, true
			}
		}
	}
	return span{}, false
}

// occurrences returns the sorted positions of re's literals in the text.
func (t *Text) occurrences(re *pattern) []int32 {
	if occ, ok := t.occ[re]; ok {
		return occ
	}
	occ := t.positions(re.ids)
	if t.occ == nil {
		t.occ = make(map[*pattern][]int32)
	}
	t.occ[re] = occ
	return occ
}

// positions merges the sorted positions of literals.
func (t *Text) positions(ids []int32) []int32 {
	if t.litPos == nil {
		t.litPos = index().find(t.folded)
	}
	var lists [][]int32
	n := 0
	for _, id := range ids {
		if l := t.litPos[id]; len(l) > 0 {
			lists = append(lists, l)
			n += len(l)
		}
	}
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	// Merge pairwise: each list is sorted already.
	for len(lists) > 1 {
		var next [][]int32
		for i := 0; i < len(lists); i += 2 {
			if i+1 == len(lists) {
				next = append(next, lists[i])
				continue
			}
			next = append(next, merge(lists[i], lists[i+1]))
		}
		lists = next
	}
	return lists[0]
}

// merge merges two sorted lists.
func merge(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// search returns the index of the first position at or after p.
func search(occ []int32, p int) int {
	i, _ := slices.BinarySearch(occ, int32(max(p, math.MinInt32)))
	return i
}

// occursIn reports whether one of re's literals starts in [from, to). A
// pattern without literals may occur anywhere.
func (t *Text) occursIn(re *pattern, from, to int) bool {
	if re.lits == nil {
		return true
	}
	occ := t.occurrences(re)
	i := search(occ, from)
	return i < len(occ) && int(occ[i]) < to
}

// alsoOccurrences returns the sorted positions of each of re's further
// literal sets.
func (t *Text) alsoOccurrences(re *pattern) [][]int32 {
	if len(re.also) == 0 {
		return nil
	}
	if occ, ok := t.also[re]; ok {
		return occ
	}
	out := make([][]int32, len(re.also))
	for k, ids := range re.also {
		out[k] = t.positions(ids)
	}
	if t.also == nil {
		t.also = make(map[*pattern][][]int32)
	}
	t.also[re] = out
	return out
}

// nearAll reports whether every set of positions has one within
// w of p: a match around p needs a literal of each.
func nearAll(sets [][]int32, p, w int) bool {
	for _, occ := range sets {
		j := search(occ, p-w)
		if j == len(occ) || int(occ[j]) > p+w {
			return false
		}
	}
	return true
}

// scanRange finds the first bounded match of re in [pos, end).
func (t *Text) scanRange(re *pattern, pos, end int) (span, bool) {
	for pos <= end {
		loc := re.FindStringIndex(t.folded[pos:end])
		if loc == nil {
			return span{}, false
		}
		s, e := pos+loc[0], pos+loc[1]
		if e > s && t.bounded(s, e) {
			return span{s, e}, true
		}
		_, n := utf8.DecodeRuneInString(t.folded[s:])
		pos = s + max(n, 1)
	}
	return span{}, false
}

// findAll returns up to limit non-overlapping matches at word edges.
func (t *Text) findAll(re *pattern, limit int) []span {
	var out []span
	pos := 0
	for len(out) < limit {
		sp, ok := t.findFrom(re, pos)
		if !ok {
			break
		}
		out = append(out, sp)
		pos = sp.end
	}
	return out
}

// bounded reports whether [s, e) does not cut a word or a number in two: a
// match that begins with a letter must not follow a letter, one that begins
// with a digit must not follow a digit or a decimal point, and the same at
// its end.
func (t *Text) bounded(s, e int) bool {
	first, _ := utf8.DecodeRuneInString(t.folded[s:])
	last, _ := utf8.DecodeLastRuneInString(t.folded[:e])
	if s > 0 {
		prev, n := utf8.DecodeLastRuneInString(t.folded[:s])
		if unicode.IsLetter(first) && unicode.IsLetter(prev) {
			return false
		}
		if unicode.IsDigit(first) {
			if unicode.IsDigit(prev) {
				return false
			}
			if (prev == '.' || prev == ',') && s-n > 0 {
				pp, _ := utf8.DecodeLastRuneInString(t.folded[:s-n])
				if unicode.IsDigit(pp) {
					return false
				}
			}
		}
	}
	if e < len(t.folded) {
		next, _ := utf8.DecodeRuneInString(t.folded[e:])
		if unicode.IsLetter(last) && unicode.IsLetter(next) {
			return false
		}
		if unicode.IsDigit(last) && unicode.IsDigit(next) {
			return false
		}
	}
	return true
}

// origSpan maps a folded span to the original text.
func (t *Text) origSpan(sp span) (int, int) {
	return int(t.off[sp.start]), int(t.off[sp.end])
}

// original returns the original text of a folded span.
func (t *Text) original(sp span) string {
	s, e := t.origSpan(sp)
	return t.orig[s:e]
}

// snippet quotes the original text around sp: the match and as much context
// either side as fits in MaxSnippet characters, cut at spaces where it can,
// with runs of white space collapsed.
func (t *Text) snippet(sp span) string {
	s, e := t.origSpan(sp)
	return snippetAround(t.orig, s, e)
}

// snippetAround quotes text[s:e] with context, at most MaxSnippet characters.
func snippetAround(text string, s, e int) string {
	match := collapse(text[s:e])
	if utf8.RuneCountInString(match) >= MaxSnippet-2 {
		return clip(match, MaxSnippet)
	}
	budget := (MaxSnippet - utf8.RuneCountInString(match) - 2) / 2
	ls := s
	for n := 0; n < budget && ls > 0; n++ {
		_, w := utf8.DecodeLastRuneInString(text[:ls])
		ls -= w
	}
	if ls > 0 {
		if i := strings.IndexAny(text[ls:s], " \n\t"); i >= 0 {
			ls += i + 1
		}
	}
	re := e
	for n := 0; n < budget && re < len(text); n++ {
		_, w := utf8.DecodeRuneInString(text[re:])
		re += w
	}
	if re < len(text) {
		if i := strings.LastIndexAny(text[e:re], " \n\t"); i >= 0 {
			re = e + i
		}
	}
	out := collapse(text[ls:re])
	if ls > 0 {
		out = "…" + out
	}
	if re < len(text) {
		out += "…"
	}
	return clip(out, MaxSnippet)
}

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if asciiSpace[c] {
				pending = true
				continue
			}
			if pending && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pending = false
			b.WriteByte(c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			pending = true
		} else {
			if pending && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pending = false
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clip cuts s to at most n characters, ending in "…" when it cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}
