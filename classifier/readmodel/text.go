package readmodel

import (
	"strings"
	"unicode"
)

// Token lengths, in characters, that the free-text index keeps.
const (
	minToken = 2
	maxToken = 32
	// maxSiteTokens caps the distinct words indexed per site.
	maxSiteTokens = 600
)

// Tokens splits s into lower-case words of letters and digits (any script),
// keeping at most max distinct words of minToken to maxToken characters, in
// the order they first appear. max 0 means no limit.
func Tokens(s string, max int) []string {
	var out []string
	seen := make(map[string]bool)
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(s[start:end])
		start = -1
		n := len([]rune(w))
		if n < minToken || n > maxToken || seen[w] {
			return
		}
		seen[w] = true
		out = append(out, w)
	}
	for i, r := range s {
		if max > 0 && len(out) >= max {
			return out
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}
