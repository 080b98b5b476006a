package service

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"trawl.dev/frontier"
	"trawl.dev/proto"
)

// Options configure a Service. The zero value of each field is its default.
type Options struct {
	DataDir       string // bbolt files go to <DataDir>/frontier/part-<p>.db; required by Run
	NumPartitions int    // P, as resolved by proto.EnsureCluster; default proto.DefaultPartitions
	Partitions    []int  // owned partitions; nil means all
	Logger        *slog.Logger
	Now           func() time.Time // politeness, leases and expiry; default time.Now

	// Politeness and limits (see frontier.Policy).
	MinDelay        time.Duration // between two fetches of one host; 1s
	AdaptiveFactor  float64       // wait ≥ factor × last response time; 2
	MaxCrawlDelay   time.Duration // cap on robots crawl-delay; 30s
	MaxBackoff      time.Duration // cap on error backoff; 10m
	MaxRetryAfter   time.Duration // cap on Retry-After; 1h
	LeaseTTL        time.Duration // reissue a task without outcome after; 2m (keep ≤ the streams' Duplicates window)
	MaxInFlight     int           // tasks published and not completed, per partition; 256
	MaxAttempts     int32         // tries per URL; 3
	SiteBudget      int64         // URLs admitted per site; 1000
	MaxDepth        int32         // hops from a seed; 16
	MaxLinksPerPage int           // links taken per DiscoveredLinks message; 500

	Streams    proto.StreamOptions // passed to proto.EnsureStreams
	Workers    int                 // handlers per consumer; 4
	AckWait    time.Duration       // of the frontier's consumers; 30s
	NoSync     bool                // bbolt without fsync: faster, unsafe on power loss (tests, demos)
	SeedSource string              // Seed.source of seeds published by Seed; "frontier"
}

var errOptions = errors.New("frontier/service: invalid options")

func (o Options) policy() frontier.Policy {
	return frontier.Policy{
		MinDelay: o.MinDelay, AdaptiveFactor: o.AdaptiveFactor, MaxCrawlDelay: o.MaxCrawlDelay,
		MaxBackoff: o.MaxBackoff, MaxRetryAfter: o.MaxRetryAfter, LeaseTTL: o.LeaseTTL,
		MaxInFlight: o.MaxInFlight, MaxAttempts: o.MaxAttempts, SiteBudget: o.SiteBudget,
		MaxDepth: o.MaxDepth, MaxLinksPerPage: o.MaxLinksPerPage,
	}.WithDefaults()
}

func (o Options) withDefaults() (Options, error) {
	if o.NumPartitions == 0 {
		o.NumPartitions = proto.DefaultPartitions
	}
	if o.NumPartitions < 0 {
		return o, fmt.Errorf("%w: NumPartitions %d", errOptions, o.NumPartitions)
	}
	if o.Partitions == nil {
		o.Partitions = make([]int, o.NumPartitions)
		for i := range o.Partitions {
			o.Partitions[i] = i
		}
	}
	seen := make(map[int]bool)
	for _, p := range o.Partitions {
		if p < 0 || p >= o.NumPartitions || seen[p] {
			return o, fmt.Errorf("%w: partition %d (of %d) out of range or repeated", errOptions, p, o.NumPartitions)
		}
		seen[p] = true
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.SeedSource == "" {
		o.SeedSource = "frontier"
	}
	if err := o.policy().Validate(); err != nil {
		return o, err
	}
	return o, nil
}
