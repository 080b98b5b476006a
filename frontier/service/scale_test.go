package service_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"trawl.dev/frontier/service"
)

// TestDemoScale crawls a synthetic web the size of the lead's demo (1,000
// sites) over 64 partitions with fsync on. It is slow, so it runs only with
// TRAWL_SCALE=1.
func TestDemoScale(t *testing.T) {
	if os.Getenv("TRAWL_SCALE") == "" {
		t.Skip("set TRAWL_SCALE=1 to run")
	}
	drainTimeout = 5 * time.Minute
	nc, js, _ := mustConnect(t)
	g := graph(1000, 3)
	o := options(t.TempDir())
	o.NumPartitions = 64
	o.MinDelay = 100 * time.Millisecond
	o.MaxInFlight = 256
	o.NoSync = false
	s, err := service.New(nc, o)
	if err != nil {
		t.Fatal(err)
	}
	run(t, s)
	c, stop := startCrawler(t, context.Background(), js, g, o.MinDelay)
	defer stop()
	start := time.Now()
	var seeds []string
	for i := 0; i < 1000; i += 10 {
		seeds = append(seeds, "http://www.site"+strconv.Itoa(i)+".ru/p0")
	}
	if err := s.Seed(context.Background(), seeds...); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, s, func() bool { return c.fetched() == len(g) })
	t.Logf("%d pages in %v: stats %+v", len(g), time.Since(start), s.Stats())
	c.check(t)
}
