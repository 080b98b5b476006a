package classifier

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pattern is a regular expression over folded text with a prefilter: a set
// of literals one of which every match contains. Text.scan runs the
// expression only in windows around those literals' occurrences (found for
// every pattern in one pass by the literal index), so most expressions cost
// nothing on most pages.
type pattern struct {
	*regexp.Regexp
	lits []string // nil: no usable prefilter, always run
	ids  []int32  // the literals' ids in the literal index
	// also are the ids of further literal sets: every match contains one
	// literal of each, so a window is only scanned where all are near.
	also [][]int32
	// win is how far from a literal a match may start or end; 0 means
	// scanWindow.
	win int
}

// window returns how far from a literal a match may start or end.
func (p *pattern) window() int {
	if p.win > 0 {
		return p.win
	}
	return scanWindow
}

// shortWindow is the window of patterns that match a word or two.
const shortWindow = 40

// rxWindow is rx for a pattern whose matches are short: they start and end
// within win bytes of its literals. Amounts of money are such patterns.
func rxWindow(expr string, win int) *pattern {
	p := rx(expr)
	p.win = win
	return p
}

// patterns holds every pattern, for tests.
var patterns []*pattern

// rx compiles a pattern and derives its prefilter.
func rx(expr string) *pattern {
	p := &pattern{Regexp: regexp.MustCompile(expr)}
	patterns = append(patterns, p)
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return p
	}
	re = re.Simplify()
	lits, ok := required(re)
	if !ok || !usable(lits) {
		return p
	}
	lits = minimal(lits)
	ids, ok := literalIDs(lits)
	if !ok {
		return p
	}
	p.lits, p.ids = lits, ids
	seen := map[string]bool{strings.Join(sorted(lits), "\x00"): true}
	for _, set := range requiredAll(re) {
		key := strings.Join(sorted(set), "\x00")
		if seen[key] || !usable(set) || shortest(set) == 0 {
			continue
		}
		seen[key] = true
		if ids, ok := literalIDs(minimal(set)); ok {
			p.also = append(p.also, ids)
		}
	}
	return p
}

// minimal drops the literals of a set that contain another one of it: a
// text that holds "us$" holds "$", so finding "$" is enough.
func minimal(lits []string) []string {
	var out []string
	for i, l := range lits {
		redundant := false
		for j, m := range lits {
			if i != j && len(m) < len(l) && strings.Contains(l, m) || i > j && m == l {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, l)
		}
	}
	return out
}

// requiredAll returns literal sets such that every match of re contains a
// literal of each set: a conjunction, from the parts of a concatenation.
func requiredAll(re *syntax.Regexp) [][]string {
	if lits, ok := exact(re); ok {
		return [][]string{lits}
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return requiredAll(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredAll(re.Sub[0])
		}
	case syntax.OpAlternate:
		if lits, ok := required(re); ok {
			return [][]string{lits}
		}
	case syntax.OpConcat:
		var out [][]string
		run := []string{""}
		flush := func() {
			if shortest(run) > 0 {
				out = append(out, run)
			}
			run = []string{""}
		}
		for _, sub := range re.Sub {
			if lits, ok := exact(sub); ok {
				if p := product(run, lits); p != nil {
					run = p
					continue
				}
				flush()
				run = lits
				continue
			}
			flush()
			out = append(out, requiredAll(sub)...)
		}
		flush()
		return out
	}
	return nil
}

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

// usable reports whether a literal set is worth checking: not too many
// literals, none empty, and none a single letter, digit or space (a lone
// "$" or "%" is rare enough to look for).
func usable(lits []string) bool {
	if len(lits) == 0 || len(lits) > maxLits {
		return false
	}
	for _, l := range lits {
		if l == "" {
			return false
		}
		if r, n := utf8.DecodeRuneInString(l); n == len(l) && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r)) {
			return false
		}
	}
	return true
}

const maxLits = 64

// exact returns every string re matches, when there are few of them.
func exact(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := exact(re.Sub[0])
		if !ok || len(sub)+1 > maxLits {
			return nil, false
		}
		return append(sub, ""), true
	case syntax.OpPlus:
		if re.Sub[0].Op == syntax.OpCharClass && isSpaceClass(re.Sub[0].Rune) {
			// A run of white space is one space in folded text.
			return []string{" "}, true
		}
		return nil, false
	case syntax.OpStar:
		if re.Sub[0].Op == syntax.OpCharClass && isSpaceClass(re.Sub[0].Rune) {
			return []string{" ", ""}, true
		}
		return nil, false
	case syntax.OpCharClass:
		if isSpaceClass(re.Rune) {
			// Folded text has one white space character: the space.
			return []string{" "}, true
		}
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) >= 8 {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, len(out) > 0
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			lits, ok := exact(sub)
			if !ok || len(out)+len(lits) > maxLits {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			lits, ok := exact(sub)
			if !ok {
				return nil, false
			}
			if out = product(out, lits); out == nil {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// isSpaceClass reports whether a class holds only white space, with the
// space among it (\s, [ \t]).
func isSpaceClass(ranges []rune) bool {
	space := false
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if !unicode.IsSpace(r) {
				return false
			}
			space = space || r == ' '
		}
	}
	return space
}

// product returns every a+b, or nil when there would be too many.
func product(as, bs []string) []string {
	if len(as)*len(bs) > maxLits {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return out
}

// required returns literals one of which occurs in every match of re.
func required(re *syntax.Regexp) ([]string, bool) {
	if lits, ok := exact(re); ok {
		return lits, true
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			lits, ok := required(sub)
			if !ok {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, true
	case syntax.OpConcat:
		// Candidates: each run of children with exact sets, multiplied out,
		// and what each other child requires.
		var best []string
		found := false
		consider := func(lits []string) {
			if len(lits) > 0 && (!found || betterLits(lits, best)) {
				best, found = lits, true
			}
		}
		run := []string{""}
		for _, sub := range re.Sub {
			if lits, ok := exact(sub); ok {
				if p := product(run, lits); p != nil {
					run = p
					continue
				}
				consider(run)
				run = lits
				continue
			}
			if pre, ok := prefixes(sub); ok {
				if p := product(run, pre); p != nil {
					consider(p)
				}
			}
			consider(run)
			run = []string{""}
			if lits, ok := required(sub); ok {
				consider(lits)
			}
		}
		consider(run)
		return best, found && shortest(best) > 0
	}
	return nil, false
}

// prefixes returns strings one of which every match of re starts with.
func prefixes(re *syntax.Regexp) ([]string, bool) {
	if lits, ok := exact(re); ok {
		return lits, true
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return prefixes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return prefixes(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			lits, ok := prefixes(sub)
			if !ok || len(out)+len(lits) > maxLits {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, true
	case syntax.OpConcat:
		if len(re.Sub) == 0 {
			return nil, false
		}
		first, ok := exact(re.Sub[0])
		if !ok {
			return prefixes(re.Sub[0])
		}
		rest := &syntax.Regexp{Op: syntax.OpConcat, Sub: re.Sub[1:]}
		if more, ok := prefixes(rest); ok {
			if p := product(first, more); p != nil {
				return p, true
			}
		}
		return first, true
	}
	return nil, false
}

// betterLits prefers the set whose weakest literal is more selective, then
// the smaller set.
func betterLits(a, b []string) bool {
	ma, mb := weakest(a), weakest(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

// commonWords occur on most pages; a literal that is one of them selects
// little, so it counts as half its length.
var commonWords = map[string]bool{"about": true, "account": true, "album": true, "albums": true, "and": true,
	"cost": true, "costs": true, "download": true, "for": true, "free": true, "more": true, "music": true,
	"over": true, "paid": true, "pay": true, "price": true, "song": true, "songs": true, "the": true,
	"track": true, "tracks": true, "your": true, "more than": true, "это": true, "для": true, "все": true}

// weakest returns the selectivity of a set's least selective literal: its
// length in characters, halved for a common word.
func weakest(lits []string) int {
	m := -1
	for _, l := range lits {
		n := utf8.RuneCountInString(l)
		if commonWords[strings.TrimSpace(l)] {
			n /= 2
		}
		if m < 0 || n < m {
			m = n
		}
	}
	return m
}

// shortest returns the length of the shortest literal, in characters.
func shortest(lits []string) int {
	m := -1
	for _, l := range lits {
		if n := utf8.RuneCountInString(l); m < 0 || n < m {
			m = n
		}
	}
	return m
}
