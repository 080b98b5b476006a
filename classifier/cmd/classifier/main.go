// Command classifier runs Trawl's classifier service; see
// trawl.dev/classifier/service.Main for its commands and flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"trawl.dev/classifier/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := service.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
