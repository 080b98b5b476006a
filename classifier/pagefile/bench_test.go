package pagefile_test

import (
	"context"
	"io"
	"testing"

	"trawl.dev/classifier"
	"trawl.dev/classifier/internal/pagegen"
	"trawl.dev/classifier/pagefile"
)

// BenchmarkScoreDir scores real-world-sized pages (50–300 KB, mixed
// charsets) and reports pages/s.
func BenchmarkScoreDir(b *testing.B) {
	dir := b.TempDir()
	const n = 200
	size, err := pagegen.WriteDir(dir, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	sc := &pagefile.Scorer{Analyzer: &classifier.Analyzer{}}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := sc.ScoreDir(context.Background(), dir, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pages/s")
}
