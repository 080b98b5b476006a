package service

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"trawl.dev/classifier"
	"trawl.dev/classifier/pagefile"
)

func init() {
	commands["score"] = command{"score saved home pages: one JSON line per site", scoreCommand}
}

// scoreCommand is "classifier score --dir DIR [--ip-file F]" or
// "classifier score FILE...": every file is the HTML of the home page of
// the domain in its name; one JSON line per file goes to stdout, and a
// summary with the rate to stderr. A bad file is a line with an "error",
// never a failure of the command.
func scoreCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: classifier score --dir DIR [--ip-file F] [flags]\n       classifier score [flags] FILE...")
		fs.PrintDefaults()
	}
	var (
		dir      = fs.String("dir", "", "score every file in this directory (file name = domain of the home page)")
		ipFile   = fs.String("ip-file", "", "lines of domain<TAB>ip: where each site is hosted")
		geoip    = fs.String("geoip-db", os.Getenv("TRAWL_GEOIP_DB"), "MaxMind-format country database; default: the embedded table (TRAWL_GEOIP_DB)")
		asn      = fs.String("asn-db", os.Getenv("TRAWL_ASN_DB"), "MaxMind-format ASN database (TRAWL_ASN_DB)")
		workers  = fs.Int("workers", 0, "files scored at a time; 0: one per CPU")
		maxBytes = fs.Int64("max-bytes", pagefile.DefaultMaxBytes, "bytes read of each file; a longer page is cut")
		trackers = fs.String("known-trackers", os.Getenv("TRAWL_KNOWN_TRACKERS"), "comma-separated analytics IDs of known stores (TRAWL_KNOWN_TRACKERS)")
		quiet    = fs.Bool("quiet", false, "no summary on stderr")
		regFile  = fs.String("registrar-file", os.Getenv("TRAWL_REGISTRAR_FILE"), "lines of domain<TAB>registrar from WHOIS (TRAWL_REGISTRAR_FILE)")
		exact    = fs.Bool("exact", false, "parse with the crawler's tokenizer, as the pipeline does (slower)")
		cpuProf  = fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	files := fs.Args()
	if (*dir == "") == (len(files) == 0) {
		fmt.Fprintln(stderr, "classifier score: give either --dir DIR or files to score")
		return 2
	}
	if *workers < 0 || *maxBytes <= 0 {
		fmt.Fprintln(stderr, "classifier score: --workers must be 0 or more and --max-bytes positive")
		return 2
	}
	var ips map[string]string
	if *ipFile != "" {
		f, err := os.Open(*ipFile)
		if err != nil {
			fmt.Fprintf(stderr, "classifier score: --ip-file: %v\n", err)
			return 2
		}
		var bad []error
		ips, bad = pagefile.ReadIPs(f)
		f.Close()
		for _, err := range bad {
			fmt.Fprintf(stderr, "classifier score: %s: %v (line skipped)\n", *ipFile, err)
		}
	}
	registrars, err := readRegistrars(*regFile, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "classifier score: --registrar-file: %v\n", err)
		return 2
	}
	countries, networks, closeDBs, err := openIPDBs(nil, nil, *geoip, *asn)
	if err != nil {
		fmt.Fprintf(stderr, "classifier score: %v\n", err)
		return 2
	}
	defer closeDBs()
	sc := &pagefile.Scorer{
		Analyzer: &classifier.Analyzer{IPDB: countries, ASNDB: networks, KnownTrackers: splitList(*trackers), Registrars: registrars,
			NoTemplates: true}, // one page per site: no families to link
		IPs:      ips,
		Workers:  *workers,
		MaxBytes: *maxBytes,
		Exact:    *exact,
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			fmt.Fprintf(stderr, "classifier score: --cpuprofile: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "classifier score: --cpuprofile: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	// A batch of pages allocates much and keeps little: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	out := bufio.NewWriterSize(stdout, 64<<10)
	var st pagefile.Stats
	if *dir != "" {
		st, err = sc.ScoreDir(ctx, *dir, out)
	} else {
		st, err = sc.ScoreFiles(ctx, files, out)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write results: %w", ferr)
	}
	if !*quiet {
		fmt.Fprintf(stderr, "classifier score: %d files, %d scored, %d errors, %d flagged; %.1f MB in %.2fs: %.0f pages/s (%.2f ms CPU a page)\n",
			st.Files, st.Scored, st.Errors, st.Flagged, float64(st.Bytes)/1e6, st.Elapsed.Seconds(), st.Rate(),
			st.CPU.Seconds()*1000/float64(max(st.Files, 1)))
	}
	if err != nil {
		fmt.Fprintf(stderr, "classifier score: %v\n", err)
		return 1
	}
	return 0
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
