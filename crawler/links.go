package crawler

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// normalizeLink puts an absolute http(s) link in the form the crawler
// publishes: an internationalised host name in its ASCII (punycode) form,
// and session IDs taken out of the path and query, so that one page is one
// URL however many visitors' sessions link to it. It reports false for a
// link that cannot be fetched (a host IDNA refuses).
func normalizeLink(u *url.URL) bool {
	host := u.Hostname()
	if !isASCII(host) {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil || ascii == "" {
			return false
		}
		if port := u.Port(); port != "" {
			u.Host = net.JoinHostPort(ascii, port)
		} else {
			u.Host = ascii
		}
	}
	if strings.IndexByte(u.Path, ';') >= 0 {
		u.Path, u.RawPath = stripPathSession(u.Path), ""
	}
	if u.RawQuery != "" {
		u.RawQuery = stripQuerySession(u.RawQuery)
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// sessionKeys are query parameters that only ever carry a session.
var sessionKeys = map[string]bool{
	"phpsessid": true, "jsessionid": true, "sessionid": true, "session_id": true, "sessid": true,
	"sess_id": true, "oscsid": true, "zenid": true, "cfid": true, "cftoken": true, "aspsessionid": true,
	"sid": false, "s": false, "sess": false, // only with a token-like value
}

// isSessionParam reports whether key=value is a session ID.
func isSessionParam(key, value string) bool {
	key = strings.ToLower(key)
	strong, ok := sessionKeys[key]
	if !ok && strings.HasPrefix(key, "aspsessionid") {
		strong, ok = true, true
	}
	if !ok {
		return false
	}
	return strong || looksLikeToken(value)
}

// looksLikeToken: 16 or more hex digits, or 24 or more letters and digits.
func looksLikeToken(v string) bool {
	if len(v) < 16 || len(v) > 128 {
		return false
	}
	hex, alnum := true, true
	for i := 0; i < len(v); i++ {
		c := v[i]
		isHex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		isAlnum := isHex || c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z'
		hex = hex && isHex
		alnum = alnum && isAlnum
	}
	return hex || alnum && len(v) >= 24
}

// stripQuerySession drops session parameters, keeping the others as written.
func stripQuerySession(q string) string {
	if strings.IndexByte(q, '=') < 0 {
		return q
	}
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if !isSessionParam(k, v) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}

// stripPathSession drops ";jsessionid=..." style path parameters.
func stripPathSession(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		name, params, ok := strings.Cut(seg, ";")
		if !ok {
			continue
		}
		keep := []string{name}
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(param, "=")
			if !isSessionParam(k, v) {
				keep = append(keep, param)
			}
		}
		segs[i] = strings.Join(keep, ";")
	}
	return strings.Join(segs, "/")
}

// LinkRefused reports whether a link's host is one the policy would refuse
// whatever DNS says: an IP literal it refuses (including the legacy forms
// "0x7f000001" and "2130706433" some resolvers accept), or a localhost
// name (RFC 6761) when loopback is refused. Names that resolve to refused
// addresses are caught by the fetcher after resolution.
func (p AddrPolicy) LinkRefused(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if a, ok := parseIPLiteral(host); ok {
		return p.Check(a) != nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return p.Check(netip.MustParseAddr("127.0.0.1")) != nil
	}
	return false
}

// parseIPLiteral parses an IP address, or an IPv4 address in the legacy
// inet_aton forms: 1 to 4 parts, each decimal, octal (0...) or hex (0x...).
func parseIPLiteral(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" && base != 16 {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var ip uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		ip |= vals[i] << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	ip |= vals[last]
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}
