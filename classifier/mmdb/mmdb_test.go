package mmdb_test

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"trawl.dev/classifier"
	"trawl.dev/classifier/mmdb"
)

// writeDB writes a MaxMind database mapping networks to records.
func writeDB(tb testing.TB, dbType string, records map[string]mmdbtype.Map) string {
	tb.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IncludeReservedNetworks: true, RecordSize: 24})
	if err != nil {
		tb.Fatal(err)
	}
	for cidr, rec := range records {
		_, network, err := net.ParseCIDR(cidr)
		if err != nil {
			tb.Fatal(err)
		}
		if err := tree.Insert(network, rec); err != nil {
			tb.Fatalf("insert %s: %v", cidr, err)
		}
	}
	path := filepath.Join(tb.TempDir(), dbType+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func country(cc string) mmdbtype.Map {
	return mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(cc)}}
}

func TestCountries(t *testing.T) {
	path := writeDB(t, "GeoLite2-Country", map[string]mmdbtype.Map{
		"127.0.1.0/24": country("RU"),
		"127.0.2.0/24": country("DE"),
		"127.0.3.0/24": {"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String("NL")}},
	})
	db, err := mmdb.OpenCountries(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var _ classifier.IPDB = db
	tests := []struct {
		ip     string
		want   string
		wantOK bool
	}{
		{"127.0.1.7", "RU", true},
		{"127.0.2.200", "DE", true},
		{"127.0.3.1", "NL", true},
		{"::ffff:127.0.1.7", "RU", true},
		{"127.0.9.1", "", false},
	}
	for _, tc := range tests {
		got, ok := db.Country(netip.MustParseAddr(tc.ip))
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("Country(%s) = %q, %v; want %q, %v", tc.ip, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestNetworks(t *testing.T) {
	path := writeDB(t, "GeoLite2-ASN", map[string]mmdbtype.Map{
		"127.0.1.0/24": {"autonomous_system_number": mmdbtype.Uint32(64500),
			"autonomous_system_organization": mmdbtype.String("Example Hosting LLC")},
	})
	db, err := mmdb.OpenNetworks(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	got, ok := db.ASN(netip.MustParseAddr("127.0.1.9"))
	if want := (classifier.ASN{Number: 64500, Organization: "Example Hosting LLC"}); !ok || got != want {
		t.Errorf("ASN(127.0.1.9) = %+v, %v; want %+v, true", got, ok, want)
	}
	if got.String() != "AS64500 Example Hosting LLC" {
		t.Errorf("String() = %q, want %q", got.String(), "AS64500 Example Hosting LLC")
	}
	if _, ok := db.ASN(netip.MustParseAddr("127.0.2.9")); ok {
		t.Errorf("ASN(127.0.2.9): got ok, want not found")
	}
}

func TestOpenMissingFile(t *testing.T) {
	if _, err := mmdb.OpenCountries(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("OpenCountries of a missing file: got nil error")
	}
}

// The analyzer reports hosting from an mmdb database, with its network.
func TestAnalyzerWithMMDB(t *testing.T) {
	countries, err := mmdb.OpenCountries(writeDB(t, "GeoLite2-Country", map[string]mmdbtype.Map{"127.0.1.0/24": country("RU")}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { countries.Close() })
	networks, err := mmdb.OpenNetworks(writeDB(t, "GeoLite2-ASN", map[string]mmdbtype.Map{
		"127.0.0.0/16": {"autonomous_system_number": mmdbtype.Uint32(64501), "autonomous_system_organization": mmdbtype.String("Loop Net")},
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { networks.Close() })
	a := &classifier.Analyzer{IPDB: countries, ASNDB: networks}
	an := a.Analyze(&classifier.Page{URL: "http://x.test/", Host: "x.test", Site: "x.test", IP: "127.0.1.5"})
	if an.Country != "RU" || an.Network != "AS64501 Loop Net" {
		t.Errorf("got country %q network %q, want RU and AS64501 Loop Net", an.Country, an.Network)
	}
	found := false
	for _, h := range an.Hits {
		if h.Signal == "ru.hosting" {
			found = true
			if h.Snippet != "IP 127.0.1.5 is in RU (AS64501 Loop Net)" {
				t.Errorf("got snippet %q", h.Snippet)
			}
		}
	}
	if !found {
		t.Error("ru.hosting did not fire")
	}
}
