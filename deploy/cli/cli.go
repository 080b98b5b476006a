// Package cli is the `trawl` command: the whole pipeline on one machine.
//
//	trawl demo [--sites N]   crawl a simulated web and score the flags against its truth
//	trawl run --seeds FILE   crawl the real web from a seed list
//	trawl status             show a running cluster at a glance
//
// Flags may also come from TRAWL_* environment variables (TRAWL_DATA,
// TRAWL_NATS, …); a flag on the command line wins.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

const usage = `usage: trawl <command> [flags]

commands:
  demo   crawl a simulated web on loopback and score the flagged sites against its truth
  run    crawl the web from a seed file (private addresses refused unless --allow-private)
  status show a running cluster at a glance: services, stream lag, crawl rate, flagged sites
  seed   publish seed URLs (arguments or --file) to a running cluster

Run "trawl <command> -h" for a command's flags.
`

// Main runs the trawl command with args (without the program name) and
// returns the process exit code: 0 on success, 1 on failure, 2 on bad usage.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "demo":
		return demo(ctx, args[1:], stdout, stderr)
	case "run":
		return run(ctx, args[1:], stdout, stderr)
	case "status":
		return status(ctx, args[1:], stdout, stderr)
	case "seed":
		return seed(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "trawl: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// parse parses flags, first applying TRAWL_<NAME> environment variables
// for every flag not set on the command line. It returns the exit code to
// use when parsing failed, or -1.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) int {
	return parseArgs(fs, args, stderr, false)
}

// parseArgs is parse for commands that take arguments after their flags
// when withArgs is set.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer, withArgs bool) int {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 && !withArgs {
		fmt.Fprintf(stderr, "trawl %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	code := -1
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || code != -1 {
			return
		}
		env := "TRAWL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := fs.Set(f.Name, v); err != nil {
				fmt.Fprintf(stderr, "trawl %s: %s=%q: %v\n", fs.Name(), env, v, err)
				code = 2
			}
		}
	})
	return code
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad --log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
