package frontier

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Task is a URL waiting in a host queue, or leased for a fetch.
type Task struct {
	URL      string // canonical
	Host     string // HostOf(URL): the unit of politeness
	Site     string // registrable domain: the unit of budgets and priority
	Referrer string
	FromSite string // site of the page that linked here; "" for seeds
	Depth    int32  // hops from a seed
	Priority int32  // higher is sooner
	Attempt  int32  // fetch attempts made so far; a lease's task holds its own try, from 1
	// Round is 0 for a URL's first crawl and the site's recrawl round
	// for a recrawl, so that every lease of a URL has its own ID.
	Round int32
	// Parked counts the attempts that found robots.txt failing: they do
	// not count against MaxAttempts.
	Parked int32
}

// Tries is the number of attempts that count against MaxAttempts.
func (t Task) Tries() int32 { return t.Attempt - t.Parked }

// Lease ties a task handed to a crawler to the outcome that completes it.
type Lease struct {
	ID      string
	Task    Task
	Expires time.Time
}

// LeaseID derives the ID of attempt number attempt at url. A URL enters a
// partition once and its attempts only grow, so the ID is unique; being
// derived, it lets a task republished after a crash carry the same message ID.
func LeaseID(url string, attempt int32) string { return leaseID(url, attempt, 0) }

// LeaseID returns the ID of the task's lease for its current attempt and
// recrawl round.
func (t Task) LeaseID() string { return leaseID(t.URL, t.Attempt, t.Round) }

func leaseID(url string, attempt, round int32) string {
	h := sha256.New()
	h.Write([]byte(url))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(int(attempt))))
	if round != 0 {
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(int(round))))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Outcome is what a crawler reports for a lease.
type Outcome struct {
	LeaseID    string
	URL        string
	FinalURL   string // canonical URL after redirects; marked seen when it differs
	Status     int    // HTTP status, 0 when there was no response
	ErrorCode  string // stable code, "" on success
	IP         string
	Duration   time.Duration // response time
	RetryAfter time.Duration // from Retry-After on 429/503
	CrawlDelay time.Duration // robots.txt crawl-delay of the host
}

// Failed reports whether the outcome counts as a failed fetch: an error or
// an HTTP status of 400 or more.
func (o Outcome) Failed() bool {
	return o.ErrorCode != "" || o.Status >= 400 || o.Status == 0
}

// CodeRobotsUnavailable is the crawler's error code for a robots.txt that
// answered 5xx or could not be fetched: the host is parked, and the URL
// waits in its queue without using up an attempt.
const CodeRobotsUnavailable = "robots_unavailable"

// RobotsUnavailable reports whether the host's robots.txt failed.
func (o Outcome) RobotsUnavailable() bool { return o.ErrorCode == CodeRobotsUnavailable }

// urlErrors are crawler error codes (crawler.Code...) that concern the URL
// or are permanent, not a host in trouble: they neither back off nor retry.
// Every other code but robots_unavailable (dns, refused, timeout, tls,
// network, or one this list does not know) is a host error.
var urlErrors = map[string]bool{
	"robots":             true, // disallowed by robots.txt; never fetched
	"blocked_ip":         true, // resolved only to refused addresses
	"too_many_redirects": true,
	"redirect_loop":      true,
	"bad_redirect":       true,
	"too_large":          true,
	"bad_url":            true,
}

// HostError reports whether the outcome says the host is in trouble (5xx,
// 429, a network error): the host backs off exponentially.
func (o Outcome) HostError() bool {
	if o.RobotsUnavailable() {
		return false
	}
	return o.Status >= 500 || o.Status == 429 || o.ErrorCode != "" && !urlErrors[o.ErrorCode]
}

// Reasons a host waits, as HostState.Reason records them and operators see
// them: the rule that set its next-eligible time.
const (
	ReasonMinDelay     = "min_delay"          // Policy.MinDelay
	ReasonOverride     = "override_delay"     // the operator's per-host delay
	ReasonAdaptive     = "adaptive"           // AdaptiveFactor × the last response time
	ReasonCrawlDelay   = "crawl_delay"        // robots.txt Crawl-delay (capped)
	ReasonBackoff      = "backoff"            // exponential backoff after host errors
	ReasonRetryAfter   = "retry_after"        // Retry-After of a 429 or 503
	ReasonRobotsParked = "robots_unavailable" // parked: robots.txt failed
	ReasonExpired      = "lease_expired"      // a lease ran out without an outcome
)

// Override is an operator's setting for one host, kept until replaced. The
// zero Override is none.
type Override struct {
	Delay  time.Duration `json:"delay,omitempty"`  // replaces MinDelay for the host when > 0
	Budget int64         `json:"budget,omitempty"` // replaces the page budget of the host's site when > 0
	Block  bool          `json:"block,omitempty"`  // no fetches and no new URLs for the host
}

// IsZero reports whether o overrides nothing.
func (o Override) IsZero() bool { return o == Override{} }

// HostState is the politeness state of one host.
type HostState struct {
	Site         string
	NextEligible time.Time     // no fetch before this
	Lease        string        // lease in flight, "" when none
	LastResponse time.Duration // response time of the last fetch
	Errors       int32         // consecutive host errors
	Fetched      int64         // outcomes received
	LastIP       string
	Queued       int64 // URLs waiting in the host's queue

	Delay      time.Duration // the wait the last outcome set
	Reason     string        // the rule that set it: a Reason constant
	LastStatus int32         // HTTP status of the last outcome, 0 for none
	LastError  string        // error code of the last outcome
	Parks      int32         // consecutive robots.txt failures
	Scheme     string        // scheme of the host's first URL, for recrawls of its root
	Override   Override
}

// HostEntry is a host's state with the priority of the first URL in its
// queue, as a Store reports it after a change.
type HostEntry struct {
	Host  string
	State HostState
	Head  int32
}

// Counts are a partition's committed totals.
type Counts struct {
	Queued  int64 // URLs waiting
	Leased  int64 // URLs leased and not completed
	Seen    int64 // URLs in the seen set
	Fetched int64 // outcomes accepted
	Failed  int64 // accepted outcomes that failed
	Expired int64 // leases that expired without an outcome
	Retried int64 // URLs queued again after a failed attempt
	Dropped int64 // URLs given up after MaxAttempts
	Parked  int64 // URLs queued again because robots.txt failed
	Recrawl int64 // URLs queued again by recrawls of focused sites
}

// Change is what a Store transaction changed: the hosts it touched and the
// partition's totals after it committed.
type Change struct {
	Hosts    []HostEntry
	Recrawls []Recrawl // sites whose next recrawl changed
	Counts   Counts
}

// Admitted is the result of admitting a batch of tasks.
type Admitted struct {
	Change
	New, Duplicate, OverBudget, Blocked int
}

// Completed is the result of applying a batch of outcomes.
type Completed struct {
	Change
	Accepted, Ignored int
}
