// Package pagefile turns saved web pages into classifier pages and scores
// directories of them: the engine of "classifier score --dir" and of the
// evaluation corpus.
//
// Parse reads a page exactly as the pipeline does, with the crawler's own
// one-pass parser (trawl.dev/crawler.Parse: charset detection and decoding,
// visible text, links, trackers, prices). ParseFast, which score uses by
// default, walks the markup with a byte scanner instead of the crawler's
// tokenizer and decodes only the text it keeps, then runs the crawler's own
// charset, tracker, price and language functions on it: on pages of
// real-world size, where markup is most of the bytes, it is several times
// faster, and a test holds it to the same facts as Parse. Files may be
// gzip-compressed; only the first Scorer.MaxBytes of a file are read. A page
// whose visible text is almost empty (a JavaScript shell) also contributes
// the text of its <noscript> blocks and the wordy string literals of its
// inline scripts (JSON data, JSON-LD offers).
//
// Caveats: a saved page has no HTTP headers, so its charset comes from its
// byte order mark, <meta> or the bytes themselves, and its hosting only from
// an IP the caller supplies; ParseFast may differ from Parse in the corners
// of broken markup, and lists tracker IDs in another order.
package pagefile
