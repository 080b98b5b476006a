package pagefile

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strings"

	"golang.org/x/net/idna"
)

// pageExts are the extensions a saved page's file name may end in; they
// are not part of the domain.
var pageExts = []string{".gz", ".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp", ".txt"}

// Domain returns the host a saved page's file name names: "allofmp3.com",
// "allofmp3.com.html", "музыка.рф.htm.gz" (as xn--80aqfdcfj.xn--p1ai).
func Domain(fileName string) (string, error) {
	name := strings.ToLower(filepath.Base(fileName))
	for changed := true; changed; {
		changed = false
		for _, ext := range pageExts {
			if strings.HasSuffix(name, ext) && len(name) > len(ext) {
				name, changed = strings.TrimSuffix(name, ext), true
			}
		}
	}
	name = strings.TrimSuffix(name, ".")
	host, err := idna.Lookup.ToASCII(name)
	if err != nil || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") {
		return "", fmt.Errorf("%w: %q", ErrBadName, filepath.Base(fileName))
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host, nil
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%w: %q", ErrBadName, filepath.Base(fileName))
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return "", fmt.Errorf("%w: %q", ErrBadName, filepath.Base(fileName))
			}
		}
	}
	return host, nil
}

// ReadIPs reads "domain<TAB>ip" lines (blank lines and "#" comments are
// skipped; spaces may stand for the tab). It returns the addresses by host
// and an error for each line it could not use, with its number.
func ReadIPs(r io.Reader) (map[string]string, []error) {
	ips := make(map[string]string)
	var bad []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			bad = append(bad, fmt.Errorf("line %d: want domain<TAB>ip, got %q", n, line))
			continue
		}
		host, err := Domain(f[0])
		if err != nil {
			bad = append(bad, fmt.Errorf("line %d: %v", n, err))
			continue
		}
		ip, err := netip.ParseAddr(f[1])
		if err != nil {
			bad = append(bad, fmt.Errorf("line %d: %q is not an IP address", n, f[1]))
			continue
		}
		ips[host] = ip.String()
	}
	if err := sc.Err(); err != nil {
		bad = append(bad, fmt.Errorf("read: %w", err))
	}
	return ips, bad
}
