package classifier

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// newTextReference is the plain definition of NewText: fold every rune,
// then fix the look-alike letters of each mixed-script word.
func newTextReference(s string) *Text {
	s = capText(s)
	type rr struct {
		r  rune
		at int32
	}
	var rs []rr
	for i, r := range s {
		if r = foldRune(r); r >= 0 && !(r == ' ' && len(rs) > 0 && rs[len(rs)-1].r == ' ') {
			rs = append(rs, rr{r, int32(i)})
		}
	}
	for i := 0; i < len(rs); {
		if !unicode.IsLetter(rs[i].r) {
			i++
			continue
		}
		j := i
		var word []rune
		for j < len(rs) && unicode.IsLetter(rs[j].r) {
			word = append(word, rs[j].r)
			j++
		}
		if fixScript(word) {
			for k := range word {
				rs[i+k].r = word[k]
			}
		}
		i = j
	}
	var b strings.Builder
	var off []int32
	for _, x := range rs {
		n, _ := b.WriteRune(x.r)
		for range n {
			off = append(off, x.at)
		}
	}
	off = append(off, int32(len(s)))
	return &Text{orig: s, folded: b.String(), off: off}
}

// NewText folds exactly as its plain definition does.
func TestNewTextMatchesReference(t *testing.T) {
	inputs := []string{"", "Pоссия mр3 ROMS\u200bFAIR ЁЛКА", "\xff\xfeab\xc3", "a\u00a0—\u2009b\tc\r\nd", "ǅemo Ωmega аaоoрp"}
	files, _ := filepath.Glob("testdata/sites/*.txt")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(raw))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aAbBpPoOмМрРсСeEё Ё\u200b\u00ad1.,-—\t\nßİıǅΩ\xff")
	for range 2000 {
		rs := make([]rune, r.IntN(40))
		for i := range rs {
			rs[i] = alphabet[r.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(rs))
	}
	for _, in := range inputs {
		got, want := NewText(in), newTextReference(in)
		if got.folded != want.folded || !slices.Equal(got.off, want.off) {
			t.Fatalf("NewText(%q):\ngot  %q %v\nwant %q %v", in, got.folded, got.off, want.folded, want.off)
		}
		if !utf8.ValidString(got.folded) && utf8.ValidString(in) {
			t.Fatalf("NewText(%q): invalid UTF-8", in)
		}
	}
}
