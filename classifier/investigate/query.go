package investigate

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"trawl.dev/classifier/readmodel"
)

// Query parameters of listings and exports; see the package documentation.
var queryParams = map[string]bool{
	"q": true, "class": true, "flagged": true, "label": true, "country": true, "asn": true, "tld": true,
	"family": true, "ip": true, "tracker": true,
	"min_store": true, "max_store": true, "min_russia": true, "max_russia": true,
	"min_hosting": true, "max_hosting": true, "min_content": true, "max_content": true,
	"first_seen_after": true, "first_seen_before": true, "last_seen_after": true, "last_seen_before": true,
	"sort": true, "order": true, "limit": true, "cursor": true,
}

// Limits on query strings.
const (
	maxQueryLen  = 4096 // bytes of a raw query string
	maxParamLen  = 256  // bytes of one value
	maxListItems = 20   // values of one list parameter
)

// parseQuery reads a search from URL parameters. Unknown parameters are an
// error (a typo must not silently widen a search), except those in also.
func parseQuery(v url.Values, also ...string) (readmodel.Query, *apiError) {
	var q readmodel.Query
	for k, vals := range v {
		if !queryParams[k] && !contains(also, k) {
			return q, badRequest(fmt.Sprintf("unknown parameter %q", k))
		}
		if len(vals) > maxListItems {
			return q, badRequest(fmt.Sprintf("parameter %q is given %d times, at most %d", k, len(vals), maxListItems))
		}
		for _, s := range vals {
			if len(s) > maxParamLen {
				return q, badRequest(fmt.Sprintf("parameter %q is %d bytes long, at most %d", k, len(s), maxParamLen))
			}
		}
	}
	list := func(name string) ([]string, *apiError) {
		var out []string
		for _, s := range v[name] {
			for _, p := range strings.Split(s, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		if len(out) > maxListItems {
			return nil, badRequest(fmt.Sprintf("%s has %d values, at most %d", name, len(out), maxListItems))
		}
		return out, nil
	}
	var aerr *apiError
	q.Text = strings.TrimSpace(v.Get("q"))
	if q.Classes, aerr = list("class"); aerr != nil {
		return q, aerr
	}
	labels, aerr := list("label")
	if aerr != nil {
		return q, aerr
	}
	for _, l := range labels {
		q.Labels = append(q.Labels, readmodel.Label(l))
	}
	if q.Countries, aerr = list("country"); aerr != nil {
		return q, aerr
	}
	if q.ASNs, aerr = list("asn"); aerr != nil {
		return q, aerr
	}
	if q.TLDs, aerr = list("tld"); aerr != nil {
		return q, aerr
	}
	q.Family = strings.TrimSpace(v.Get("family"))
	q.IP = strings.TrimSpace(v.Get("ip"))
	q.Tracker = strings.TrimSpace(v.Get("tracker"))
	switch s := strings.TrimSpace(v.Get("flagged")); s {
	case "", "any":
	default:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, badRequest(fmt.Sprintf("flagged must be true, false or any, got %q", s))
		}
		q.Flagged = &b
	}
	for _, r := range []struct {
		name string
		dst  *readmodel.Range
	}{{"store", &q.Store}, {"russia", &q.Russia}, {"hosting", &q.Hosting}, {"content", &q.Content}} {
		for _, end := range []struct {
			param string
			dst   **float64
		}{{"min_" + r.name, &r.dst.Min}, {"max_" + r.name, &r.dst.Max}} {
			s := strings.TrimSpace(v.Get(end.param))
			if s == "" {
				continue
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f < 0 || f > 1 {
				return q, badRequest(fmt.Sprintf("%s must be a number from 0 to 1, got %q", end.param, s))
			}
			*end.dst = &f
		}
	}
	for _, t := range []struct {
		param  string
		dst    *time.Time
		before bool
	}{{"first_seen_after", &q.FirstSeen.After, false}, {"first_seen_before", &q.FirstSeen.Before, true},
		{"last_seen_after", &q.LastSeen.After, false}, {"last_seen_before", &q.LastSeen.Before, true}} {
		s := strings.TrimSpace(v.Get(t.param))
		if s == "" {
			continue
		}
		tm, err := parseTime(s, t.before)
		if err != nil {
			return q, badRequest(fmt.Sprintf("%s: %v", t.param, err))
		}
		*t.dst = tm
	}
	if s := strings.TrimSpace(v.Get("sort")); s != "" {
		f, err := readmodel.ParseSort(s)
		if err != nil {
			return q, badRequest(strings.TrimPrefix(err.Error(), readmodel.ErrBadQuery.Error()+": "))
		}
		q.Sort = f
	}
	switch s := strings.TrimSpace(v.Get("order")); s {
	case "":
	case "asc":
		q.Asc = true
	case "desc":
		q.Desc = true
	default:
		return q, badRequest(fmt.Sprintf("order must be asc or desc, got %q", s))
	}
	if s := strings.TrimSpace(v.Get("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > readmodel.MaxLimit {
			return q, badRequest(fmt.Sprintf("limit must be a number from 1 to %d, got %q", readmodel.MaxLimit, s))
		}
		q.Limit = n
	}
	q.Cursor = strings.TrimSpace(v.Get("cursor"))
	return q, nil
}

// parseTime reads RFC 3339 or a date (YYYY-MM-DD, UTC). A date as the end
// of a range ("before") includes that whole day.
func parseTime(s string, before bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a date (2026-05-01) or RFC 3339 time, got %q", s)
	}
	if before {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// queryError turns an error of the read model into an API error.
func queryError(err error) *apiError {
	if errors.Is(err, readmodel.ErrBadCursor) {
		return &apiError{Status: 400, Code: CodeBadCursor, Message: "bad cursor: " + trimPrefixes(err.Error()) +
			" (pass the next_cursor of the previous page, with the same sort and order)"}
	}
	if errors.Is(err, readmodel.ErrBadQuery) {
		return badRequest(trimPrefixes(err.Error()))
	}
	if errors.Is(err, readmodel.ErrNotFound) {
		return &apiError{Status: 404, Code: CodeNotFound, Message: trimPrefixes(err.Error())}
	}
	return nil
}

// trimPrefixes drops the "readmodel: …: " prefixes that say where an error
// came from, which mean nothing to a client.
func trimPrefixes(s string) string {
	for _, p := range []string{"readmodel: search: ", "readmodel: bad query: ", "readmodel: bad cursor: ", "readmodel: not found: ", "readmodel: "} {
		for strings.Contains(s, p) {
			s = strings.Replace(s, p, "", 1)
		}
	}
	return s
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
