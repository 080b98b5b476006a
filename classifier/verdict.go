package classifier

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Class is what kind of site a verdict says it is.
type Class string

// The classes of site.
const (
	ClassStore      Class = "store"        // an AllofMP3-style store
	ClassPiracy     Class = "piracy-other" // torrent trackers and free-download sites
	ClassMusicLegit Class = "music-legit"  // licensed stores and streaming, radio, labels
	ClassOther      Class = "other"        // everything else: news, blogs, shops, unknown
)

// ParseClass parses a class name.
func ParseClass(s string) (Class, error) {
	switch c := Class(s); c {
	case ClassStore, ClassPiracy, ClassMusicLegit, ClassOther:
		return c, nil
	}
	return "", fmt.Errorf("%w: unknown class %q (want store, piracy-other, music-legit or other)", ErrBadQuery, s)
}

// Verdict is the classifier's current judgement of a site, with the
// evidence for it. Russia linkage is given whole (RussiaScore) and split into
// hosting (HostingScore, Countries) and content (ContentScore).
type Verdict struct {
	Site         string     `json:"site"`
	Partition    int        `json:"partition"`
	Class        Class      `json:"class"`
	Flagged      bool       `json:"flagged"`
	StoreScore   float64    `json:"store_score"`
	RussiaScore  float64    `json:"russia_score"`
	HostingScore float64    `json:"hosting_score"`
	ContentScore float64    `json:"content_score"`
	PiracyScore  float64    `json:"piracy_score"`
	LegitScore   float64    `json:"legit_score"`
	MusicScore   float64    `json:"music_legit_score"`
	StoreGroups  []string   `json:"store_groups,omitempty"`
	RussiaLinks  []string   `json:"russia_links,omitempty"` // independent links to Russia (RussiaLinkGroups)
	Countries    []string   `json:"hosting_countries,omitempty"`
	Networks     []string   `json:"hosting_networks,omitempty"`
	Hosts        []string   `json:"hosts,omitempty"`
	IPs          []string   `json:"ips,omitempty"`
	TrackerIDs   []string   `json:"tracker_ids,omitempty"`
	Pages        int        `json:"pages"`
	Title        string     `json:"title,omitempty"`
	Evidence     []Evidence `json:"evidence"`
	// Family is the ID shared by the flagged sites of one operation (see
	// Families); "" when the site is alone. FamilyLinks say why.
	Family      string       `json:"family,omitempty"`
	FamilyLinks []FamilyLink `json:"family_links,omitempty"`
	// Labels are investigators' decisions about the site, oldest first.
	Labels    []Label   `json:"labels,omitempty"`
	Version   int64     `json:"version"`
	FirstSeen time.Time `json:"first_seen"`
	Updated   time.Time `json:"updated"`
}

// Summary is a verdict without its evidence, for listings.
type Summary struct {
	Site         string    `json:"site"`
	Partition    int       `json:"partition"`
	Class        Class     `json:"class"`
	Flagged      bool      `json:"flagged"`
	StoreScore   float64   `json:"store_score"`
	RussiaScore  float64   `json:"russia_score"`
	HostingScore float64   `json:"hosting_score"`
	ContentScore float64   `json:"content_score"`
	Countries    []string  `json:"hosting_countries,omitempty"`
	Signals      []string  `json:"top_signals,omitempty"`
	Pages        int       `json:"pages"`
	Title        string    `json:"title,omitempty"`
	Family       string    `json:"family,omitempty"`
	Label        LabelKind `json:"label,omitempty"` // the label in force
	Version      int64     `json:"version"`
	Updated      time.Time `json:"updated"`
}

// Summary returns the verdict's summary; Signals names its five strongest
// distinct signals.
func (v *Verdict) Summary() Summary {
	s := Summary{Site: v.Site, Partition: v.Partition, Class: v.Class, Flagged: v.Flagged,
		StoreScore: v.StoreScore, RussiaScore: v.RussiaScore, HostingScore: v.HostingScore,
		ContentScore: v.ContentScore, Countries: v.Countries, Pages: v.Pages, Title: v.Title,
		Family: v.Family, Version: v.Version, Updated: v.Updated}
	if l, ok := CurrentLabel(v.Labels); ok {
		s.Label = l.Kind
	}
	seen := make(map[string]bool)
	for _, e := range v.Evidence {
		if len(s.Signals) == 5 {
			break
		}
		if !seen[e.Signal] {
			seen[e.Signal] = true
			s.Signals = append(s.Signals, e.Signal)
		}
	}
	return s
}

// VerdictReader reads the current verdicts.
type VerdictReader interface {
	// Verdict returns a site's verdict, or an error wrapping ErrNotFound.
	Verdict(ctx context.Context, site string) (*Verdict, error)
	// Summaries returns the summary of every site's verdict, in any order.
	Summaries(ctx context.Context) ([]Summary, error)
}

// Listing limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Query selects verdict summaries: by flag and class, a page of Limit at a
// time, ordered by store_score (highest first) then site name. Cursor is
// the NextCursor of the previous page.
type Query struct {
	Flagged *bool
	Class   Class // "" for any
	Limit   int   // 0 for DefaultLimit
	Cursor  string
}

// List is one page of a listing.
type List struct {
	Sites      []Summary `json:"sites"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

type cursor struct {
	Score float64 `json:"s"`
	Site  string  `json:"k"`
}

// Select applies q to all and returns one page.
func Select(all []Summary, q Query) (List, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		return List{}, fmt.Errorf("%w: limit %d outside 1-%d", ErrBadQuery, q.Limit, MaxLimit)
	}
	if q.Class != "" {
		if _, err := ParseClass(string(q.Class)); err != nil {
			return List{}, err
		}
	}
	var after *cursor
	if q.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		var c cursor
		if err == nil {
			err = json.Unmarshal(raw, &c)
		}
		if err != nil || c.Site == "" {
			return List{}, fmt.Errorf("%w: bad cursor", ErrBadQuery)
		}
		after = &c
	}
	var out []Summary
	for _, s := range all {
		if q.Flagged != nil && s.Flagged != *q.Flagged {
			continue
		}
		if q.Class != "" && s.Class != q.Class {
			continue
		}
		if after != nil && !listedAfter(s, *after) {
			continue
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].StoreScore != out[j].StoreScore {
			return out[i].StoreScore > out[j].StoreScore
		}
		return out[i].Site < out[j].Site
	})
	l := List{Sites: out}
	if len(out) > q.Limit {
		l.Sites = out[:q.Limit]
		last := l.Sites[q.Limit-1]
		raw, _ := json.Marshal(cursor{Score: last.StoreScore, Site: last.Site})
		l.NextCursor = base64.RawURLEncoding.EncodeToString(raw)
	}
	if l.Sites == nil {
		l.Sites = []Summary{}
	}
	return l, nil
}

func listedAfter(s Summary, c cursor) bool {
	if s.StoreScore != c.Score {
		return s.StoreScore < c.Score
	}
	return s.Site > c.Site
}

// NormalizeSite lower-cases a site name and drops a trailing dot and
// surrounding space.
func NormalizeSite(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}
