package proto

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// DefaultPartitions is the partition count of a new cluster.
const DefaultPartitions = 64

// ErrNoHost is returned for a URL without a host.
var ErrNoHost = errors.New("proto: url has no host")

// Site returns the registrable domain (eTLD+1 from the public suffix list) of
// host, lower-cased and without a port. An IP address, a bare public suffix
// or a single label is its own site.
func Site(host string) string {
	host = strings.ToLower(strings.TrimSuffix(hostOnly(host), "."))
	if host == "" {
		return ""
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return strings.Trim(host, "[]")
	}
	site, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return site
}

// SiteOfURL returns the site of a URL's host.
func SiteOfURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("proto: site of %q: %w", raw, err)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("proto: site of %q: %w", raw, ErrNoHost)
	}
	return Site(u.Hostname()), nil
}

// Partition returns the partition that owns site: FNV-1a 32 of the site name
// mod n. Every host of one site maps to the same partition.
func Partition(site string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(site))
	return int(h.Sum32() % uint32(n))
}

// PartitionOfHost is Partition(Site(host), n).
func PartitionOfHost(host string, n int) int {
	return Partition(Site(host), n)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
