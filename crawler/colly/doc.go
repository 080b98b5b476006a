// Package colly is the crawler's Fetcher, built on gocolly/colly v2.
//
// One http.Transport is shared by every fetch (pooled connections, HTTP/2
// where the server offers it). Its dialer resolves names through a
// configurable DNS server with a bounded cache, and checks every resolved
// address against a crawler.AddrPolicy before connecting, so a name that
// resolves to a private address is refused without a packet sent to it.
//
// colly is used synchronously, one short-lived Collector per fetch (building
// one does no I/O), with its robots.txt handling off (the crawler decides
// robots itself), URL revisits allowed (the frontier dedups) and HTTP error
// statuses delivered as responses. Three colly behaviours are worked around
// here: MaxBodySize truncates silently (the transport caps the body itself
// and records the cut), colly transcodes a header charset and ignores
// <meta> (the raw bytes are kept; the parser decodes once), and colly has no
// remote IP (an httptrace hook records it).
package colly
