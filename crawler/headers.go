package crawler

import (
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HeaderFacts returns the response headers that matter to the classifier:
// Server, X-Powered-By and Content-Language as sent (capped), and
// Set-Cookie as the sorted, distinct cookie names joined by ",".
func HeaderFacts(h textproto.MIMEHeader) map[string]string {
	out := make(map[string]string)
	for _, k := range []string{"Server", "X-Powered-By", "Content-Language"} {
		if v := collapse(strings.Join(h.Values(k), ", "), 256); v != "" {
			out[k] = v
		}
	}
	var names []string
	seen := map[string]bool{}
	for _, c := range h.Values("Set-Cookie") {
		name, _, ok := strings.Cut(c, "=")
		name = strings.TrimSpace(name)
		if ok && name != "" && len(name) <= 64 && !seen[name] && len(names) < 32 {
			seen[name] = true
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		out["Set-Cookie"] = strings.Join(names, ",")
	}
	return out
}

// httpDate are the date formats RFC 9110 accepts, preferred first.
var httpDate = []string{
	"Mon, 02 Jan 2006 15:04:05 GMT",
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
}

// RetryAfter reads a Retry-After header value (delay seconds or an HTTP
// date) as a duration from now; 0 when absent or unreadable. It is capped
// at a day.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(s, 0), 86400)) * time.Second
	} else {
		for _, layout := range httpDate {
			if t, err := time.Parse(layout, v); err == nil {
				d = t.Sub(now)
				break
			}
		}
	}
	return min(max(d, 0), 24*time.Hour)
}
