// Package corpus is the classifier's labelled corpus: sites whose class
// and flag are known, to measure how the rules do (see "classifier eval").
//
// It has three parts:
//   - hand-written sites (sites/): stores in the AllofMP3 mould and the
//     decoys that resemble them (radio stations with ROMS licences, blogs
//     and news about AllofMP3, $0.99 stores, rouble streaming, labels,
//     shops of MP3 players, torrent trackers, free-download sites, and
//     other shops that sell cheap files for a balance), written in
//     English and Russian in wording of their own, some in windows-1251 or
//     KOI8-R, some on several pages;
//   - three held-out sets (holdout/, holdout2/, holdout3/), each written
//     before the rules were changed for the misses it revealed, to measure
//     how the rules do on wording they were not written for;
//   - simweb's generated sites, rendered in process (no network) and
//     labelled by simweb's ground truth.
//
// A hand-written site is a directory named after its domain, holding its
// pages (index.html is "/", a/b.html is "/a/b.html"), and a line of
// labels.tsv: domain, kind, class, flagged, IP address, family, note.
// IP addresses are real-world addresses whose country the embedded IP
// table knows; nothing is ever fetched.
//
// Simweb labels music blogs "music-legit"; the corpus follows the
// classifier's classes, where news and blogs are "other".
//
// Measured on each held-out set when it was first read (store class):
// holdout 6 of 8 stores found, holdout2 3 of 6, holdout3 3 of 5, with no
// decoy classed a store in any; every miss was a phrasing the rules did not
// know (a billing or format wording, a unit word, a brand name taken for a
// unit), and each was fixed by a general rule, not by the site's words.
// Since then all parts score 1.000; new wording remains the weak point.
package corpus
