package classifier

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// LabelKind is an investigator's decision about a site.
type LabelKind string

// The kinds of label.
const (
	LabelConfirmed     LabelKind = "confirmed"      // a Russia-linked store of the AllofMP3 kind
	LabelFalsePositive LabelKind = "false-positive" // flagged, but it is not one
	LabelNeedsReview   LabelKind = "needs-review"   // someone should look
	LabelCleared       LabelKind = "cleared"        // looked at: not a store of interest
)

// ParseLabelKind parses a label name.
func ParseLabelKind(s string) (LabelKind, error) {
	switch k := LabelKind(strings.ToLower(strings.TrimSpace(s))); k {
	case LabelConfirmed, LabelFalsePositive, LabelNeedsReview, LabelCleared:
		return k, nil
	}
	return "", fmt.Errorf("%w: unknown label %q (want confirmed, false-positive, needs-review or cleared)", ErrInvalidLabel, s)
}

// Store reports what the label says about the site: true when it is a
// store that should be flagged, false when it should not be, and decided
// false for needs-review, which says neither.
func (k LabelKind) Store() (store, decided bool) {
	switch k {
	case LabelConfirmed:
		return true, true
	case LabelFalsePositive, LabelCleared:
		return false, true
	}
	return false, false
}

// Label is one investigator's decision about a site.
type Label struct {
	ID       string    `json:"id"` // unique per label event
	Site     string    `json:"site"`
	Kind     LabelKind `json:"label"`
	Reviewer string    `json:"reviewer,omitempty"`
	Note     string    `json:"note,omitempty"`
	Created  time.Time `json:"created"`
}

// MaxLabels is how many labels a site keeps; older ones are dropped.
const MaxLabels = 50

// Validate reports whether l can be stored.
func (l *Label) Validate() error {
	if l.ID == "" {
		return fmt.Errorf("%w: no id", ErrInvalidLabel)
	}
	if l.Site == "" {
		return fmt.Errorf("%w: %s: no site", ErrInvalidLabel, l.ID)
	}
	if _, err := ParseLabelKind(string(l.Kind)); err != nil {
		return fmt.Errorf("%s: %w", l.ID, err)
	}
	return nil
}

// AddLabel adds l to a site's labels unless a label with its ID is there
// already (a redelivered label changes nothing). Labels are kept in the
// order they were made, at most MaxLabels. It reports whether l was added.
func AddLabel(labels []Label, l Label) ([]Label, bool) {
	for _, have := range labels {
		if have.ID == l.ID {
			return labels, false
		}
	}
	labels = append(labels, l)
	sort.SliceStable(labels, func(i, j int) bool {
		if !labels[i].Created.Equal(labels[j].Created) {
			return labels[i].Created.Before(labels[j].Created)
		}
		return labels[i].ID < labels[j].ID
	})
	if len(labels) > MaxLabels {
		labels = labels[len(labels)-MaxLabels:]
	}
	return labels, true
}

// CurrentLabel returns the latest label, which is the one in force.
func CurrentLabel(labels []Label) (Label, bool) {
	if len(labels) == 0 {
		return Label{}, false
	}
	return labels[len(labels)-1], true
}
