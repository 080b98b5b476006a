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
	RobotsPark      time.Duration // first wait of a host whose robots.txt fails (doubling); 30 × MinDelay
	MaxParks        int32         // robots.txt failures in a row before a URL is given up; 4 (negative: never)
	LeaseTTL        time.Duration // reissue a task without outcome after; 2m (keep ≤ the streams' Duplicates window)
	MaxInFlight     int           // tasks published and not completed, per partition; 256
	FetchBacklog    int           // fetch tasks to keep waiting for crawlers in FETCH; 0: automatic (half the tasks they hold, at least 16); negative: no pacing
	MaxAttempts     int32         // tries per URL; 3
	SiteBudget      int64         // URLs admitted per site before any site links to it; 1000
	MaxDepth        int32         // hops from a seed; 16
	MaxLinksPerPage int           // links taken per DiscoveredLinks message; 500

	IPMinDelay           time.Duration // between fetches from one IP, per instance; MinDelay/4 (negative: none)
	MaxPerIP             int           // fetches in flight per IP, per instance; 1 (negative: no limit)
	BudgetPerLinkingSite int64         // budget added per distinct site linking to a site; 100 (negative: none)
	MaxSiteBudget        int64         // cap on a site's budget; 100,000
	MaxURLLength         int           // bytes; 1024
	MaxPathSegments      int           // 24
	MaxRepeatedSegments  int           // times one path segment may repeat; 3
	MaxQueryParams       int           // 12
	RecrawlPriority      int32         // focused sites at or above it are recrawled; 1
	RecrawlInterval      time.Duration // 24h (negative: no recrawls)

	// Resolver, when set, looks up the address of every new host before its
	// first fetch, so that per-IP politeness holds from the start: "system"
	// for the system's resolver or "host:port" of a DNS server. Without it a
	// host's address is learnt from its first fetch outcome.
	Resolver string
	// MetricsAddr, when set, serves Prometheus metrics on /metrics and
	// health on /healthz and /readyz at this address (":9102").
	MetricsAddr string
	// TopHosts is how many hosts per partition /metrics reports one by one; 10.
	TopHosts int
	// OwnerTTL is how long a partition stays claimed (in the KV bucket
	// trawl_frontier_owners) after its owner stops renewing; 30s.
	OwnerTTL time.Duration
	// Seen-set tuning, per partition (see frontier/bolt.Options); zero for defaults.
	MergeThreshold   int
	BloomMinCapacity int

	Streams proto.StreamOptions // passed to proto.EnsureStreams
	Workers int                 // handlers per consumer (four times as many for links); 4
	// AdmitDelay is how long discovered links and seeds wait to share a
	// commit with others of their partition; 100ms (negative: none). See
	// defaultAdmitDelay in partition.go.
	AdmitDelay time.Duration
	AckWait    time.Duration // of the frontier's consumers; 30s
	NoSync     bool          // bbolt without fsync: faster, unsafe on power loss (tests, demos)
	SeedSource string        // Seed.source of seeds published by Seed; "frontier"
}

var errOptions = errors.New("frontier/service: invalid options")

func (o Options) policy() frontier.Policy {
	return frontier.Policy{
		MinDelay: o.MinDelay, AdaptiveFactor: o.AdaptiveFactor, MaxCrawlDelay: o.MaxCrawlDelay,
		MaxBackoff: o.MaxBackoff, MaxRetryAfter: o.MaxRetryAfter, RobotsPark: o.RobotsPark, MaxParks: o.MaxParks, LeaseTTL: o.LeaseTTL,
		MaxInFlight: o.MaxInFlight, MaxAttempts: o.MaxAttempts, SiteBudget: o.SiteBudget,
		MaxDepth: o.MaxDepth, MaxLinksPerPage: o.MaxLinksPerPage,
		IPMinDelay: o.IPMinDelay, MaxPerIP: o.MaxPerIP, BudgetPerLinkingSite: o.BudgetPerLinkingSite,
		MaxSiteBudget: o.MaxSiteBudget, MaxURLLength: o.MaxURLLength, MaxPathSegments: o.MaxPathSegments,
		MaxRepeatedSegments: o.MaxRepeatedSegments, MaxQueryParams: o.MaxQueryParams,
		RecrawlPriority: o.RecrawlPriority, RecrawlInterval: o.RecrawlInterval,
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
	switch {
	case o.AdmitDelay == 0:
		o.AdmitDelay = defaultAdmitDelay
	case o.AdmitDelay < 0:
		o.AdmitDelay = 0
	}
	if o.SeedSource == "" {
		o.SeedSource = "frontier"
	}
	if o.TopHosts <= 0 {
		o.TopHosts = 10
	}
	if o.OwnerTTL <= 0 {
		o.OwnerTTL = 30 * time.Second
	}
	if o.OwnerTTL < time.Second {
		return o, fmt.Errorf("%w: OwnerTTL %v under 1s", errOptions, o.OwnerTTL)
	}
	if err := o.policy().Validate(); err != nil {
		return o, err
	}
	return o, nil
}
