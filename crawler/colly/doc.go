// Package colly is the crawler's Fetcher, built on gocolly/colly v2.
//
// One http.Transport is shared by every fetch (pooled keep-alive
// connections, up to MaxIdleConns idle and two per host; HTTP/2 where the
// server offers it). Its dialer resolves names through a configurable DNS
// server with a bounded cache (failures cached briefly too), and checks
// every resolved address against a crawler.AddrPolicy before connecting, so
// a name that resolves to a private address is refused without a packet
// sent to it; a second check runs in the dialer's Control hook, just before
// connect(2), whatever path led there.
//
// colly drives each request (URL normalisation, headers, the client with
// its cookie jar and redirect policy, error callbacks), with its robots.txt
// handling off (the crawler decides robots itself), URL revisits allowed
// (the frontier dedups) and HTTP error statuses delivered as responses. The
// body is read below colly, in the transport, into a buffer from a pool that
// the crawler hands back once it has parsed the page: at most MaxWireBody
// bytes off the network, Content-Encoding (gzip, deflate, br, up to three
// layers) undone by this package, at most MaxBody bytes kept, the cut
// recorded. colly then sees an empty body, so it neither copies the page
// again nor decompresses or transcodes it. A body that is not text is not
// read at all when the request is TextOnly.
//
// This works around four colly behaviours: MaxBodySize truncates silently,
// colly decompresses gzip itself without a size cap (a gzip bomb), colly
// transcodes a header charset and ignores <meta> (the raw bytes are kept;
// the parser decodes once), and colly has no remote IP (an httptrace hook
// records it). With Options.Recorder set, every exchange (redirect hops and
// robots.txt included) is also handed to it with its raw body, for WARC, and
// where it recorded the final response comes back as Response.Record.
package colly
