package crawler

import (
	"context"
	"mime"
	"net/textproto"
	"strings"
	"time"
)

// DefaultUserAgent is the User-Agent header of Trawl's requests.
const DefaultUserAgent = "TrawlBot/0.1 (+contact)"

// Fetcher fetches one URL. Implementations follow redirects, bound the body
// and time, and refuse addresses their policy forbids.
type Fetcher interface {
	// Fetch returns a non-nil Response even when it fails, holding what was
	// learned before the failure (final URL, IP, duration). The error is a
	// *FetchError carrying a stable code. An HTTP error status is not an
	// error: it is a Response with that StatusCode.
	Fetch(ctx context.Context, req Request) (*Response, error)
}

// Request is one fetch.
type Request struct {
	URL string
	// MaxBody caps the bytes read; 0 means the fetcher's default.
	MaxBody int64
	// TextOnly skips the body of a response whose media type is not text
	// (HTML, XHTML, XML, text/*): audio, images and archives are never
	// downloaded, only their headers are seen.
	TextOnly bool
}

// Response is what one fetch returned.
type Response struct {
	URL         string // as requested
	FinalURL    string // after redirects
	StatusCode  int    // 0 when no response arrived
	Header      textproto.MIMEHeader
	Body        []byte // raw bytes, not decoded
	Truncated   bool   // Body was cut at the size cap
	BodySkipped bool   // the body was not read (Request.TextOnly and not text)
	IP          string // remote address the final connection used
	Duration    time.Duration
	// Record is where the Recorder stored the final response (nil without
	// a Recorder, or when it failed).
	Record *RecordRef
	// Release, when set, hands Body's buffer back to the fetcher for reuse.
	// Call it once, when nothing refers to Body any more; Body must not be
	// used after.
	Release func()
}

// Done releases the response's buffer, if it has one. It is safe on a nil
// response and idempotent.
func (r *Response) Done() {
	if r != nil && r.Release != nil {
		rel := r.Release
		r.Release, r.Body = nil, nil
		rel()
	}
}

// Exchange is one HTTP request and the response it got, as they crossed the
// wire: what a Recorder stores as evidence. Redirect hops are exchanges of
// their own.
type Exchange struct {
	URL           string
	Method        string
	RequestHeader textproto.MIMEHeader
	IP            string // remote address of the connection
	Proto         string // "HTTP/1.1", "HTTP/2.0"
	StatusCode    int
	Status        string // "200 OK"
	Header        textproto.MIMEHeader
	Body          []byte // the body as received (still content-encoded); valid only during Record
	Truncated     bool   // Body was cut at a size cap or by an error
	SkippedBody   bool   // the body was not read at all (not text)
	Date          time.Time
}

// Recorder keeps evidence of every exchange a fetcher makes (a WARC writer,
// for instance) and says where it put it. Record must not keep Body after it
// returns. It is called from many goroutines at once.
type Recorder interface {
	Record(ctx context.Context, x *Exchange) (RecordRef, error)
}

// RecordRef says where a Recorder stored one exchange: the WARC record an
// investigator can cite.
type RecordRef struct {
	File   string // file name, without its directory
	Offset int64  // byte offset of the record in the file
	ID     string // the record's ID (WARC-Record-ID without angle brackets)
}

// ContentType returns the response's Content-Type header.
func (r *Response) ContentType() string {
	if r == nil || r.Header == nil {
		return ""
	}
	return r.Header.Get("Content-Type")
}

// MediaType returns the lower-cased media type of a Content-Type header
// value, without parameters ("" when absent).
func MediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// IsHTML reports whether a Content-Type is HTML or XHTML. An empty type
// counts as HTML: servers of the old web often send none.
func IsHTML(contentType string) bool {
	switch MediaType(contentType) {
	case "", "text/html", "application/xhtml+xml":
		return true
	}
	return false
}

// IsText reports whether a Content-Type is worth reading as text: HTML,
// XHTML, XML or any text/* type.
func IsText(contentType string) bool {
	mt := MediaType(contentType)
	return IsHTML(contentType) || strings.HasPrefix(mt, "text/") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}
