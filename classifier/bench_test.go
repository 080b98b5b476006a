package classifier_test

import (
	"fmt"
	"strings"
	"testing"

	"trawl.dev/classifier"
	"trawl.dev/classifier/internal/testsites"
)

// benchPage returns a page of about 10 KB made of the test sites' texts,
// padded with neutral prose, so that about density of it is keyword-rich.
func benchPage(b *testing.B, files []string, density float64) *classifier.Page {
	var rich []string
	for _, f := range files {
		_, pages, err := testsites.Load(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pages {
			rich = append(rich, p.Text)
		}
	}
	var sb strings.Builder
	for i := 0; sb.Len() < 10<<10; i++ {
		if float64(i%10) < density*10 {
			sb.WriteString(rich[i%len(rich)])
		} else {
			fmt.Fprintf(&sb, "Chapter %d. The river ran past the old mill, where the miller kept his accounts "+
				"in a ledger bound in green cloth; nobody in the village remembered who had built it. ", i)
		}
		sb.WriteString("\n")
	}
	return &classifier.Page{URL: "http://bench.example/", Host: "bench.example", Site: "bench.example",
		IP: "127.0.1.1", Text: sb.String()}
}

// BenchmarkAnalyze measures pages of about 10 KB through every signal:
// ordinary prose, a store page, and a page dense with store phrases.
func BenchmarkAnalyze(b *testing.B) {
	stores := []string{"store-ru.txt", "store-en-ru-hosted.txt"}
	for _, bc := range []struct {
		name    string
		files   []string
		density float64
	}{
		{"prose", []string{"label-en.txt"}, 0.1},
		{"store", stores, 0.3},
		{"dense-store", stores, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := benchPage(b, bc.files, bc.density)
			a := &classifier.Analyzer{IPDB: testsites.Countries()}
			b.SetBytes(int64(len(p.Text)))
			for b.Loop() {
				a.Analyze(p)
			}
		})
	}
}
