// Package pagefile turns saved web pages into classifier pages and scores
// directories of them: the engine of "classifier score --dir" and of the
// evaluation corpus.
//
// A saved page is parsed with the crawler's own one-pass parser
// (trawl.dev/crawler.Parse: charset detection and decoding, visible text,
// links, trackers, prices), so a page scores the same here as when the
// pipeline crawls it. Files may be gzip-compressed; only the first
// Options.MaxBytes of a file are read. A page whose visible text is almost
// empty (a JavaScript shell) also contributes the strings of its inline
// JSON data and <noscript> blocks.
//
// Caveats: a saved page has no HTTP headers, so its charset comes from
// its byte order mark, <meta> or the bytes themselves; its hosting comes
// only from an IP the caller supplies.
package pagefile
