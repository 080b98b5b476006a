package classifier_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"trawl.dev/classifier"
)

// Hostile and odd pages never panic, and snippets stay short and valid.
func TestHostilePages(t *testing.T) {
	long := strings.Repeat("$0.02 per MB РОМС пополнить баланс ", 20000) // ~700 KB, over MaxTextBytes
	tests := map[string]string{
		"empty":              "",
		"invalid utf-8":      "\xff\xfe\xfd $0.\xff02 per \xc3 MB ROMS \xe2\x82",
		"cut multibyte":      strings.Repeat("ё", classifier.MaxTextBytes/2) + "ж",
		"long":               long,
		"one long word":      strings.Repeat("a", 300000),
		"digits":             strings.Repeat("1,000,000.00 ", 5000),
		"zero width":         strings.Repeat("R\u200bO\u200bM\u200bS ", 1000),
		"mixed script noise": strings.Repeat("аaоoрp ", 5000),
	}
	a := &classifier.Analyzer{}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			p := &classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", Text: text, Title: text[:min(len(text), 500)]}
			an := a.Analyze(p)
			for _, h := range an.Hits {
				if n := utf8.RuneCountInString(h.Snippet); n > classifier.MaxSnippet {
					t.Errorf("%s: snippet of %d characters", h.Signal, n)
				}
				if !utf8.ValidString(h.Snippet) && utf8.ValidString(text) {
					t.Errorf("%s: invalid UTF-8 snippet from valid text", h.Signal)
				}
			}
		})
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add("$0.02 per MB, ROMS licence № 006-2005, пополните баланс и получите бонус 10%", "en")
	f.Add("Скачать торрент бесплатно, сиды: 5", "ru")
	f.Add("\xff\x00Pоссия mр3 1,000 руб.", "")
	a := &classifier.Analyzer{}
	f.Fuzz(func(t *testing.T, text, lang string) {
		p := &classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", Text: text, Lang: lang}
		for _, h := range a.Analyze(p).Hits {
			if utf8.RuneCountInString(h.Snippet) > classifier.MaxSnippet {
				t.Fatalf("%s: snippet too long", h.Signal)
			}
		}
	})
}
