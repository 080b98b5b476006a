// Package hostile serves the hostile web a crawler meets in the wild, on
// loopback only: one server, one case per host name, for tests that show a
// crawler survives each case with bounded memory and a clear outcome.
//
// Start listens on one loopback address (127.77.0.1 by default; never
// 127.0.0.1, so that a crawler allowed only 127.77.0.0/16 can show that it
// refuses "localhost"), with a plain HTTP port, a TLS port and a DNS server
// (UDP and TCP) that answers every case's host name. Cases lists them:
// decompression bombs, endless and over-size bodies, slow and silent
// servers, redirect loops and chains, redirects to private, metadata,
// localhost and file: targets, huge headers, malformed, deeply nested and
// mis-encoded HTML, non-HTML types, hostile robots.txt files, DNS and TLS
// failures, IDN and homograph names, session IDs and links to places a
// crawler must not go.
//
// Names that must not be reached resolve to addresses outside loopback
// (10.0.0.1, 169.254.169.254): a crawler under test must refuse them after
// resolution, before any connection. Nothing here ever sends a packet to
// such an address; a crawler that got this wrong would, so run the suite
// only with a crawler whose address policy is on.
//
// Every case holds its connection for at most Options.MaxHold (default
// 30s) and stops when the server closes, so a test never hangs on it.
package hostile
