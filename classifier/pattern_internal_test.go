package classifier

import (
	"os"
	"path/filepath"
	"regexp/syntax"
	"strings"
	"testing"
)

// plainFind is scan without the prefilter: the first bounded match in the
// whole text.
func plainFind(t *Text, re *pattern, pos int) (span, bool) {
	return t.scanRange(re, pos, len(t.folded))
}

// The prefilter and its windows find exactly what a plain scan finds.
func TestPrefilterFindsWhatPlainScanFinds(t *testing.T) {
	files, err := filepath.Glob("testdata/sites/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test sites: %v", err)
	}
	var texts []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(raw))
	}
	texts = append(texts, strings.Join(texts, "\n"), "Pоссия mр3 ROMS FAIR $0.02/MB 2 цента за мегабайт")
	filtered := 0
	for _, p := range patterns {
		if p.lits != nil {
			filtered++
		}
		for _, s := range texts {
			tx := NewText(s)
			pos := 0
			for n := 0; n < 50; n++ {
				want, wantOK := plainFind(tx, p, pos)
				got, gotOK := tx.scan(p, pos)
				if got != want || gotOK != wantOK {
					t.Fatalf("pattern %q at %d: prefiltered scan got %v %v, plain scan %v %v (literals %q)",
						p.String(), pos, got, gotOK, want, wantOK, p.lits)
				}
				if !gotOK {
					break
				}
				pos = got.end
			}
		}
	}
	if filtered*10 < len(patterns)*9 {
		t.Errorf("only %d of %d patterns have a prefilter, want 90%% or more", filtered, len(patterns))
	}
}

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`balance`, []string{"balance"}},
		{`(?:your|current)\s+balance`, []string{"your balance", "current balance"}},
		{`wmz|wmr`, []string{"wmr", "wmz"}},
		{`\d+\s?(?:руб\p{L}*|р\.)`, []string{" руб", " р.", "руб", "р."}},
		{`\d+`, nil},
		{`a|\d`, nil},
	}
	for _, tc := range tests {
		var got []string
		if re, err := syntax.Parse(tc.expr, syntax.Perl); err != nil {
			t.Fatal(err)
		} else if lits, ok := required(re.Simplify()); ok && usable(lits) {
			got = lits
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("required(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
