// Package classifier decides whether a site is an AllofMP3-style music store
// linked to Russia, and explains every verdict with evidence.
//
// The model follows the public record of AllofMP3 (Mediaservices, Moscow) and
// its successors: prices by the megabyte or a few cents a track, albums for a
// dollar or two, a prepaid balance with top-up bonuses, a format and bitrate
// picker, a Western chart catalogue, and claims of legality through licences
// from the Russian collecting societies ROMS (РОМС) and FAIR (ФАИР) under the
// law of the Russian Federation. Russia linkage comes from hosting (an IP
// database), the domain, roubles, Russian payment systems and counters, and
// the Russian language.
//
// The package is pure: an Analyzer turns one Page into Hits of named Signals,
// a Site aggregates the hits of its pages, and Scoring turns a Site into a
// Verdict. Storage (bolt), transport (service) and the HTTP API (http) are
// adapters in subpackages; IP databases are behind the IPDB and ASNDB
// interfaces (iploc for the embedded default, mmdb for MaxMind files).
//
// Caveats: text matching is keyword and phrase based (English and Russian),
// so a determined site can evade it; weights are hand-set from the public
// record, not learned; sites are scored alone, without links between families
// of sites that share back ends.
package classifier
