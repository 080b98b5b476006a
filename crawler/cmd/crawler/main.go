// Command crawler runs Trawl's crawler service: it fetches the pages the
// frontier asks for and reports links, page facts and outcomes over NATS.
// See trawl.dev/crawler/service.Main for its flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"trawl.dev/crawler/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := service.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
