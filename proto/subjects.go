package proto

import "strconv"

// Subject prefixes of Trawl v1. Partitioned subjects end in ".<p>".
const (
	SubjectSeed    = "trawl.v1.seed"
	SubjectLinks   = "trawl.v1.links"   // .<p>: crawler → frontier partition p
	SubjectFetch   = "trawl.v1.fetch"   // .<p>: frontier partition p → any crawler
	SubjectFetched = "trawl.v1.fetched" // .<p>: crawler → frontier partition p (outcomes)
	SubjectPage    = "trawl.v1.page"    // .<p>: crawler → classifier partition p
	SubjectVerdict = "trawl.v1.verdict" // classifier → read models
	SubjectFocus   = "trawl.v1.focus"   // .<p>: classifier → frontier partition p
	SubjectDead    = "trawl.v1.dead"    // .<stream>: dead letters
	SubjectLabel   = "trawl.v1.label"   // .<site>: investigators' labels
	SubjectControl = "trawl.v1.ctl"     // NATS micro control endpoints live below this
)

// Stream names.
const (
	StreamSeeds    = "SEEDS"
	StreamLinks    = "LINKS"
	StreamFetch    = "FETCH"
	StreamOutcomes = "OUTCOMES"
	StreamPages    = "PAGES"
	StreamVerdicts = "VERDICTS"
	StreamFocus    = "FOCUS"
	StreamDead     = "DEAD"
	StreamLabels   = "LABELS"
)

// Partitioned returns prefix + "." + p, the subject of partition p.
func Partitioned(prefix string, p int) string {
	return prefix + "." + strconv.Itoa(p)
}

// PartitionOfSubject returns the partition number that ends a partitioned
// subject, or -1 when the subject has none.
func PartitionOfSubject(subject string) int {
	for i := len(subject) - 1; i >= 0; i-- {
		if subject[i] == '.' {
			p, err := strconv.Atoi(subject[i+1:])
			if err != nil || p < 0 {
				return -1
			}
			return p
		}
	}
	return -1
}

// CrawlerDurable is the crawlers' shared consumer on FETCH; the frontier
// reads its backlog to pace its leases.
const CrawlerDurable = "crawler"
