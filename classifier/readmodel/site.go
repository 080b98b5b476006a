package readmodel

import (
	"fmt"
	"strings"
	"time"

	"trawl.dev/proto/trawlpb"
)

// Label is an investigator's decision about a site.
type Label string

// The labels an investigator can give. LabelNone is not a label: it selects
// sites nobody has labelled yet.
const (
	LabelConfirmed     Label = "confirmed"
	LabelFalsePositive Label = "false-positive"
	LabelNeedsReview   Label = "needs-review"
	LabelCleared       Label = "cleared"
	LabelNone          Label = "none"
)

// Labels are the labels an investigator can give, in the order a page shows
// them.
var Labels = []Label{LabelConfirmed, LabelFalsePositive, LabelNeedsReview, LabelCleared}

// ParseLabel parses a label an investigator gives.
func ParseLabel(s string) (Label, error) {
	for _, l := range Labels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("%w: unknown label %q (want confirmed, false-positive, needs-review or cleared)", ErrBadQuery, s)
}

// Classes are the classes a verdict can have.
var Classes = []string{"store", "piracy-other", "music-legit", "other"}

// Limits on what is accepted from investigators.
const (
	MaxNoteLen     = 2000 // characters of a label note
	MaxReviewerLen = 100
)

// LabelEvent is one label given to a site: who, when, what and why.
type LabelEvent struct {
	ID       string    `json:"id"`
	Site     string    `json:"site"`
	Label    Label     `json:"label"`
	Reviewer string    `json:"reviewer"`
	Note     string    `json:"note,omitempty"`
	At       time.Time `json:"at"`
}

// Validate checks an event before it is published.
func (e *LabelEvent) Validate() error {
	if _, err := ParseLabel(string(e.Label)); err != nil {
		return err
	}
	switch {
	case e.ID == "" || len(e.ID) > 64:
		return fmt.Errorf("%w: label id must be 1-64 characters", ErrBadQuery)
	case !ValidSite(e.Site):
		return fmt.Errorf("%w: not a site name: %q", ErrBadQuery, e.Site)
	case strings.TrimSpace(e.Reviewer) == "" || len([]rune(e.Reviewer)) > MaxReviewerLen:
		return fmt.Errorf("%w: reviewer must be 1-%d characters", ErrBadQuery, MaxReviewerLen)
	case len([]rune(e.Note)) > MaxNoteLen:
		return fmt.Errorf("%w: note is %d characters, at most %d are kept", ErrBadQuery, len([]rune(e.Note)), MaxNoteLen)
	case e.At.IsZero():
		return fmt.Errorf("%w: label without a time", ErrBadQuery)
	}
	return nil
}

// AuditEntry is one label change, as the audit log keeps it: the event and
// the label the site had before it.
type AuditEntry struct {
	LabelEvent
	Previous Label  `json:"previous,omitempty"`
	Seq      uint64 `json:"seq"` // LABELS stream sequence

	key []byte // position in the audit log, for paging
}

// Site is one site as listings show it: its latest verdict without the
// evidence, and its current label.
type Site struct {
	Site         string    `json:"site"`
	Title        string    `json:"title,omitempty"`
	Class        string    `json:"class"`
	Flagged      bool      `json:"flagged"`
	StoreScore   float64   `json:"store_score"`
	RussiaScore  float64   `json:"russia_score"`
	HostingScore float64   `json:"hosting_score"`
	ContentScore float64   `json:"content_score"`
	PiracyScore  float64   `json:"piracy_score"`
	LegitScore   float64   `json:"legit_score"`
	Countries    []string  `json:"hosting_countries"`
	ASNs         []string  `json:"asns"`
	IPs          []string  `json:"ips"`
	Hosts        []string  `json:"hosts"`
	TrackerIDs   []string  `json:"tracker_ids"`
	Family       string    `json:"family,omitempty"`
	Pages        int       `json:"pages"`
	Version      int64     `json:"version"`
	Partition    int       `json:"partition"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	TopSignals   []string  `json:"top_signals"`
	// URL is the page of the site's strongest evidence, WARC the crawler's
	// record of it (when the crawler writes WARC files).
	URL   string      `json:"url,omitempty"`
	WARC  *WARCRef    `json:"warc,omitempty"`
	Label *LabelEvent `json:"label,omitempty"`
	// Match is the evidence snippet that matched a free-text query.
	Match *Evidence `json:"match,omitempty"`
}

// Evidence is one signal that fired for a site, with the text that fired it.
type Evidence struct {
	Signal  string    `json:"signal"`
	Axis    string    `json:"axis"`
	Weight  float64   `json:"weight"`
	Snippet string    `json:"snippet"`
	URL     string    `json:"url"`
	Seen    time.Time `json:"seen"`
	WARC    *WARCRef  `json:"warc,omitempty"` // the record of the page at URL
}

// WARCRef points at the WARC record the crawler wrote of a page's response:
// a file in the crawler's --warc-dir, the byte offset of the record (its
// gzip member) and its WARC-Record-ID, without the angle brackets.
type WARCRef struct {
	File     string `json:"file"`
	Offset   int64  `json:"offset"`
	RecordID string `json:"record_id"`
}

// String is the reference as one line: "file @ offset, record <id>".
func (w *WARCRef) String() string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf("%s @ %d, record <%s>", w.File, w.Offset, w.RecordID)
}

func warcFromProto(w *trawlpb.WarcRef) *WARCRef {
	if w == nil || w.GetFile() == "" {
		return nil
	}
	return &WARCRef{File: w.GetFile(), Offset: w.GetOffset(), RecordID: w.GetRecordId()}
}

// FamilyLink says why a site belongs with another one.
type FamilyLink struct {
	Site   string `json:"site"`
	Reason string `json:"reason"` // "ip", "tracker", "payment", "template"
	Value  string `json:"value"`
}

// HistoryEntry is one version of a site's verdict, without its evidence.
type HistoryEntry struct {
	Version      int64     `json:"version"`
	At           time.Time `json:"at"`
	Class        string    `json:"class"`
	Flagged      bool      `json:"flagged"`
	StoreScore   float64   `json:"store_score"`
	RussiaScore  float64   `json:"russia_score"`
	HostingScore float64   `json:"hosting_score"`
	ContentScore float64   `json:"content_score"`
	Pages        int       `json:"pages"`
	Signals      []string  `json:"signals"`
}

// Detail is everything known about one site.
type Detail struct {
	Site
	Evidence    []Evidence     `json:"evidence"`
	FamilyLinks []FamilyLink   `json:"family_links"`
	History     []HistoryEntry `json:"history"`
	Labels      []LabelEvent   `json:"labels"`
}

// Pivot is one attribute of a site and the other sites that share it.
type Pivot struct {
	Kind  string   `json:"kind"` // "ip", "tracker", "asn", "family"
	Value string   `json:"value"`
	Sites []string `json:"sites"` // other sites, at most the limit asked for
	More  bool     `json:"more"`  // more sites share it than are listed
}

// Pivot kinds.
const (
	PivotIP      = "ip"
	PivotTracker = "tracker"
	PivotASN     = "asn"
	PivotFamily  = "family"
)

// Stats are counts over the whole index.
type Stats struct {
	Sites       int64            `json:"sites"`
	Flagged     int64            `json:"flagged"`
	ToReview    int64            `json:"to_review"` // flagged, never labelled, or labelled needs-review
	Labelled    map[Label]int64  `json:"labelled"`
	Classes     map[string]int64 `json:"classes"`
	VerdictsSeq uint64           `json:"verdicts_seq"` // last VERDICTS sequence applied
	LabelsSeq   uint64           `json:"labels_seq"`
	Malformed   int64            `json:"malformed"` // stream messages that could not be read
}

// ValidSite accepts registrable domain names: letters of any script, digits,
// hyphens, dots, up to 253 characters (and IP addresses).
func ValidSite(s string) bool {
	if s == "" || len(s) > 253 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r == '.' || r == '-' || r == ':' || r == '_':
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z':
		case r > 127 && r != 0xfffd:
		default:
			return false
		}
	}
	return true
}

// NormalizeSite lower-cases a site name and drops surrounding space and a
// trailing dot.
func NormalizeSite(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// TLD returns the last label of a site name ("ru" for example.ru).
func TLD(site string) string {
	if i := strings.LastIndexByte(site, '.'); i >= 0 {
		return site[i+1:]
	}
	return ""
}

// ASNumber returns the "AS<n>" part of an ASN description such as
// "AS12345 Example Org", upper-cased; a bare number gets the prefix.
func ASNumber(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	s = strings.ToUpper(s)
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "AS" + s
	}
	return s
}
