// Package simweb generates a deterministic synthetic web and serves it on loopback addresses, for
// tests, demos and benchmarks of Trawl's crawler and classifier.
//
// Generate builds a Web from Options{Sites, Seed}: sites with host names across many TLDs (including
// .рф in punycode and shared-hosting subdomains such as narod.ru), loopback IPs in 127.1.0.0 upward
// shared by several sites, hosting countries and autonomous systems, and a link graph from a few seed
// hubs. Each Site carries ground truth: its Kind, its Class (ClassStore, ClassPiracy, ClassMusicLegit,
// ClassOther) and Flagged, which is true exactly for AllofMP3-style stores with at least two clear links to
// Russia (Russian hosting, a .ru/.su/.рф name, rouble prices, Russian text, Russian payment systems).
// WriteTruth writes that truth as JSON Lines; WriteMMDB and WriteASNMMDB write MaxMind databases for
// the site IPs.
//
// Pages are not stored. Page renders them on request from the site's compact record and the path, so the
// same Options, host, path and port always give the same bytes, and 50,000 sites fit in tens of megabytes.
// Store pages are encoded in the site's charset (UTF-8, windows-1251 or KOI8-R), declared in the
// Content-Type header, in a meta tag, or both.
//
// Start serves the web: one listener per distinct site IP, all on the same port, dispatching on the
// Host header, plus a DNS server on 127.0.0.1 (UDP and TCP) answering A records for every host.
// Server.Resolver gives a net.Resolver that uses it. Every request is counted and reported to
// ServeOptions.OnRequest.
//
// Caveats:
//   - The page wording is paraphrased from what real stores, decoys and news sites said; it is varied on
//     purpose, but it is still generated text and a classifier tuned on it may overfit to its phrasings.
//   - Hostile sites misbehave on purpose: KindServerError answers 5xx, KindTimeout never answers (the
//     request is held until the client gives up or the server closes, then the connection is dropped),
//     KindRedirectLoop redirects in a cycle, KindRobotsDenyAll disallows everything, and KindCalendarTrap
//     links /calendar/YEAR/MONTH to the next and previous month forever.
//   - Site.Depth counts cross-site links from a seed's home page, not page hops; every page of a site is
//     reachable from its home page.
//   - Country, AS numbers and names are illustrative test data, not real allocations.
//   - The listeners need the whole 127.0.0.0/8 range routed to the loopback interface, as on Linux;
//     a web of N sites opens about N/3.5 sockets.
package simweb
