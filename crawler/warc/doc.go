// Package warc writes the crawler's evidence: every HTTP exchange, as WARC
// 1.1 response records in gzip-compressed files that roll over at a size
// limit, so an investigator can cite the exact bytes a verdict came from.
//
// Writer implements crawler.Recorder on top of github.com/nlnwa/gowarc/v3.
// Record returns where each record went (file name, the byte offset of its
// gzip member, its WARC-Record-ID); the crawler sends that of a page's
// response with the page's facts (PageFacts.warc), and the classifier puts it
// on every piece of evidence found on the page.
// Files are named trawl-<UTC timestamp>-<serial>-<pid>.warc.gz and carry a
// ".open" suffix while being written.
//
// Caveats: the body stored is the one the crawler read, still
// content-encoded and cut at the crawler's size caps (such a record has a
// WARC-Truncated header); a body the crawler did not read (not text,
// redirects) is stored empty with WARC-Truncated: "unspecified". File names
// are generated here, not by gowarc's PatternNameGenerator, which looks up
// the machine's outbound address by dialing a public one.
package warc
