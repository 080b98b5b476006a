// Package frontier is the domain of Trawl's URL frontier: it decides which
// URL is fetched next, and when, without knowing how state is stored or how
// tasks travel.
//
// It holds the URL canonicaliser (Canonicalize, Resolve), the domain types
// (Task, Lease, Outcome, HostState, Override), the politeness, budget and
// trap policy (Policy), the in-memory index of hosts waiting for their turn
// (Index), the per-IP gate shared by the partitions of one instance
// (IPGate), and the per-partition Scheduler that drives a Store
// (implemented by frontier/bolt). The service package wires a Scheduler per
// owned partition to NATS.
//
// Politeness has two levels, as in BUbiNG's workbench. Per host: one fetch
// at a time, and the next one no sooner than the largest of MinDelay (or the
// operator's override), AdaptiveFactor × the last response time and the
// robots.txt Crawl-delay (capped) after the outcome, doubled per consecutive
// host error up to MaxBackoff, at least Retry-After on 429 and 503, and a
// doubling park while robots.txt itself fails. Per IP: at most MaxPerIP
// fetches in flight and IPMinDelay between them, for hosts whose address is
// known (from the crawler's outcome, or looked up before the first fetch
// with WithResolveFirst). Every host records the rule that set its wait
// (HostState.Reason), so an operator sees why it waits (HostView.Why).
//
// Budgets follow IRLbot: a site may have SiteBudget URLs, plus
// BudgetPerLinkingSite for each distinct other site linking to it, up to
// MaxSiteBudget; URLs too long, too deep, repeating a path segment or with
// too many query parameters are refused as traps.
//
// Caveats: a Scheduler is not safe for concurrent use; one goroutine per
// partition owns it (an IPGate is shared and safe). Politeness is per host
// including its port (the unit a server enforces limits on), page budgets
// are per site (registrable domain). The per-IP rules hold within one
// frontier instance: two instances do not share their gates.
package frontier
