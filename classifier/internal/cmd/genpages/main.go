// Command genpages writes real-world-sized pages (see internal/pagegen) for
// the benchmark of "classifier score --dir":
//
//	go run ./internal/cmd/genpages -n 1000 -out /tmp/pages
//	go run ./cmd/classifier score --dir /tmp/pages > /dev/null
package main

import (
	"flag"
	"fmt"
	"os"

	"trawl.dev/classifier/internal/pagegen"
)

func main() {
	n := flag.Int("n", 1000, "pages to write")
	out := flag.String("out", "pages", "directory to write them to")
	seed := flag.Uint64("seed", 1, "seed; the same seed writes the same pages")
	flag.Parse()
	total, err := pagegen.WriteDir(*out, *n, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genpages:", err)
		os.Exit(1)
	}
	fmt.Printf("genpages: %d pages, %.1f MB in %s\n", *n, float64(total)/1e6, *out)
}
