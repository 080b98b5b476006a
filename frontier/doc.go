// Package frontier is the domain of Trawl's URL frontier: it decides which
// URL is fetched next, and when, without knowing how state is stored or how
// tasks travel.
//
// It holds the URL canonicaliser (Canonicalize, Resolve), the domain types
// (Task, Lease, Outcome, HostState), the politeness and limit policy
// (Policy), the in-memory index of hosts waiting for their turn (Index) and
// the per-partition Scheduler that drives a Store (implemented by
// frontier/bolt). The service package wires a Scheduler per owned partition
// to NATS.
//
// Caveats: a Scheduler is not safe for concurrent use; one goroutine per
// partition owns it. Politeness is per host including its port (the unit a
// server enforces limits on), page budgets are per site (registrable domain).
package frontier
