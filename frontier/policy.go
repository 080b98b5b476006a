package frontier

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Policy holds the politeness rules and the limits that make traps end.
// Zero fields take the defaults listed beside them.
type Policy struct {
	MinDelay       time.Duration // between two fetches of a host; 1s
	AdaptiveFactor float64       // delay ≥ factor × last response time; 2
	MaxCrawlDelay  time.Duration // cap on a robots.txt crawl-delay; 30s
	MaxBackoff     time.Duration // cap on exponential backoff after host errors; 10m
	MaxRetryAfter  time.Duration // cap on an honoured Retry-After; 1h
	RobotsPark     time.Duration // first wait of a host whose robots.txt failed, doubled per failure up to MaxBackoff; 30 × MinDelay
	MaxParks       int32         // a URL is given up after its host's robots.txt failed this many times in a row; 4 (negative: never)
	LeaseTTL       time.Duration // a lease without outcome is reissued after this; 2m
	MaxInFlight    int           // leases per partition not yet completed; 256
	MaxAttempts    int32         // tries of one URL (errors, 5xx, expired leases); 3

	// Per IP (within one frontier instance): at most MaxPerIP fetches in
	// flight to one address, starting at least IPMinDelay after the previous
	// fetch from it started and after the last one ended. IPMinDelay
	// defaults to MinDelay/4; MaxPerIP to 1; a negative value turns the
	// rule off.
	IPMinDelay time.Duration
	MaxPerIP   int

	// Page budgets (IRLbot): a site may have SiteBudget URLs admitted, plus
	// BudgetPerLinkingSite for every distinct other site that links to it,
	// up to MaxSiteBudget. Defaults 1000, 100 and 100,000; a negative
	// BudgetPerLinkingSite turns the growth off.
	SiteBudget           int64
	BudgetPerLinkingSite int64
	MaxSiteBudget        int64

	// Trap limits on URLs (CheckURL) and on what is taken from one page.
	MaxDepth            int32 // hops from a seed; 16
	MaxLinksPerPage     int   // links taken from one DiscoveredLinks message; 500
	MaxURLLength        int   // bytes of the canonical URL; 1024 (at most MaxURLLength the constant)
	MaxPathSegments     int   // segments of the path; 24
	MaxRepeatedSegments int   // times one path segment may appear; 3
	MaxQueryParams      int   // parameters of the query; 12

	// Recrawl of focused sites: a site whose focus priority is at least
	// RecrawlPriority has the root page of each of its hosts queued again
	// every RecrawlInterval, so that changes and moves to new domains are
	// seen. Defaults 1 and 24h; a negative RecrawlInterval turns it off.
	RecrawlPriority int32
	RecrawlInterval time.Duration
}

// Defaults of Policy.
const (
	DefaultMinDelay             = time.Second
	DefaultAdaptiveFactor       = 2
	DefaultMaxCrawlDelay        = 30 * time.Second
	DefaultMaxBackoff           = 10 * time.Minute
	DefaultMaxRetryAfter        = time.Hour
	DefaultMaxParks             = 4
	DefaultLeaseTTL             = 2 * time.Minute
	DefaultMaxInFlight          = 256
	DefaultMaxAttempts          = 3
	DefaultMaxPerIP             = 1
	DefaultSiteBudget           = 1000
	DefaultBudgetPerLinkingSite = 100
	DefaultMaxSiteBudget        = 100_000
	DefaultMaxDepth             = 16
	DefaultMaxLinksPerPage      = 500
	DefaultMaxURLLength         = 1024
	DefaultMaxPathSegments      = 24
	DefaultMaxRepeatedSegments  = 3
	DefaultMaxQueryParams       = 12
	DefaultRecrawlPriority      = 1
	DefaultRecrawlInterval      = 24 * time.Hour
)

// errPolicy is wrapped by Validate.
var errPolicy = errors.New("frontier: invalid policy")

// WithDefaults returns p with every zero field set to its default.
func (p Policy) WithDefaults() Policy {
	default0(&p.MinDelay, DefaultMinDelay)
	default0(&p.MaxCrawlDelay, DefaultMaxCrawlDelay)
	default0(&p.MaxBackoff, DefaultMaxBackoff)
	default0(&p.MaxRetryAfter, DefaultMaxRetryAfter)
	default0(&p.RobotsPark, 30*p.MinDelay)
	default0(&p.LeaseTTL, DefaultLeaseTTL)
	default0(&p.IPMinDelay, p.MinDelay/4)
	default0(&p.RecrawlInterval, DefaultRecrawlInterval)
	default0(&p.MaxPerIP, DefaultMaxPerIP)
	default0(&p.MaxURLLength, DefaultMaxURLLength)
	default0(&p.MaxPathSegments, DefaultMaxPathSegments)
	default0(&p.MaxRepeatedSegments, DefaultMaxRepeatedSegments)
	default0(&p.MaxQueryParams, DefaultMaxQueryParams)
	default0(&p.BudgetPerLinkingSite, DefaultBudgetPerLinkingSite)
	default0(&p.MaxSiteBudget, DefaultMaxSiteBudget)
	default0(&p.MaxParks, DefaultMaxParks)
	default0(&p.RecrawlPriority, DefaultRecrawlPriority)
	default0(&p.AdaptiveFactor, DefaultAdaptiveFactor)
	default0(&p.MaxInFlight, DefaultMaxInFlight)
	default0(&p.MaxAttempts, DefaultMaxAttempts)
	default0(&p.SiteBudget, DefaultSiteBudget)
	default0(&p.MaxDepth, DefaultMaxDepth)
	default0(&p.MaxLinksPerPage, DefaultMaxLinksPerPage)
	return p
}

// Validate reports the first field of p (after defaults) that is out of range.
func (p Policy) Validate() error {
	switch {
	case p.MinDelay < 0, p.MaxCrawlDelay < 0, p.MaxBackoff < 0, p.MaxRetryAfter < 0, p.RobotsPark < 0:
		return fmt.Errorf("%w: negative delay", errPolicy)
	case p.AdaptiveFactor < 0:
		return fmt.Errorf("%w: negative AdaptiveFactor", errPolicy)
	case p.LeaseTTL < time.Second:
		return fmt.Errorf("%w: LeaseTTL %v under 1s", errPolicy, p.LeaseTTL)
	case p.MaxInFlight < 0, p.MaxAttempts < 0, p.SiteBudget < 0, p.MaxDepth < 0, p.MaxLinksPerPage < 0,
		p.MaxURLLength < 0, p.MaxPathSegments < 0, p.MaxRepeatedSegments < 0, p.MaxQueryParams < 0, p.MaxSiteBudget < 0:
		return fmt.Errorf("%w: negative limit", errPolicy)
	case p.MaxURLLength > MaxURLLength:
		return fmt.Errorf("%w: MaxURLLength %d over %d", errPolicy, p.MaxURLLength, MaxURLLength)
	}
	return nil
}

// Apply returns the host's state after outcome o arrived at now: the lease
// is cleared and the host waits
//
//	max(MinDelay or the host's override, AdaptiveFactor × response time, min(crawl-delay, MaxCrawlDelay)),
//
// doubled for each consecutive host error up to MaxBackoff, at least
// Retry-After (capped at MaxRetryAfter) on 429 and 503, and at least
// RobotsPark, doubled for each consecutive failure up to MaxBackoff, when
// robots.txt failed. Reason records which rule set the wait.
func (p Policy) Apply(h HostState, o Outcome, now time.Time) HostState {
	h.Lease = ""
	h.Fetched++
	if o.IP != "" {
		h.LastIP = o.IP
	}
	if o.Duration > 0 {
		h.LastResponse = o.Duration
	}
	h.LastStatus, h.LastError = int32(o.Status), o.ErrorCode
	delay, reason := p.MinDelay, ReasonMinDelay
	if h.Override.Delay > 0 {
		delay, reason = h.Override.Delay, ReasonOverride
	}
	raise := func(d time.Duration, why string) {
		if d > delay {
			delay, reason = d, why
		}
	}
	raise(time.Duration(p.AdaptiveFactor*float64(h.LastResponse)), ReasonAdaptive)
	raise(min(o.CrawlDelay, p.MaxCrawlDelay), ReasonCrawlDelay)
	// A host in trouble waits at least as long as politeness asks, and says
	// it waits for its trouble.
	switch {
	case o.RobotsUnavailable():
		h.Parks++
		delay, reason = max(delay, doubled(p.RobotsPark, h.Parks-1, p.MaxBackoff)), ReasonRobotsParked
	case o.HostError():
		h.Errors++
		h.Parks = 0
		delay, reason = max(delay, doubled(delay, h.Errors, p.MaxBackoff)), ReasonBackoff
	default:
		h.Errors, h.Parks = 0, 0
	}
	if (o.Status == 429 || o.Status == 503) && o.RetryAfter > 0 {
		raise(min(o.RetryAfter, p.MaxRetryAfter), ReasonRetryAfter)
	}
	h.Delay, h.Reason = delay, reason
	h.NextEligible = now.Add(delay)
	return h
}

// doubled returns d doubled n times, capped at limit (and never below d).
func doubled(d time.Duration, n int32, limit time.Duration) time.Duration {
	for i := int32(0); i < n && d < limit; i++ {
		d *= 2
	}
	return max(min(d, limit), 0)
}

// Budget returns the page budget of a site that linkingSites distinct other
// sites link to.
func (p Policy) Budget(linkingSites int64) int64 {
	b := p.SiteBudget
	if p.BudgetPerLinkingSite > 0 {
		b += p.BudgetPerLinkingSite * linkingSites
	}
	if p.MaxSiteBudget > 0 {
		b = min(b, max(p.MaxSiteBudget, p.SiteBudget))
	}
	return b
}

// CheckURL returns an error when a canonical URL looks like a trap: too
// long, a path too deep or repeating a segment, too many query parameters.
func (p Policy) CheckURL(canonical string) error {
	if p.MaxURLLength > 0 && len(canonical) > p.MaxURLLength {
		return fmt.Errorf("%w: %d bytes", ErrTooLong, len(canonical))
	}
	_, rest, _ := strings.Cut(canonical, "://")
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return nil
	}
	path, query, _ := strings.Cut(rest[i:], "?")
	if p.MaxQueryParams > 0 && query != "" && strings.Count(query, "&")+1 > p.MaxQueryParams {
		return fmt.Errorf("%w: %d", ErrTooManyParams, strings.Count(query, "&")+1)
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if p.MaxPathSegments > 0 && len(segs) > p.MaxPathSegments {
		return fmt.Errorf("%w: %d segments", ErrPathTooDeep, len(segs))
	}
	if p.MaxRepeatedSegments > 0 && len(segs) > p.MaxRepeatedSegments {
		count := make(map[string]int, len(segs))
		for _, s := range segs {
			if count[s]++; count[s] > p.MaxRepeatedSegments && s != "" {
				return fmt.Errorf("%w: %q", ErrRepeatedSegment, s)
			}
		}
	}
	return nil
}

// Park reports whether a URL whose host's robots.txt just failed waits for
// it again (true), or is given up: parked is how many times it has waited.
func (p Policy) Park(parked int32) bool { return p.MaxParks < 0 || parked < p.MaxParks }

// Retry reports whether the URL of a lease whose attempt number is attempt
// should be queued again after outcome o: on a host error, while attempts
// remain.
func (p Policy) Retry(o Outcome, attempt int32) bool {
	return o.HostError() && attempt < p.MaxAttempts
}

// default0 sets *v to d when *v is the zero value.
func default0[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}
