package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natsconn"
	"trawl.dev/proto/trawlpb"
)

// seed publishes seed URLs, from the command line or a file, to the
// cluster's SEEDS stream. With --wait it waits for the file to appear, so a
// deployment can start it next to whatever writes the file.
func seed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	var (
		file   = fs.String("file", "", "file of seed URLs, one a line (# starts a comment)")
		wait   = fs.Duration("wait", 0, "wait this long for --file to appear")
		source = fs.String("source", "cli", "where the seeds come from, recorded with each")
	)
	natsOpts := natsconn.Flags(fs, "nats://127.0.0.1:4222")
	if code := parseArgs(fs, args, stderr, true); code >= 0 {
		return code
	}
	urls := fs.Args()
	if *file != "" {
		deadline := time.Now().Add(*wait)
		for {
			fromFile, err := readSeeds(*file)
			if err == nil {
				urls = append(urls, fromFile...)
				break
			}
			if !errors.Is(err, iofs.ErrNotExist) || time.Now().After(deadline) {
				fmt.Fprintf(stderr, "trawl seed: %v\n", err)
				return 2
			}
			select {
			case <-time.After(250 * time.Millisecond):
			case <-ctx.Done():
				return 1
			}
		}
	}
	if len(urls) == 0 {
		fmt.Fprintln(stderr, "trawl seed: no URL: give URLs as arguments or --file")
		return 2
	}
	if err := natsOpts.Validate(); err != nil {
		fmt.Fprintf(stderr, "trawl seed: %v\n", err)
		return 2
	}
	nc, err := natsconn.Connect(natsOpts, "trawl-seed", nil, nats.RetryOnFailedConnect(true), nats.MaxReconnects(30))
	if err != nil {
		fmt.Fprintf(stderr, "trawl seed: %v\n", err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "trawl seed: %v\n", err)
		return 1
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := proto.EnsureStreams(cctx, js, proto.StreamOptions{}); err != nil {
		fmt.Fprintf(stderr, "trawl seed: %v\n", err)
		return 1
	}
	now := time.Now().UnixMilli()
	for _, u := range urls {
		m := &trawlpb.Seed{Url: u, Source: *source, AddedUnixMs: now}
		if err := bus.Publish(cctx, js, proto.SubjectSeed, m, proto.MsgID("seed", u)); err != nil {
			fmt.Fprintf(stderr, "trawl seed: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "seeded %d URLs\n", len(urls))
	return 0
}
