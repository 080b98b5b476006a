// Package service runs Trawl's crawler against NATS JetStream.
//
// It pulls FetchTasks from the FETCH stream (durable consumer "crawler",
// MaxAckPending 2×Concurrency), crawls each one in one of Concurrency fetch
// slots (robots.txt, fetch, parse) and publishes, asynchronously and without
// holding the fetch slot, in this order:
//
//  1. DiscoveredLinks on trawl.v1.links.<p>, one message (or more, for many
//     links) per frontier partition p that owns a linked host;
//  2. PageFacts on trawl.v1.page.<p> for the page's own site (2xx HTML or
//     text pages only);
//  3. the FetchOutcome on trawl.v1.fetched.<task.partition>, echoing the
//     lease ID,
//
// then acks the task once the stream has acknowledged every publish (links
// and page facts first, then the outcome). Message IDs derive from the
// lease ID and the kind, so a redelivered task's publishes are
// deduplicated. A fetch failure is an outcome with a stable error code; a
// malformed task is dead-lettered; a failed publish makes the task
// redelivered.
//
// When Run's context ends (Main: SIGINT or SIGTERM) it stops pulling, lets
// fetches in flight finish for up to DrainTimeout, then cancels the rest and
// naks their tasks for another crawler, waits for the publishes, and
// returns nil. With WARCDir set, every response is also written to rolling
// WARC files (crawler/warc).
//
// The crawler holds no durable state: Run can be stopped at any time and
// another instance takes over the unacked tasks.
package service
