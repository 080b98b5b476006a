// Command trawl runs Trawl's whole pipeline on one machine; see package
// trawl.dev/deploy/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"trawl.dev/deploy/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
