package classifier

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Registrars tells which registrar holds a site's domain: an operator's
// WHOIS extract, for the sites it covers.
type Registrars interface {
	Registrar(site string) (name string, ok bool)
}

// RegistrarMap is Registrars from a map of site to registrar name.
type RegistrarMap map[string]string

// Registrar implements Registrars.
func (m RegistrarMap) Registrar(site string) (string, bool) {
	r, ok := m[NormalizeSite(site)]
	return r, ok && r != ""
}

// ReadRegistrars reads "domain<TAB>registrar" lines (a WHOIS extract; "#"
// starts a comment). It returns the map and an error for each line it
// could not use.
func ReadRegistrars(r io.Reader) (RegistrarMap, []error) {
	m := make(RegistrarMap)
	var bad []error
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		site, name, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(site) == "" || strings.TrimSpace(name) == "" {
			bad = append(bad, fmt.Errorf("line %d: want domain<TAB>registrar, got %q", n, line))
			continue
		}
		m[NormalizeSite(site)] = strings.TrimSpace(name)
	}
	if err := sc.Err(); err != nil {
		bad = append(bad, err)
	}
	return m, bad
}

// russianRegistrars are the registrars accredited for .ru that hold most
// Russian domains, by the words of their WHOIS names.
var russianRegistrars = []string{"ru-center", "rucenter", "nic.ru", "regru", "reg.ru", "r01", "webnames",
	"naunet", "domenus", "salenames", "2domains", "beget", "timeweb", "masterhost", "registrar of domain names reg.ru",
	"rd-ru", "regtime", "ardis", "fastvps", "garant-park", "mastername", "domaininfo", "majordomo", "jino"}

// RussianRegistrar reports whether a registrar's name is one of the
// Russian registrars.
func RussianRegistrar(name string) bool {
	n := strings.ToLower(name)
	for _, r := range russianRegistrars {
		if strings.Contains(n, r) {
			return true
		}
	}
	return false
}

func detectRegistrar(d *Doc) (string, bool) {
	if d.registrar == "" || !RussianRegistrar(d.registrar) {
		return "", false
	}
	return "registrar of " + d.Page.Site + ": " + d.registrar, true
}
