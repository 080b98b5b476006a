package crawler

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jimsmart/grobotstxt"
)

// RobotsOptions configure a Robots cache. The zero value is the defaults.
type RobotsOptions struct {
	Agent     string        // product token matched against User-agent lines; default from DefaultUserAgent
	TTL       time.Duration // how long a robots.txt is trusted; default 1h
	CacheSize int           // hosts cached; default 10000
	MaxBody   int64         // bytes of robots.txt read; default 500 KiB (RFC 9309's minimum)
	Now       func() time.Time
}

// RobotsDecision is the robots.txt verdict on one URL.
type RobotsDecision struct {
	Allowed    bool
	CrawlDelay time.Duration // the Crawl-delay of the group that applies to us; 0 when none
}

// Robots decides robots.txt questions for the crawler, fetching each host's
// robots.txt through a Fetcher and caching it (bounded, with a TTL).
//
// RFC 9309 semantics: a 4xx robots.txt allows everything; a 5xx or a
// network failure is CodeRobotsUnavailable (the frontier defers the host) and
// is not cached; a DNS failure, a refused address or a TLS failure keeps its
// own code, since it says something about the host rather than its
// robots.txt. More
// redirects than the fetcher follows count as "unavailable" (allow all).
// Matching is RFC 9309's reference parser (github.com/jimsmart/grobotstxt).
type Robots struct {
	f     Fetcher
	o     RobotsOptions
	cache *lru.Cache[string, *robotsEntry]
}

type robotsEntry struct {
	body       string // "" with allowAll means no robots.txt
	allowAll   bool
	crawlDelay time.Duration
	expires    time.Time
}

// NewRobots returns a Robots that fetches through f.
func NewRobots(f Fetcher, o *RobotsOptions) *Robots {
	var opt RobotsOptions
	if o != nil {
		opt = *o
	}
	if opt.Agent == "" {
		opt.Agent = DefaultUserAgent
	}
	opt.Agent = ProductToken(opt.Agent)
	if opt.TTL <= 0 {
		opt.TTL = time.Hour
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = 10000
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 500 << 10
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	cache, _ := lru.New[string, *robotsEntry](opt.CacheSize) // only fails for size <= 0
	return &Robots{f: f, o: opt, cache: cache}
}

// Check fetches (or takes from the cache) the robots.txt of rawURL's origin
// and says whether rawURL may be fetched. The error is a *FetchError.
func (r *Robots) Check(ctx context.Context, rawURL string) (RobotsDecision, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return RobotsDecision{}, &FetchError{Code: CodeBadURL, Err: fmt.Errorf("robots: url %q", rawURL)}
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	e, ok := r.cache.Get(origin)
	if !ok || !r.o.Now().Before(e.expires) {
		if e, err = r.load(ctx, origin); err != nil {
			return RobotsDecision{}, err
		}
		r.cache.Add(origin, e)
	}
	d := RobotsDecision{Allowed: true, CrawlDelay: e.crawlDelay}
	if !e.allowAll {
		d.Allowed = RobotsAllowed(e.body, r.o.Agent, u.String())
	}
	return d, nil
}

func (r *Robots) load(ctx context.Context, origin string) (*robotsEntry, error) {
	e := &robotsEntry{expires: r.o.Now().Add(r.o.TTL)}
	resp, err := r.f.Fetch(ctx, Request{URL: origin + "/robots.txt", MaxBody: r.o.MaxBody})
	defer resp.Done()
	switch code := ErrorCode(err); code {
	case "":
	case CodeDNS, CodeBlockedIP, CodeBadURL, CodeTLS:
		return nil, fmt.Errorf("robots.txt of %s: %w", origin, err)
	case CodeTooManyRedirects, CodeRedirectLoop, CodeBadRedirect:
		e.allowAll = true
		return e, nil
	default:
		return nil, &FetchError{Code: CodeRobotsUnavailable, Err: fmt.Errorf("robots.txt of %s: %w", origin, err)}
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		e.body = string(resp.Body)
		e.crawlDelay = RobotsCrawlDelay(e.body, r.o.Agent)
	case s == 429 || s >= 500:
		return nil, &FetchError{Code: CodeRobotsUnavailable,
			Err: fmt.Errorf("robots.txt of %s: status %d", origin, s)}
	default: // 3xx without a location, 4xx: no robots.txt
		e.allowAll = true
	}
	return e, nil
}

// ProductToken returns the product token of a User-Agent ("TrawlBot" of
// "TrawlBot/0.1 (+contact)"): the part robots.txt groups are matched on.
func ProductToken(userAgent string) string {
	i := strings.IndexFunc(userAgent, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_')
	})
	if i < 0 {
		return userAgent
	}
	return userAgent[:i]
}

// matchers are reused: a RobotsMatcher allocates on every construction.
var matchers = sync.Pool{New: func() any { return grobotstxt.NewRobotsMatcher() }}

// RobotsAllowed reports whether robots.txt body lets agent (a product token)
// fetch rawURL, by RFC 9309 and its reference parser.
func RobotsAllowed(body, agent, rawURL string) bool {
	m := matchers.Get().(*grobotstxt.RobotsMatcher)
	defer matchers.Put(m)
	return m.AgentAllowed(body, agent, rawURL)
}

// RobotsCrawlDelay returns the Crawl-delay of the group that applies to agent
// (a group naming it, else the "*" group), or 0.
func RobotsCrawlDelay(body, agent string) time.Duration {
	h := &delayHandler{agent: agent}
	grobotstxt.Parse(body, h)
	sec := h.global
	if h.seenSpecific {
		sec = h.specific
	}
	if sec <= 0 || math.IsNaN(sec) || math.IsInf(sec, 0) {
		return 0
	}
	return time.Duration(min(sec, 365*24*3600) * float64(time.Second))
}

// delayHandler follows groups the way grobotstxt's matcher does: a group is
// a run of user-agent lines and the rules after them, ended by the next
// user-agent line that follows a rule.
type delayHandler struct {
	agent                     string
	inSpecific, inGlobal, sep bool
	seenSpecific              bool
	specific, global          float64
	haveSpecific, haveGlobal  bool
}

func (h *delayHandler) HandleRobotsStart()         {}
func (h *delayHandler) HandleRobotsEnd()           {}
func (h *delayHandler) HandleSitemap(int, string)  {}
func (h *delayHandler) HandleAllow(int, string)    { h.sep = true }
func (h *delayHandler) HandleDisallow(int, string) { h.sep = true }
func (h *delayHandler) HandleUserAgent(_ int, v string) {
	if h.sep {
		h.inSpecific, h.inGlobal, h.sep = false, false, false
	}
	if v == "*" || strings.HasPrefix(v, "* ") || strings.HasPrefix(v, "*\t") {
		h.inGlobal = true
	} else if strings.EqualFold(ProductToken(v), h.agent) {
		h.inSpecific, h.seenSpecific = true, true
	}
}

func (h *delayHandler) HandleUnknownAction(_ int, action, value string) {
	if !strings.EqualFold(strings.ReplaceAll(action, "_", "-"), "crawl-delay") {
		return
	}
	sec, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		return
	}
	if h.inSpecific && !h.haveSpecific {
		h.specific, h.haveSpecific = sec, true
	}
	if h.inGlobal && !h.haveGlobal {
		h.global, h.haveGlobal = sec, true
	}
}
