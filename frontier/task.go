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
	Depth    int32 // hops from a seed
	Priority int32 // higher is sooner
	Attempt  int32 // fetch attempts made so far; a lease's task holds its own try, from 1
}

// Lease ties a task handed to a crawler to the outcome that completes it.
type Lease struct {
	ID      string
	Task    Task
	Expires time.Time
}

// LeaseID derives the ID of attempt number attempt at url. A URL enters a
// partition once and its attempts only grow, so the ID is unique; being
// derived, it lets a task republished after a crash carry the same message ID.
func LeaseID(url string, attempt int32) string {
	h := sha256.New()
	h.Write([]byte(url))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(int(attempt))))
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

// urlErrors are crawler error codes (crawler.Code...) that concern the URL
// or are permanent, not a host in trouble: they neither back off nor retry.
// Every other code (robots_unavailable, dns, refused, timeout, tls, network,
// or one this list does not know) is a host error.
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
	return o.Status >= 500 || o.Status == 429 || o.ErrorCode != "" && !urlErrors[o.ErrorCode]
}

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
}

// Change is what a Store transaction changed: the hosts it touched and the
// partition's totals after it committed.
type Change struct {
	Hosts  []HostEntry
	Counts Counts
}

// Admitted is the result of admitting a batch of tasks.
type Admitted struct {
	Change
	New, Duplicate, OverBudget int
}

// Completed is the result of applying a batch of outcomes.
type Completed struct {
	Change
	Accepted, Ignored int
}
