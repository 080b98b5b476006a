package classifier_test

import (
	"fmt"
	"net/netip"
	"time"

	"trawl.dev/classifier"
)

// A one-page store on Russian hosting: the analyzer finds the signals, the
// site aggregates them, and scoring explains the verdict.
func Example() {
	a := &classifier.Analyzer{IPDB: classifier.Countries{netip.MustParsePrefix("127.0.1.0/24"): "RU"}}
	page := &classifier.Page{
		URL: "http://tunes.example/", Host: "tunes.example", Site: "tunes.example", IP: "127.0.1.5",
		Text: "Any track for $0.10 per track! Refill your balance via WebMoney. " +
			"Choose format: MP3, OGG, FLAC at 192 or 320 kbps.",
	}
	site := classifier.NewSite("tunes.example", 0)
	site.AddPage(page, a.Analyze(page), time.Now())
	v := classifier.DefaultScoring().Score(site)
	fmt.Println(v.Class, v.Flagged)
	for _, e := range v.Evidence {
		fmt.Printf("%-24s %.2f\n", e.Signal, e.Weight)
	}
	// Output:
	// store true
	// ru.hosting               0.60
	// price.per_track_low      0.55
	// format.picker            0.45
	// billing.prepaid_balance  0.40
	// ru.payment               0.40
	// format.list              0.15
}
