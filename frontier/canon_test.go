package frontier_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"trawl.dev/frontier"
)

// peersCases is /work/shared/peers/url_canon_cases.json, read relative to the
// repository (shared/ sits beside the project root).
const peersCases = "../../shared/peers/url_canon_cases.json"

// safeBrowsingDiffs lists the Safe Browsing cases where Canonicalize differs
// on purpose. want is our result; an empty want means the error wantErr.
var safeBrowsingDiffs = map[string]struct {
	want    string
	wantErr error
	why     string
}{
	"http://host/%25%32%35": {want: "http://host/%2525",
		why: "no repeated unescaping: %25 is a literal '%' the server sees; only escapes of unreserved characters (%32='2', %35='5') are decoded (RFC 3986 §6.2.2.2)"},
	"http://host/%25%32%35%25%32%35": {want: "http://host/%2525%2525",
		why: "same: no repeated unescaping"},
	"http://host/%2525252525252525": {want: "http://host/%2525252525252525",
		why: "same: '%25' followed by '25...' is a different resource from '%'"},
	"http://host/asdf%25%32%35asd": {want: "http://host/asdf%2525asd",
		why: "same: no repeated unescaping"},
	"http://host/%%%25%32%35asd%%": {want: "http://host/%25%25%2525asd%25%25",
		why: "same: stray '%' becomes %25 as in Safe Browsing, but %25 is not unescaped again"},
	"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B": {wantErr: frontier.ErrHost,
		why: "'#' cannot be in a host name: DNS would never resolve it, so the URL is refused instead of fetched"},
	"http://www.gotaport.com:1234/": {want: "http://www.gotaport.com:1234/",
		why: "a non-default port is a different server (and simweb serves sites on their own ports); only :80/:443 are dropped"},
	"http:// leadingspace.com/": {wantErr: frontier.ErrHost,
		why: "a space cannot be in a host name; refused instead of escaped"},
	"http://%20leadingspace.com/": {wantErr: frontier.ErrHost,
		why: "same: %20 decodes to a space in the host"},
	"%20leadingspace.com/": {wantErr: frontier.ErrHost,
		why: "same, with the scheme assumed"},
}

func TestCanonicalizeSafeBrowsing(t *testing.T) {
	data, err := os.ReadFile(peersCases)
	if err != nil {
		t.Fatalf("read peers cases: %v", err)
	}
	var file struct {
		Count int `json:"count"`
		Cases []struct {
			In  string `json:"in"`
			Out string `json:"out"`
		} `json:"cases"`
		ByteLevel []struct {
			InHex string `json:"in_hex"`
			Out   string `json:"out"`
		} `json:"byte_level_cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("parse peers cases: %v", err)
	}
	if len(file.Cases) != file.Count || file.Count != 32 {
		t.Fatalf("got %d cases (count %d), want 32", len(file.Cases), file.Count)
	}
	used := 0
	for _, c := range file.Cases {
		t.Run(c.In, func(t *testing.T) {
			want, wantErr := c.Out, error(nil)
			if d, ok := safeBrowsingDiffs[c.In]; ok {
				used++
				want, wantErr = d.want, d.wantErr
			}
			got, err := frontier.Canonicalize(c.In)
			if wantErr != nil {
				if !errors.Is(err, wantErr) {
					t.Fatalf("Canonicalize(%q) = %q, %v; want error %v", c.In, got, err, wantErr)
				}
				return
			}
			if err != nil || got != want {
				t.Fatalf("Canonicalize(%q) = %q, %v; want %q", c.In, got, err, want)
			}
		})
	}
	if used != len(safeBrowsingDiffs) {
		t.Errorf("used %d of %d documented differences: the table names a case the file lacks", used, len(safeBrowsingDiffs))
	}
	// The byte-level case: \x01 cannot be in a host name either.
	for _, c := range file.ByteLevel {
		in, err := hex.DecodeString(c.InHex)
		if err != nil {
			t.Fatalf("decode %s: %v", c.InHex, err)
		}
		if got, err := frontier.Canonicalize(string(in)); !errors.Is(err, frontier.ErrHost) {
			t.Errorf("Canonicalize(%q) = %q, %v; want ErrHost (Safe Browsing: %q)", in, got, err, c.Out)
		}
	}
}

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		{name: "query case and order kept", in: "HTTP://Example.COM/A?b=C&a=D", want: "http://example.com/A?b=C&a=D"},
		{name: "default https port", in: "https://example.com:443/x", want: "https://example.com/x"},
		{name: "http port on https kept", in: "https://example.com:80/", want: "https://example.com:80/"},
		{name: "leading zeros in port", in: "http://example.com:0080/", want: "http://example.com/"},
		{name: "empty port", in: "http://example.com:/", want: "http://example.com/"},
		{name: "loopback port kept", in: "http://127.0.0.1:8080/a", want: "http://127.0.0.1:8080/a"},
		{name: "host and port without scheme", in: "example.com:8080/a", want: "http://example.com:8080/a"},
		{name: "userinfo dropped", in: "http://user:pw@example.com/", want: "http://example.com/"},
		{name: "idn to punycode", in: "http://Bücher.example/", want: "http://xn--bcher-kva.example/"},
		{name: "cyrillic tld", in: "http://пример.рф/музыка", want: "http://xn--e1afmkfd.xn--p1ai/%D0%BC%D1%83%D0%B7%D1%8B%D0%BA%D0%B0"},
		{name: "escaped idn host", in: "http://%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80.%D1%80%D1%84/", want: "http://xn--e1afmkfd.xn--p1ai/"},
		{name: "dot segments", in: "http://a.com/a/b/../c/./d/..", want: "http://a.com/a/c/"},
		{name: "dot segments above root", in: "http://a.com/../../x", want: "http://a.com/x"},
		{name: "escaped dot segments", in: "http://a.com/a/%2e%2E/b", want: "http://a.com/b"},
		{name: "unreserved decoded", in: "http://a.com/%7Euser/%41?%61=%62", want: "http://a.com/~user/A?a=b"},
		{name: "reserved kept upper-cased", in: "http://a.com/a%2fb?x=%3d%26", want: "http://a.com/a%2Fb?x=%3D%26"},
		{name: "space and utf-8 escaped", in: "http://a.com/a b/é?q=a b", want: "http://a.com/a%20b/%C3%A9?q=a%20b"},
		{name: "backslashes", in: `http:\\a.com\b\c`, want: "http://a.com/b/c"},
		{name: "hex ipv4", in: "http://0x7f.1/", want: "http://127.0.0.1/"},
		{name: "octal ipv4", in: "http://0177.0.0.01/", want: "http://127.0.0.1/"},
		{name: "ipv6", in: "http://[0:0:0:0:0:0:0:1]:8080/", want: "http://[::1]:8080/"},
		{name: "underscore host", in: "http://my_host.example.com/", want: "http://my_host.example.com/"},
		{name: "fragment only dropped", in: "http://a.com/#", want: "http://a.com/"},
		{name: "file scheme", in: "file:///etc/passwd", wantErr: frontier.ErrScheme},
		{name: "javascript", in: "javascript:alert(1)", wantErr: frontier.ErrScheme},
		{name: "mailto", in: "mailto:a@b.com", wantErr: frontier.ErrScheme},
		{name: "ftp", in: "ftp://a.com/", wantErr: frontier.ErrScheme},
		{name: "data", in: "data:text/html,hi", wantErr: frontier.ErrScheme},
		{name: "too long", in: "http://a.com/" + strings.Repeat("a", frontier.MaxURLLength), wantErr: frontier.ErrTooLong},
		{name: "hostile length", in: strings.Repeat("%41", 1<<20), wantErr: frontier.ErrTooLong},
		{name: "too long after escaping", in: "http://a.com/" + strings.Repeat("é", 400), wantErr: frontier.ErrTooLong},
		{name: "empty", in: " \t ", wantErr: frontier.ErrEmpty},
		{name: "no host", in: "http:///", wantErr: frontier.ErrNoHost},
		{name: "path only", in: "/a/b", wantErr: frontier.ErrNoHost},
		{name: "bad port", in: "http://a.com:99999/", wantErr: frontier.ErrPort},
		{name: "port zero", in: "http://a.com:0/", wantErr: frontier.ErrPort},
		{name: "ipv4 out of range", in: "http://256.1.1.1/", wantErr: frontier.ErrHost},
		{name: "numeric last label", in: "http://foo.123/", wantErr: frontier.ErrHost},
		{name: "ipv6 zone", in: "http://[fe80::1%25eth0]/", wantErr: frontier.ErrHost},
		{name: "label too long", in: "http://" + strings.Repeat("a", 64) + ".com/", wantErr: frontier.ErrHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frontier.Canonicalize(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Canonicalize(%q) = %q, %v; want error %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Canonicalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if again, err := frontier.Canonicalize(got); err != nil || again != got {
				t.Fatalf("Canonicalize(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	const base = "http://a.com/b/c/d?q#f"
	tests := []struct {
		name, base, ref, want string
		wantErr               error
	}{
		// RFC 3986 §5.4.1 normal examples, with our canonical form.
		{name: "sibling", base: base, ref: "g", want: "http://a.com/b/c/g"},
		{name: "dot sibling", base: base, ref: "./g", want: "http://a.com/b/c/g"},
		{name: "dir", base: base, ref: "g/", want: "http://a.com/b/c/g/"},
		{name: "absolute path", base: base, ref: "/g", want: "http://a.com/g"},
		{name: "scheme-relative", base: base, ref: "//g", want: "http://g/"},
		{name: "query", base: base, ref: "?y", want: "http://a.com/b/c/d?y"},
		{name: "path and query", base: base, ref: "g?y", want: "http://a.com/b/c/g?y"},
		{name: "fragment", base: base, ref: "#s", want: "http://a.com/b/c/d?q"},
		{name: "empty", base: base, ref: "", want: "http://a.com/b/c/d?q"},
		{name: "dot", base: base, ref: ".", want: "http://a.com/b/c/"},
		{name: "dotdot", base: base, ref: "..", want: "http://a.com/b/"},
		{name: "dotdot sibling", base: base, ref: "../g", want: "http://a.com/b/g"},
		{name: "above root", base: base, ref: "../../../g", want: "http://a.com/g"},
		{name: "absolute", base: base, ref: "https://B.com:443/x#y", want: "https://b.com/x"},
		{name: "same-scheme relative", base: base, ref: "http:g", want: "http://a.com/b/c/g"},
		{name: "backslash path", base: base, ref: `\x\y`, want: "http://a.com/x/y"},
		{name: "keeps base port", base: "http://127.0.0.1:8080/a/b", ref: "c", want: "http://127.0.0.1:8080/a/c"},
		{name: "whitespace in href", base: base, ref: "  /g\n ", want: "http://a.com/g"},
		{name: "javascript", base: base, ref: "javascript:void(0)", wantErr: frontier.ErrScheme},
		{name: "mailto", base: base, ref: "MAILTO:x@y.z", wantErr: frontier.ErrScheme},
		{name: "bad base", base: "ftp://a.com/", ref: "g", wantErr: frontier.ErrScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frontier.Resolve(tt.base, tt.ref)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%q, %q) = %q, %v; want error %v", tt.base, tt.ref, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve(%q, %q) = %q, %v; want %q", tt.base, tt.ref, got, err, tt.want)
			}
		})
	}
}

func TestHostOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://a.com/x", "a.com"},
		{"http://127.0.0.1:8080/x?y", "127.0.0.1:8080"},
		{"https://[::1]:8443/", "[::1]:8443"},
	}
	for _, tt := range tests {
		if got := frontier.HostOf(tt.in); got != tt.want {
			t.Errorf("HostOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		"http://host/%25%32%35", "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/",
		"http://3279880203/blah", "www.google.com", "http://www.google.com.../", "http://a.com/a/../..//b/./",
		"http://Bücher.example/é?x=ü#f", "http://[::ffff:1.2.3.4]:80/", "http://0x7f.1/", "example.com:8080",
		"http://a.com/%zz%2e%2E/?%%", `http:\\a.com\..\b`, "http://user@a.com:0443/", "HTTPS://A.COM:443",
		"http://xn--e1afmkfd.xn--p1ai/", "http://a.com/?q=%41%2f#x", "mailto:x@y", "http://a.com/./%2e/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := frontier.Canonicalize(in)
		if err != nil {
			return
		}
		if len(c) > frontier.MaxURLLength {
			t.Fatalf("Canonicalize(%q) = %d bytes, over MaxURLLength", in, len(c))
		}
		again, err := frontier.Canonicalize(c)
		if err != nil || again != c {
			t.Fatalf("Canonicalize(%q) = %q; Canonicalize of that = %q, %v; want it unchanged", in, c, again, err)
		}
		if r, err := frontier.Resolve(c, ""); err != nil || r != c {
			t.Fatalf("Resolve(%q, \"\") = %q, %v; want the base itself", c, r, err)
		}
	})
}
