package readmodel

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SortField is a field listings can be sorted by.
type SortField string

// The sort fields. Scores, times and pages sort highest first unless Asc is
// set; Site sorts A to Z unless Desc is set.
const (
	SortStore     SortField = "store_score"
	SortRussia    SortField = "russia_score"
	SortHosting   SortField = "hosting_score"
	SortContent   SortField = "content_score"
	SortLastSeen  SortField = "last_seen"
	SortFirstSeen SortField = "first_seen"
	SortPages     SortField = "pages"
	SortSite      SortField = "site"
)

// SortFields lists every sort field.
var SortFields = []SortField{SortStore, SortRussia, SortHosting, SortContent, SortLastSeen, SortFirstSeen, SortPages, SortSite}

// ParseSort parses a sort field name.
func ParseSort(s string) (SortField, error) {
	for _, f := range SortFields {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(SortFields))
	for i, f := range SortFields {
		names[i] = string(f)
	}
	return "", fmt.Errorf("%w: cannot sort by %q (want one of %s)", ErrBadQuery, s, strings.Join(names, ", "))
}

// Range bounds a score; nil ends are open.
type Range struct {
	Min, Max *float64
}

func (r Range) holds(v float64) bool {
	return (r.Min == nil || v >= *r.Min) && (r.Max == nil || v <= *r.Max)
}

// TimeRange bounds a time; zero ends are open. After is inclusive, Before
// exclusive.
type TimeRange struct {
	After, Before time.Time
}

func (r TimeRange) holds(ms int64) bool {
	return (r.After.IsZero() || ms >= r.After.UnixMilli()) && (r.Before.IsZero() || ms < r.Before.UnixMilli())
}

// Listing limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	MaxTextLen   = 200 // characters of a free-text query
	MaxTerms     = 8   // words of a free-text query that are used
)

// Query selects sites. Every filter that is set must hold; a list filter
// holds when any of its values matches.
type Query struct {
	// Text is free text matched against titles, host names, signal names
	// and evidence snippets: every word must start a word there.
	Text      string
	Classes   []string
	Flagged   *bool
	Labels    []Label // LabelNone selects sites without a label
	Countries []string
	ASNs      []string // "AS12345" or "12345"
	TLDs      []string // "ru", "su", "xn--p1ai"
	Family    string
	IP        string
	Tracker   string
	Store     Range
	Russia    Range
	Hosting   Range
	Content   Range
	FirstSeen TimeRange
	LastSeen  TimeRange

	Sort  SortField // default SortStore
	Asc   bool      // lowest first (scores, times, pages); default highest first
	Desc  bool      // Z to A (site); default A to Z
	Limit int       // default DefaultLimit, at most MaxLimit
	// Cursor is the NextCursor of the previous page of the same query.
	Cursor string
}

// Page is one page of a search.
type Page struct {
	Sites      []Site `json:"sites"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// normalize checks q and fills in defaults; it returns the walk order.
func (q *Query) normalize() (descending bool, err error) {
	if q.Sort == "" {
		q.Sort = SortStore
	}
	if _, err := ParseSort(string(q.Sort)); err != nil {
		return false, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		return false, fmt.Errorf("%w: limit %d outside 1-%d", ErrBadQuery, q.Limit, MaxLimit)
	}
	if n := len([]rune(q.Text)); n > MaxTextLen {
		return false, fmt.Errorf("%w: text is %d characters, at most %d", ErrBadQuery, n, MaxTextLen)
	}
	for _, c := range q.Classes {
		if !slices.Contains(Classes, c) {
			return false, fmt.Errorf("%w: unknown class %q (want store, piracy-other, music-legit or other)", ErrBadQuery, c)
		}
	}
	for _, l := range q.Labels {
		if l != LabelNone {
			if _, err := ParseLabel(string(l)); err != nil {
				return false, fmt.Errorf("%w (or none)", err)
			}
		}
	}
	for i, c := range q.Countries {
		if len(c) != 2 {
			return false, fmt.Errorf("%w: country %q is not a two-letter code", ErrBadQuery, c)
		}
		q.Countries[i] = strings.ToUpper(c)
	}
	for i, a := range q.ASNs {
		n := ASNumber(a)
		if len(n) < 3 || strings.TrimLeft(n[2:], "0123456789") != "" {
			return false, fmt.Errorf("%w: ASN %q is not AS<number>", ErrBadQuery, a)
		}
		q.ASNs[i] = n
	}
	for i, t := range q.TLDs {
		q.TLDs[i] = strings.TrimPrefix(strings.ToLower(t), ".")
	}
	for name, r := range map[string]Range{"store": q.Store, "russia": q.Russia, "hosting": q.Hosting, "content": q.Content} {
		for _, p := range []*float64{r.Min, r.Max} {
			if p != nil && (*p < 0 || *p > 1 || *p != *p) {
				return false, fmt.Errorf("%w: %s score bound %v outside 0-1", ErrBadQuery, name, *p)
			}
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			return false, fmt.Errorf("%w: %s score range %v-%v is empty", ErrBadQuery, name, *r.Min, *r.Max)
		}
	}
	if q.Sort == SortSite {
		return q.Desc, nil
	}
	return !q.Asc, nil
}

// terms returns the words of the free-text query that are searched.
func (q *Query) terms() []string {
	ts := Tokens(q.Text, MaxTerms)
	return ts
}

// cursor is a position in one sort index: the key of the last site listed.
// It is written as "<field>.<a|d>.<base64 key>".
func encodeCursor(f SortField, desc bool, key []byte) string {
	dir := "a"
	if desc {
		dir = "d"
	}
	return string(f) + "." + dir + "." + base64.RawURLEncoding.EncodeToString(key)
}

func decodeCursor(s string, f SortField, desc bool) ([]byte, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %w: malformed", ErrBadQuery, ErrBadCursor)
	}
	dir := "a"
	if desc {
		dir = "d"
	}
	if parts[0] != string(f) || parts[1] != dir {
		return nil, fmt.Errorf("%w: %w: it pages a listing sorted by %s, not %s", ErrBadQuery, ErrBadCursor, parts[0], f)
	}
	key, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(key) == 0 || len(key) > 512 {
		return nil, fmt.Errorf("%w: %w: malformed", ErrBadQuery, ErrBadCursor)
	}
	return key, nil
}
