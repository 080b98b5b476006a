// Package crawler is the domain of Trawl's crawler: it turns one FetchTask
// into a fetch outcome, the page's facts and its outgoing links.
//
// The root package holds the types, the robots.txt policy, the address policy
// and the one-pass page parser; it does no network I/O itself. Fetching is
// behind the Fetcher interface (the colly adapter in crawler/colly is the real
// one) and the NATS wiring lives in crawler/service.
//
// Links are published in one form: absolute http(s), no fragment, the host
// in ASCII (IDN names in punycode), session IDs (PHPSESSID, jsessionid,
// token-like sid/s, ...) taken out; links to hosts the address policy
// refuses whatever DNS says (IP literals in refused ranges, localhost) are
// dropped and counted. Declared and sniffed charsets are reconciled with the
// bytes (see Decode) before the text is read.
//
// Everything here is bounded: body size, text size, links, prices and tracker
// IDs per page, and the robots.txt cache. Nothing is durable: a crawler that
// dies loses only caches.
//
// Caveats: robots.txt for one host may be fetched by several workers at once
// when they miss the cache together (the frontier sends one task per host at
// a time, so this is rare); the language guess only tells Russian from
// English.
package crawler
