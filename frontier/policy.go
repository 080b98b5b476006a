package frontier

import (
	"errors"
	"fmt"
	"time"
)

// Policy holds the politeness rules and the limits that make traps end.
// Zero fields take the defaults listed beside them.
type Policy struct {
	MinDelay        time.Duration // between two fetches of a host; 1s
	AdaptiveFactor  float64       // delay ≥ factor × last response time; 2
	MaxCrawlDelay   time.Duration // cap on a robots.txt crawl-delay; 30s
	MaxBackoff      time.Duration // cap on exponential backoff after host errors; 10m
	MaxRetryAfter   time.Duration // cap on an honoured Retry-After; 1h
	LeaseTTL        time.Duration // a lease without outcome is reissued after this; 2m
	MaxInFlight     int           // leases per partition not yet completed; 256
	MaxAttempts     int32         // tries of one URL (errors, 5xx, expired leases); 3
	SiteBudget      int64         // URLs admitted per site; 1000
	MaxDepth        int32         // hops from a seed; 16
	MaxLinksPerPage int           // links taken from one DiscoveredLinks message; 500
}

// Defaults of Policy.
const (
	DefaultMinDelay        = time.Second
	DefaultAdaptiveFactor  = 2
	DefaultMaxCrawlDelay   = 30 * time.Second
	DefaultMaxBackoff      = 10 * time.Minute
	DefaultMaxRetryAfter   = time.Hour
	DefaultLeaseTTL        = 2 * time.Minute
	DefaultMaxInFlight     = 256
	DefaultMaxAttempts     = 3
	DefaultSiteBudget      = 1000
	DefaultMaxDepth        = 16
	DefaultMaxLinksPerPage = 500
)

// errPolicy is wrapped by Validate.
var errPolicy = errors.New("frontier: invalid policy")

// WithDefaults returns p with every zero field set to its default.
func (p Policy) WithDefaults() Policy {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.MinDelay, DefaultMinDelay)
	def(&p.MaxCrawlDelay, DefaultMaxCrawlDelay)
	def(&p.MaxBackoff, DefaultMaxBackoff)
	def(&p.MaxRetryAfter, DefaultMaxRetryAfter)
	def(&p.LeaseTTL, DefaultLeaseTTL)
	if p.AdaptiveFactor == 0 {
		p.AdaptiveFactor = DefaultAdaptiveFactor
	}
	if p.MaxInFlight == 0 {
		p.MaxInFlight = DefaultMaxInFlight
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.SiteBudget == 0 {
		p.SiteBudget = DefaultSiteBudget
	}
	if p.MaxDepth == 0 {
		p.MaxDepth = DefaultMaxDepth
	}
	if p.MaxLinksPerPage == 0 {
		p.MaxLinksPerPage = DefaultMaxLinksPerPage
	}
	return p
}

// Validate reports the first field of p (after defaults) that is out of range.
func (p Policy) Validate() error {
	switch {
	case p.MinDelay < 0, p.MaxCrawlDelay < 0, p.MaxBackoff < 0, p.MaxRetryAfter < 0:
		return fmt.Errorf("%w: negative delay", errPolicy)
	case p.AdaptiveFactor < 0:
		return fmt.Errorf("%w: negative AdaptiveFactor", errPolicy)
	case p.LeaseTTL < time.Second:
		return fmt.Errorf("%w: LeaseTTL %v under 1s", errPolicy, p.LeaseTTL)
	case p.MaxInFlight < 0, p.MaxAttempts < 0, p.SiteBudget < 0, p.MaxDepth < 0, p.MaxLinksPerPage < 0:
		return fmt.Errorf("%w: negative limit", errPolicy)
	}
	return nil
}

// Apply returns the host's state after outcome o arrived at now: the lease
// is cleared and the host waits
//
//	max(MinDelay, AdaptiveFactor × response time, min(crawl-delay, MaxCrawlDelay)),
//
// doubled for each consecutive host error up to MaxBackoff, and at least
// Retry-After (capped at MaxRetryAfter) on 429 and 503.
func (p Policy) Apply(h HostState, o Outcome, now time.Time) HostState {
	h.Lease = ""
	h.Fetched++
	if o.IP != "" {
		h.LastIP = o.IP
	}
	if o.Duration > 0 {
		h.LastResponse = o.Duration
	}
	delay := max(p.MinDelay,
		time.Duration(p.AdaptiveFactor*float64(h.LastResponse)),
		min(o.CrawlDelay, p.MaxCrawlDelay))
	if o.HostError() {
		h.Errors++
		backoff := delay
		for i := int32(0); i < h.Errors && backoff < p.MaxBackoff; i++ {
			backoff *= 2
		}
		delay = max(delay, min(backoff, p.MaxBackoff))
	} else {
		h.Errors = 0
	}
	if (o.Status == 429 || o.Status == 503) && o.RetryAfter > 0 {
		delay = max(delay, min(o.RetryAfter, p.MaxRetryAfter))
	}
	h.NextEligible = now.Add(delay)
	return h
}

// Retry reports whether the URL of a lease whose attempt number is attempt
// should be queued again after outcome o: on a host error, while attempts
// remain.
func (p Policy) Retry(o Outcome, attempt int32) bool {
	return o.HostError() && attempt < p.MaxAttempts
}
