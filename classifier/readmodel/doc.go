// Package readmodel is the investigators' read model: a bbolt index of every
// site's latest verdict and current label, materialised from the VERDICTS and
// LABELS streams, that answers searches (filters, free text over evidence,
// sorting, cursor pagination), pivots (other sites on an IP, with an
// analytics ID, in an ASN or family), verdict and label history, an audit log
// of label changes, and streamed exports.
//
// Any number of replicas can run: each follows the streams with its own
// ordered (ephemeral) consumers and keeps the stream sequences it has applied
// in the same bbolt transaction as the changes, so a restart resumes exactly
// and a deleted file is rebuilt from the streams (Options.Rebuild).
//
// Layout of the file (top-level buckets):
//
//	meta     stream sequences applied, counters
//	verdict  site → latest verdict, protobuf as on the wire
//	row      site → compact row: the fields filters and sorts read
//	s:<f>    sort index of field f: sortable(value) ‖ site → row
//	eq       kind \x00 value \x00 site → nil (ip, tracker, asn, family)
//	term     token \x00 site → nil (free text over title, hosts, evidence)
//	hist     site \x00 be64(version) → verdict history entry (JSON)
//	label    site → current label (JSON)
//	labelev  site \x00 be64(ms) ‖ id → label event (JSON)
//	labelid  id → nil (events applied)
//	audit    be64(ms) ‖ id → audit entry (JSON)
//
// Caveats: the VERDICTS stream keeps the last verdicts of each site (20 by
// default, proto.DefaultVerdictHistory), so a rebuilt replica's history of a
// site starts with the oldest of them; a replica that followed the stream
// live keeps up to Options.HistoryPerSite versions. Counting
// matches is not offered: pages are found by walking a sort index, so a query
// costs what it scans, not what the whole index holds.
package readmodel
