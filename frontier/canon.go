package frontier

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxURLLength is the longest canonical URL the frontier accepts, in bytes.
// Longer URLs are almost always traps (session IDs, calendars, echoed paths).
const MaxURLLength = 2048

// maxInputLength bounds the work done on hostile input before the canonical
// length is known: percent-decoding can shrink a URL at most threefold.
const maxInputLength = 3 * MaxURLLength

// Canonicalize returns the canonical form of an absolute http or https URL,
// the form the frontier hashes into its seen set. It
//   - strips leading and trailing spaces and control characters, and removes
//     TAB, CR and LF anywhere;
//   - assumes http:// when there is no scheme ("www.example.com/a") and
//     rejects any scheme other than http and https with ErrScheme;
//   - drops the user information and the fragment;
//   - decodes the host's percent-escapes, lower-cases it, converts an IDN to
//     punycode, collapses and trims dots, turns numeric IPv4 forms
//     ("3279880203", "0x7f.1") into dotted quads and brackets IPv6 in its
//     RFC 5952 form; a host that is none of these is ErrHost;
//   - removes the default port (80, 443) and keeps any other;
//   - normalises percent-encoding in the path and query (RFC 3986 §6.2.2):
//     escapes of unreserved characters are decoded, other escapes get
//     upper-case hex, a stray '%' becomes %25, and spaces, controls,
//     non-ASCII bytes and characters not allowed raw are escaped;
//   - resolves dot-segments, turns '\' into '/' in the path, merges
//     repeated slashes, and makes an empty path "/";
//   - keeps the query as it is otherwise: its case, its order, an empty "?".
//
// Unlike Safe Browsing's canonicaliser it does not unescape repeatedly
// ("%2525" stays "%2525": a server sees a different URL than "%25") and it
// keeps non-default ports (they are different servers). A result longer than
// MaxURLLength is ErrTooLong. Canonicalize is idempotent.
func Canonicalize(raw string) (string, error) {
	s, err := clean(raw)
	if err != nil {
		return "", err
	}
	scheme, rest, ok := splitScheme(s)
	switch {
	case !ok:
		if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
			return "", fmt.Errorf("%w: %.80q", ErrNoHost, raw)
		}
		scheme, rest = "http", s
	case scheme != "http" && scheme != "https":
		if !isPort(rest) {
			return "", fmt.Errorf("%w: %.80q", ErrScheme, raw)
		}
		// "example.com:8080/path" is a host and a port, not a scheme.
		scheme, rest = "http", s
	}
	return build(scheme, rest, raw)
}

// Resolve resolves ref, a link found on the page at base, and returns its
// canonical form. A ref with a scheme other than http or https is ErrScheme;
// an empty ref or a bare fragment resolves to base itself.
func Resolve(base, ref string) (string, error) {
	r, err := clean(ref)
	if err != nil && err != ErrEmpty {
		return "", err
	}
	if scheme, rest, ok := splitScheme(r); ok {
		if scheme != "http" && scheme != "https" {
			return "", fmt.Errorf("%w: %.80q", ErrScheme, ref)
		}
		if strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, `\`) {
			return build(scheme, rest, ref)
		}
		// "http:page.html" is relative when the base has the same scheme.
		if !strings.HasPrefix(base, scheme+":") {
			return build(scheme, rest, ref)
		}
		r = rest
	}
	b, err := Canonicalize(base)
	if err != nil {
		return "", fmt.Errorf("frontier: resolve against base: %w", err)
	}
	scheme, _, _ := strings.Cut(b, "://")
	origin := b[:len(scheme)+3+strings.IndexByte(b[len(scheme)+3:], '/')]
	path, _, _ := strings.Cut(b[len(origin):], "?")
	switch {
	case r == "" || r[0] == '#':
		return b, nil
	case strings.HasPrefix(r, "//") || strings.HasPrefix(r, `\\`) ||
		strings.HasPrefix(r, `/\`) || strings.HasPrefix(r, `\/`):
		return build(scheme, r, ref)
	case r[0] == '/' || r[0] == '\\':
		return build(scheme, origin[len(scheme)+1:]+r, ref)
	case r[0] == '?':
		return build(scheme, origin[len(scheme)+1:]+path+r, ref)
	default:
		dir := path[:strings.LastIndexByte(path, '/')+1]
		return build(scheme, origin[len(scheme)+1:]+dir+r, ref)
	}
}

// HostOf returns the host (with its port, if any) of a canonical URL: the
// unit of politeness.
func HostOf(canonical string) string {
	_, rest, ok := strings.Cut(canonical, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// clean applies the whitespace rules and the input length bound.
func clean(raw string) (string, error) {
	if len(raw) > maxInputLength {
		return "", fmt.Errorf("%w: %d bytes", ErrTooLong, len(raw))
	}
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(s)
	}
	if s == "" {
		return "", ErrEmpty
	}
	return s, nil
}

// splitScheme splits "scheme:rest" and lower-cases the scheme. ok is false
// when s does not start with a syntactically valid scheme.
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// isPort reports whether rest, what follows "name:", starts with a port
// number that ends the authority.
func isPort(rest string) bool {
	i := 0
	for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
		i++
	}
	return i > 0 && (i == len(rest) || strings.IndexByte(`/?#\`, rest[i]) >= 0)
}

// build canonicalises rest, what follows "scheme:", which holds the
// authority (after any slashes), path, query and fragment.
func build(scheme, rest, raw string) (string, error) {
	rest = strings.TrimLeft(rest, `/\`)
	end := strings.IndexAny(rest, `/\?#`)
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	rest, _, _ = strings.Cut(rest, "#")
	path, query, hasQuery := strings.Cut(rest, "?")

	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	hostPart, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		hostPart, port = authority[:i], authority[i+1:]
	}
	host, err := canonHost(hostPart)
	if err != nil {
		return "", fmt.Errorf("%w: %.80q", err, raw)
	}
	port, err = canonPort(scheme, port)
	if err != nil {
		return "", fmt.Errorf("%w: %.80q", err, raw)
	}

	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(host) + len(port) + 1 + len(path) + 1 + len(query))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(canonPath(path))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(escape(query, inQuery))
	}
	if b.Len() > MaxURLLength {
		return "", fmt.Errorf("%w: %d bytes", ErrTooLong, b.Len())
	}
	return b.String(), nil
}

func canonPort(scheme, port string) (string, error) {
	if port == "" {
		return "", nil
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 || port[0] == '+' {
		return "", ErrPort
	}
	if scheme == "http" && n == 80 || scheme == "https" && n == 443 {
		return "", nil
	}
	return strconv.FormatUint(n, 10), nil
}

// lookup converts international domain names to punycode.
var lookup = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

func canonHost(h string) (string, error) {
	h = unescapeAll(h)
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return "", ErrHost
		}
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", ErrHost
		}
		return "[" + a.String() + "]", nil
	}
	h = trimDots(h)
	if h == "" {
		return "", ErrNoHost
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		h = strings.ToLower(h)
	} else {
		if !utf8.ValidString(h) {
			return "", ErrHost
		}
		a, err := lookup.ToASCII(h)
		if err != nil {
			return "", ErrHost
		}
		h = trimDots(strings.ToLower(a))
		if h == "" {
			return "", ErrNoHost
		}
	}
	if ip, isIP, err := parseIPv4(h); err != nil {
		return "", err
	} else if isIP {
		return ip, nil
	}
	if len(h) > 253 {
		return "", ErrHost
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			label = 0
			continue
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return "", ErrHost
		}
		if label++; label > 63 {
			return "", ErrHost
		}
	}
	return h, nil
}

// trimDots removes leading and trailing dots and merges repeated ones.
func trimDots(h string) string {
	h = strings.Trim(h, ".")
	for strings.Contains(h, "..") {
		h = strings.ReplaceAll(h, "..", ".")
	}
	return h
}

// parseIPv4 parses the IPv4 forms browsers accept: one to four parts, each
// decimal, octal (leading 0) or hex (0x). A host whose last label is a number
// must be an address.
func parseIPv4(h string) (string, bool, error) {
	parts := strings.Split(h, ".")
	if _, ok := ipv4Part(parts[len(parts)-1]); !ok && !isDigits(parts[len(parts)-1]) {
		return "", false, nil
	}
	if len(parts) > 4 {
		return "", false, ErrHost
	}
	var n uint64
	for i, p := range parts {
		v, ok := ipv4Part(p)
		if !ok {
			return "", false, ErrHost
		}
		if i < len(parts)-1 {
			if v > 255 {
				return "", false, ErrHost
			}
			n = n<<8 | v
			continue
		}
		bits := uint(8 * (5 - len(parts)))
		if v >= 1<<bits {
			return "", false, ErrHost
		}
		n = n<<bits | v
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String(), true, nil
}

func ipv4Part(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	if p[0] == '+' || p[0] == '-' {
		return 0, false
	}
	v, err := strconv.ParseUint(p, base, 64)
	return v, err == nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// canonPath normalises escapes, turns '\' into '/', resolves dot-segments
// and merges repeated slashes.
func canonPath(p string) string {
	p = escape(strings.ReplaceAll(p, `\`, "/"), inPath)
	if p == "" || p == "/" {
		return "/"
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case "":
			if !last {
				continue
			}
			out = append(out, s)
			continue
		default:
			out = append(out, s)
			continue
		}
		if last {
			out = append(out, "")
		}
	}
	return "/" + strings.Join(out, "/")
}

type component int

const (
	inPath component = iota
	inQuery
)

// escape normalises percent-encoding in a path or query.
func escape(s string, c component) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(v) {
				b.WriteByte(v)
			} else {
				writeEscape(&b, v)
			}
			i += 2
		case ch == '%':
			b.WriteString("%25")
		case unreserved(ch), strings.IndexByte("!$&'()*+,;=:@/", ch) >= 0, c == inQuery && ch == '?':
			b.WriteByte(ch)
		default:
			writeEscape(&b, ch)
		}
	}
	return b.String()
}

// unescapeAll decodes every valid percent-escape (used for hosts).
func unescapeAll(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

func writeEscape(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('%')
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&15])
}
