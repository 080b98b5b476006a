package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"

	"trawl.dev/frontier/bench"
)

// benchCmd is `frontier bench`: the seen-set benchmark, in process.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("frontier bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o bench.Options
	sizes := fs.String("sizes", "1M,10M", "seen-set sizes to measure at (k, M suffixes)")
	fs.StringVar(&o.Dir, "dir", "", "directory for the bbolt files (default: a temporary one, removed after)")
	fs.IntVar(&o.Window, "window", 4_000_000, "checks measured at each size")
	fs.IntVar(&o.Batch, "batch", 2048, "URLs per transaction")
	fs.IntVar(&o.Hosts, "hosts", 1_000_000, "distinct hosts in the stream")
	fs.BoolVar(&o.NoSync, "no-sync", false, "skip fsync")
	fs.BoolVar(&o.Baselines, "baselines", true, "also measure a Go map and one bbolt transaction per URL")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := parseCount(s)
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "frontier bench: --sizes: bad size %q\n", s)
			return 2
		}
		o.Sizes = append(o.Sizes, n)
	}
	if !*quiet {
		o.Progress = stderr
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "frontier bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "frontier bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	r, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "frontier bench: %v\n", err)
		return 1
	}
	if err := bench.Report(stdout, r); err != nil {
		fmt.Fprintf(stderr, "frontier bench: %v\n", err)
		return 1
	}
	return 0
}

// parseCount parses "1M", "250k", "1000".
func parseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, s[:len(s)-1]
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	return int64(f * float64(mult)), err
}
