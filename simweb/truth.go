package simweb

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"golang.org/x/net/publicsuffix"
)

// Truth is one line of the truth file: the ground truth about one site.
type Truth struct {
	Host    string `json:"host"`
	Site    string `json:"site"` // registrable domain (eTLD+1) of Host
	IP      string `json:"ip"`
	Country string `json:"country"`
	Kind    string `json:"kind"`
	Class   string `json:"class"`
	Flagged bool   `json:"flagged"`
	Charset string `json:"charset"`
	Depth   int    `json:"depth"`
}

// Truth returns the truth record of the site.
func (s Site) Truth() Truth {
	site, err := publicsuffix.EffectiveTLDPlusOne(s.Host)
	if err != nil {
		site = s.Host
	}
	return Truth{Host: s.Host, Site: site, IP: s.IP.String(), Country: s.Country, Kind: s.Kind.String(),
		Class: s.Class, Flagged: s.Flagged, Charset: s.Charset, Depth: s.Depth}
}

// WriteTruth writes one JSON object per site, in site order (JSON Lines).
func (w *Web) WriteTruth(out io.Writer) error {
	bw := bufio.NewWriter(out)
	enc := json.NewEncoder(bw)
	for i := range w.sites {
		if err := enc.Encode(w.sites[i].Truth()); err != nil {
			return fmt.Errorf("simweb: write truth: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("simweb: write truth: %w", err)
	}
	return nil
}
