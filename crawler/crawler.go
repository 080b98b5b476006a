package crawler

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Task is one URL the frontier wants fetched: the domain side of a FetchTask.
type Task struct {
	URL       string
	Host      string
	Site      string
	Partition int // the frontier partition that leased it; its outcome goes there
	Depth     int
	LeaseID   string
	Attempt   int
	Referrer  string
}

// Validate reports whether the task can be crawled at all; the error wraps
// ErrInvalidTask.
func (t Task) Validate() error {
	if t.LeaseID == "" {
		return fmt.Errorf("%w: no lease id", ErrInvalidTask)
	}
	if t.Partition < 0 {
		return fmt.Errorf("%w: partition %d", ErrInvalidTask, t.Partition)
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidTask, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: url %q is not http(s)", ErrInvalidTask, t.URL)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: url %q has no host", ErrInvalidTask, t.URL)
	}
	return nil
}

// Outcome is what happened to a task: it goes back to the frontier.
type Outcome struct {
	URL         string
	FinalURL    string
	StatusCode  int    // 0 when no response arrived
	ErrorCode   string // stable code (Code...), "" when an HTTP response arrived
	Error       string // human-readable detail
	IP          string
	Duration    time.Duration
	Bytes       int64
	ContentType string
	RetryAfter  time.Duration // from Retry-After on 429 and 503
	FetchedAt   time.Time
	Truncated   bool
	CrawlDelay  time.Duration // robots.txt Crawl-delay for us, 0 when none
}

// Page is what the crawler learned from one page, for the classifier.
type Page struct {
	URL         string
	FinalURL    string
	StatusCode  int
	IP          string
	ContentType string
	Headers     map[string]string // see HeaderFacts
	Bytes       int64
	Truncated   bool
	FetchedAt   time.Time
	Record      *RecordRef // where the Recorder stored the response; nil without one
	// LinksRefused counts links dropped because their host is one the
	// address policy refuses whatever DNS says (Options.AddrPolicy).
	LinksRefused int
	Facts
}

// Result is the crawl of one task. Page is nil unless the fetch returned a
// 2xx HTML or text page; its Links are the page's outgoing links.
type Result struct {
	Outcome Outcome
	Page    *Page
}

// Options configure a Crawler; nil or zero fields take the defaults.
type Options struct {
	UserAgent       string        // its product token picks our robots.txt group; default DefaultUserAgent
	RobotsTTL       time.Duration // default 1h
	RobotsCacheSize int           // default 10000 hosts
	Parse           *ParseOptions
	// AddrPolicy drops links to hosts it would refuse whatever DNS says (IP
	// literals, localhost); give it the fetcher's policy.
	AddrPolicy AddrPolicy
	Now        func() time.Time
}

// Crawler crawls tasks: robots.txt, fetch, parse. It is safe for concurrent
// use; its only state is the robots.txt cache.
type Crawler struct {
	f      Fetcher
	robots *Robots
	parse  ParseOptions
	policy AddrPolicy
	now    func() time.Time
}

// New returns a Crawler that fetches through f.
func New(f Fetcher, o *Options) *Crawler {
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Crawler{
		f: f,
		robots: NewRobots(f, &RobotsOptions{
			Agent: opt.UserAgent, TTL: opt.RobotsTTL, CacheSize: opt.RobotsCacheSize, Now: opt.Now,
		}),
		parse:  opt.Parse.withDefaults(),
		policy: opt.AddrPolicy,
		now:    opt.Now,
	}
}

// Crawl checks robots.txt, fetches the task's URL and parses the page. Every
// failure is an Outcome with an ErrorCode; Crawl itself cannot fail. The
// task should have passed Validate.
func (c *Crawler) Crawl(ctx context.Context, t Task) Result {
	out := Outcome{URL: t.URL, FetchedAt: c.now()}
	dec, err := c.robots.Check(ctx, t.URL)
	out.CrawlDelay = dec.CrawlDelay
	if err != nil {
		out.ErrorCode, out.Error = ErrorCode(err), err.Error()
		return Result{Outcome: out}
	}
	if !dec.Allowed {
		out.ErrorCode, out.Error = CodeRobots, "disallowed by robots.txt"
		return Result{Outcome: out}
	}

	resp, err := c.f.Fetch(ctx, Request{URL: t.URL, TextOnly: true})
	if resp == nil {
		resp = &Response{URL: t.URL}
	}
	defer resp.Done() // Parse copies what it keeps
	out.FinalURL = resp.FinalURL
	out.StatusCode = resp.StatusCode
	out.IP = resp.IP
	out.Duration = resp.Duration
	out.Bytes = int64(len(resp.Body))
	out.ContentType = resp.ContentType()
	out.Truncated = resp.Truncated
	if err != nil {
		out.ErrorCode, out.Error = ErrorCode(err), err.Error()
		return Result{Outcome: out}
	}
	if s := resp.StatusCode; s == 429 || s == 503 {
		out.RetryAfter = RetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.BodySkipped || !IsText(out.ContentType) {
		return Result{Outcome: out}
	}

	facts := Parse(resp.Body, out.ContentType, resp.FinalURL, &c.parse)
	refused := 0
	kept := facts.Links[:0]
	for _, l := range facts.Links {
		if u, err := url.Parse(l.URL); err == nil && !c.policy.LinkRefused(u.Hostname()) {
			kept = append(kept, l)
		} else {
			refused++
		}
	}
	facts.Links = kept
	if !facts.LangDeclared {
		if l := normLang(resp.Header.Get("Content-Language")); l != "" {
			facts.Lang, facts.LangDeclared = l, true
		}
	}
	page := &Page{
		URL:          t.URL,
		FinalURL:     resp.FinalURL,
		StatusCode:   resp.StatusCode,
		IP:           resp.IP,
		ContentType:  out.ContentType,
		Headers:      HeaderFacts(resp.Header),
		Bytes:        out.Bytes,
		Truncated:    resp.Truncated,
		FetchedAt:    out.FetchedAt,
		Record:       resp.Record,
		LinksRefused: refused,
		Facts:        *facts,
	}
	return Result{Outcome: out, Page: page}
}
