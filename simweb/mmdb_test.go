package simweb_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"

	"trawl.dev/simweb"
)

func TestMMDB(t *testing.T) {
	w := simweb.Generate(simweb.Options{Sites: 300, Seed: 6})
	dir := t.TempDir()
	country, asn := filepath.Join(dir, "country.mmdb"), filepath.Join(dir, "asn.mmdb")
	if err := w.WriteMMDB(country); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteASNMMDB(asn); err != nil {
		t.Fatal(err)
	}
	cdb, err := maxminddb.Open(country)
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	adb, err := maxminddb.Open(asn)
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	if got := cdb.Metadata.DatabaseType; got != "GeoLite2-Country" {
		t.Errorf("got database type %q, want GeoLite2-Country", got)
	}
	for _, s := range w.Sites()[:100] {
		var c struct {
			Country struct {
				ISOCode string            `maxminddb:"iso_code"`
				Names   map[string]string `maxminddb:"names"`
			} `maxminddb:"country"`
			Registered struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"registered_country"`
		}
		if err := cdb.Lookup(s.IP).Decode(&c); err != nil {
			t.Fatalf("lookup %s: %v", s.IP, err)
		}
		if c.Country.ISOCode != s.Country || c.Registered.ISOCode != s.Country || c.Country.Names["en"] == "" {
			t.Errorf("%s (%s): got %+v, want country %s", s.Host, s.IP, c, s.Country)
		}
		var a struct {
			Number uint32 `maxminddb:"autonomous_system_number"`
			Org    string `maxminddb:"autonomous_system_organization"`
		}
		if err := adb.Lookup(s.IP).Decode(&a); err != nil {
			t.Fatalf("lookup %s: %v", s.IP, err)
		}
		if a.Number != s.ASN || a.Org != s.ASOrg {
			t.Errorf("%s (%s): got AS%d %q, want AS%d %q", s.Host, s.IP, a.Number, a.Org, s.ASN, s.ASOrg)
		}
	}
	if r := cdb.Lookup(netipMust("127.0.0.1")); r.Found() {
		t.Errorf("127.0.0.1: got a record, want none")
	}
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
