// Package proto is Trawl's wire: the subjects every service publishes and
// consumes, the JetStream streams behind them, the partition function that
// decides which frontier and classifier instance owns a site, and helpers to
// derive message IDs. The protobuf messages themselves live in trawlpb.
//
// Services convert between these wire types and their own domain types at
// their boundary; nothing in here knows about bbolt, colly or HTTP.
package proto
