// Package investigate serves Trawl's investigators: a JSON API (v1), a web
// UI rendered on the server, and streamed CSV and JSON-lines exports, all
// from a read model (trawl.dev/classifier/readmodel) that it keeps up to
// date from the VERDICTS and LABELS streams. Labels that investigators give
// are published to LABELS, so every replica, and the audit log, sees them.
//
// Every endpoint needs a token except /healthz, /readyz, the sign-in page
// and the static files. The API reads "Authorization: Bearer <token>"; the
// web UI signs a browser in with a token kept in an HttpOnly, SameSite=Strict
// cookie, and its forms carry a CSRF value derived from it. Tokens have a
// role: viewer (search, read, export), reviewer (and label), admin (and
// manage tokens, read the audit log). Only the SHA-256 of a token is stored,
// in the JetStream key-value bucket TokenBucket, which every replica
// watches.
//
// API (see README.md for curl examples):
//
//	GET    /api/v1/sites?q=&class=&flagged=&label=&country=&asn=&tld=&family=&ip=&tracker=
//	              &min_store=&max_store=&min_russia=&max_russia=&min_hosting=&max_hosting=
//	              &min_content=&max_content=&first_seen_after=&first_seen_before=
//	              &last_seen_after=&last_seen_before=&sort=&order=&limit=&cursor=
//	GET    /api/v1/sites/{site}            verdict, evidence, history, labels, family links, pivots
//	GET    /api/v1/sites/{site}/pivots     other sites on its IPs, analytics IDs, ASNs, family
//	GET    /api/v1/sites/{site}/labels
//	POST   /api/v1/sites/{site}/labels     {"label":"confirmed","note":"…"} (reviewer)
//	GET    /api/v1/families/{family}
//	GET    /api/v1/export.csv?<filters>    every match, streamed
//	GET    /api/v1/export.jsonl?<filters>[&evidence=true]
//	GET    /api/v1/stats, /api/v1/whoami
//	GET    /api/v1/audit?cursor=&limit=    (admin)
//	GET    /api/v1/tokens, POST /api/v1/tokens {"name","role"}, DELETE /api/v1/tokens/{id} (admin)
//	GET    /metrics                        Prometheus, with a bearer token
//
// List filters take several values, comma-separated or repeated; a site
// matches when any value does. label=none selects sites nobody labelled.
// Errors are {"error":{"code":"…","message":"…"}} with the Code* constants.
package investigate
