package fault

import (
	"fmt"
	"slices"
	"sort"
)

// Comparison says how a disturbed crawl differs from an undisturbed one.
type Comparison struct {
	CalmPages, Pages int      // distinct pages fetched
	Lost             []string // fetched undisturbed, never when disturbed
	Extra            []string // fetched only when disturbed
	Duplicates       int      // fetches beyond the undisturbed run's count of the same page
	Fetches          int      // all fetches of the disturbed run
	SameFlagged      bool
	CalmFlagged      []string
	Flagged          []string
	// CalmTrapPages and TrapPages count the endless-trap pages each crawl
	// fetched; they are reported, not compared (see Result.TrapRequests).
	CalmTrapPages, TrapPages int
}

// DuplicateRate is Duplicates over Fetches.
func (c Comparison) DuplicateRate() float64 {
	if c.Fetches == 0 {
		return 0
	}
	return float64(c.Duplicates) / float64(c.Fetches)
}

// SameFetched reports whether both crawls fetched the same set of pages.
func (c Comparison) SameFetched() bool { return len(c.Lost) == 0 && len(c.Extra) == 0 }

// Compare compares a disturbed crawl with an undisturbed one.
func Compare(calm, disturbed Result) Comparison {
	c := Comparison{CalmPages: calm.Pages(), Pages: disturbed.Pages(),
		CalmFlagged: calm.Flagged, Flagged: disturbed.Flagged,
		SameFlagged:   slices.Equal(calm.Flagged, disturbed.Flagged),
		CalmTrapPages: len(calm.TrapRequests), TrapPages: len(disturbed.TrapRequests)}
	for k, n := range disturbed.Requests {
		c.Fetches += n
		want, ok := calm.Requests[k]
		if !ok {
			c.Extra = append(c.Extra, k)
			continue
		}
		if n > want {
			c.Duplicates += n - want
		}
	}
	for k := range calm.Requests {
		if _, ok := disturbed.Requests[k]; !ok {
			c.Lost = append(c.Lost, k)
		}
	}
	sort.Strings(c.Lost)
	sort.Strings(c.Extra)
	return c
}

// String is a one-paragraph report.
func (c Comparison) String() string {
	return fmt.Sprintf("pages: undisturbed %d, disturbed %d, lost %d, extra %d; same fetched set: %v; "+
		"duplicate fetches %d of %d (%.3f%%); flagged: undisturbed %d, disturbed %d, same: %v; "+
		"endless-trap pages (not compared): undisturbed %d, disturbed %d",
		c.CalmPages, c.Pages, len(c.Lost), len(c.Extra), c.SameFetched(), c.Duplicates, c.Fetches,
		100*c.DuplicateRate(), len(c.CalmFlagged), len(c.Flagged), c.SameFlagged, c.CalmTrapPages, c.TrapPages)
}
