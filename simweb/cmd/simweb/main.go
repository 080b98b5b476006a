// Command simweb serves a deterministic synthetic web on loopback addresses; see package trawl.dev/simweb/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"trawl.dev/simweb/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
