// Package mmdb reads operator-supplied MaxMind-format databases with
// github.com/oschwald/maxminddb-golang/v2: a country database shaped like
// GeoLite2-Country (country.iso_code, falling back to
// registered_country.iso_code) and an ASN database shaped like GeoLite2-ASN
// (autonomous_system_number, autonomous_system_organization).
//
// The files are memory-mapped; Close them when done.
package mmdb

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"

	"trawl.dev/classifier"
)

// Countries is a country database.
type Countries struct {
	path string
	r    *maxminddb.Reader
}

// OpenCountries opens a country database.
func OpenCountries(path string) (*Countries, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mmdb: open country database %s: %w", path, err)
	}
	return &Countries{path: path, r: r}, nil
}

type countryRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

// Country implements classifier.IPDB.
func (c *Countries) Country(ip netip.Addr) (string, bool) {
	var rec countryRecord
	res := c.r.Lookup(ip.Unmap())
	if !res.Found() || res.Decode(&rec) != nil {
		return "", false
	}
	cc := rec.Country.ISOCode
	if cc == "" {
		cc = rec.RegisteredCountry.ISOCode
	}
	return strings.ToUpper(cc), cc != ""
}

// Close unmaps the file.
func (c *Countries) Close() error {
	if err := c.r.Close(); err != nil {
		return fmt.Errorf("mmdb: close %s: %w", c.path, err)
	}
	return nil
}

// Networks is an autonomous-system database.
type Networks struct {
	path string
	r    *maxminddb.Reader
}

// OpenNetworks opens an ASN database.
func OpenNetworks(path string) (*Networks, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mmdb: open ASN database %s: %w", path, err)
	}
	return &Networks{path: path, r: r}, nil
}

type asnRecord struct {
	Number       uint32 `maxminddb:"autonomous_system_number"`
	Organization string `maxminddb:"autonomous_system_organization"`
}

// ASN implements classifier.ASNDB.
func (n *Networks) ASN(ip netip.Addr) (classifier.ASN, bool) {
	var rec asnRecord
	res := n.r.Lookup(ip.Unmap())
	if !res.Found() || res.Decode(&rec) != nil || rec.Number == 0 {
		return classifier.ASN{}, false
	}
	return classifier.ASN{Number: rec.Number, Organization: rec.Organization}, true
}

// Close unmaps the file.
func (n *Networks) Close() error {
	if err := n.r.Close(); err != nil {
		return fmt.Errorf("mmdb: close %s: %w", n.path, err)
	}
	return nil
}

var (
	_ classifier.IPDB  = (*Countries)(nil)
	_ classifier.ASNDB = (*Networks)(nil)
)
