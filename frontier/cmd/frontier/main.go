// Command frontier runs Trawl's URL frontier (frontier run) or publishes
// seed URLs (frontier seed). See trawl.dev/frontier/service.Main.
package main

import (
	"context"
	"os"

	"trawl.dev/frontier/service"
)

func main() {
	os.Exit(service.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
