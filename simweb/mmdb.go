package simweb

import (
	"fmt"
	"net"
	"os"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// WriteMMDB writes a GeoLite2-Country-shaped MaxMind database mapping each site IP (as a /32) to its
// hosting country: country.iso_code, country.names.en and registered_country.iso_code.
func (w *Web) WriteMMDB(path string) error {
	return w.writeMMDB(path, "GeoLite2-Country", func(s *Site) mmdbtype.Map {
		c := mmdbtype.Map{
			"iso_code": mmdbtype.String(s.Country),
			"names":    mmdbtype.Map{"en": mmdbtype.String(countryByCode(s.Country).name)},
		}
		return mmdbtype.Map{"country": c, "registered_country": c}
	})
}

// WriteASNMMDB writes a GeoLite2-ASN-shaped MaxMind database mapping each site IP (as a /32) to
// autonomous_system_number and autonomous_system_organization.
func (w *Web) WriteASNMMDB(path string) error {
	return w.writeMMDB(path, "GeoLite2-ASN", func(s *Site) mmdbtype.Map {
		return mmdbtype.Map{
			"autonomous_system_number":       mmdbtype.Uint32(s.ASN),
			"autonomous_system_organization": mmdbtype.String(s.ASOrg),
		}
	})
}

func (w *Web) writeMMDB(path, dbType string, record func(*Site) mmdbtype.Map) error {
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		Description:             map[string]string{"en": "simweb synthetic " + dbType},
		Languages:               []string{"en"},
		IncludeReservedNetworks: true,
		RecordSize:              24,
	})
	if err != nil {
		return fmt.Errorf("simweb: write %s: %w", path, err)
	}
	done := make(map[[4]byte]bool)
	for i := range w.sites {
		s := &w.sites[i]
		ip4 := s.IP.As4()
		if done[ip4] {
			continue
		}
		done[ip4] = true
		network := &net.IPNet{IP: net.IP(ip4[:]), Mask: net.CIDRMask(32, 32)}
		if err := tree.Insert(network, record(s)); err != nil {
			return fmt.Errorf("simweb: write %s: insert %s: %w", path, s.IP, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("simweb: write %s: %w", path, err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("simweb: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("simweb: write %s: %w", path, err)
	}
	return nil
}
