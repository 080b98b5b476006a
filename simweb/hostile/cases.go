package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/miekg/dns"
	"golang.org/x/net/idna"
	"golang.org/x/text/encoding/charmap"
)

// Case is one hostile behaviour, served on its own host name.
type Case struct {
	Name    string // the case's name and the first label of its host
	What    string // what the server does
	TLS     bool   // the URL is https
	Path    string // the path to fetch
	Robots  bool   // the case is robots.txt's: the server misbehaves on /robots.txt
	Refused bool   // the host resolves to an address a crawler must refuse
}

type entry struct {
	Case
	host       string // host name, when not <Name>.hostile.test
	urlHost    string // the host as written in the URL (Unicode for IDN)
	onHTTPPort bool   // an https URL on the plain HTTP port
	resolveTo  netip.Addr
	rcode      int
	serve      func(*call)
	robots     func(*call)
}

// Russian text used by the charset cases.
const russianText = "Купить музыку в формате MP3: всего 15 рублей за альбом. Съешь же ещё этих мягких французских булок."

// Sizes of the bodies that are meant to be too big.
const (
	BombSize     = 1 << 30 // bytes the gzip bomb decompresses to
	BrotliSize   = 64 << 20
	OverCapSize  = 16 << 20 // the over-cap body
	HugeHeaders  = 1 << 20  // bytes of headers of huge-headers
	HugeRobots   = 4 << 20  // bytes of robots-huge
	NestingDepth = 100000   // elements deep in deep-html
	ChainLength  = 30       // hops of redirect-chain
)

var cases = []*entry{
	// Decompression and size.
	{Case: Case{Name: "gzip-bomb", What: "gzip body (concatenated members) that decompresses to 1 GiB of zeros"},
		serve: func(cx *call) { cx.encoded("gzip", "text/html", bodies.gzipBomb) }},
	{Case: Case{Name: "gzip-nested-bomb", What: `"Content-Encoding: gzip, gzip": the gzip bomb gzipped again`},
		serve: func(cx *call) { cx.encoded("gzip, gzip", "text/html", bodies.gzipNested) }},
	{Case: Case{Name: "brotli-bomb", What: "brotli body that decompresses to 64 MiB of zeros (sent though not offered)"},
		serve: func(cx *call) { cx.encoded("br", "text/html", bodies.brotliBomb) }},
	{Case: Case{Name: "gzip-corrupt", What: "Content-Encoding gzip over bytes that are not gzip"},
		serve: func(cx *call) { cx.encoded("gzip", "text/html", []byte("<html>this is not gzip at all</html>")) }},
	{Case: Case{Name: "endless-body", What: "an HTML body that never ends (chunked, as fast as the client reads)"},
		serve: serveEndless},
	{Case: Case{Name: "over-cap", What: "a 16 MiB HTML body with a Content-Length"},
		serve: func(cx *call) {
			cx.w.Header().Set("Content-Type", "text/html")
			cx.w.Header().Set("Content-Length", fmt.Sprint(OverCapSize))
			chunk := bytes.Repeat([]byte("<p>too much</p>\n"), 4096)
			for sent := 0; sent < OverCapSize; sent += len(chunk) {
				if cx.write(chunk[:min(len(chunk), OverCapSize-sent)]) != nil {
					return
				}
			}
		}},
	{Case: Case{Name: "content-length-lie", What: "Content-Length: 100000, then 40 bytes and the connection closed"},
		serve: func(cx *call) {
			cx.hijack(func(conn net.Conn, rw *bufio.ReadWriter) {
				fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body><a href=\"/x\">x</a> short")
				rw.Flush()
			})
		}},

	// Time.
	{Case: Case{Name: "slowloris", What: "headers at once, then the body one byte a second"},
		serve: func(cx *call) {
			start := time.Now()
			cx.w.Header().Set("Content-Type", "text/html")
			cx.w.WriteHeader(http.StatusOK)
			for cx.write([]byte("<")) == nil {
				cx.w.(http.Flusher).Flush()
				if !cx.hold(start, time.Second) {
					return
				}
			}
		}},
	{Case: Case{Name: "slow-headers", What: "the status line and headers one byte a second"},
		serve: func(cx *call) {
			start := time.Now()
			cx.hijack(func(conn net.Conn, rw *bufio.ReadWriter) {
				for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: yes\r\n\r\n") {
					if _, err := conn.Write([]byte{b}); err != nil || !cx.hold(start, time.Second) {
						return
					}
				}
			})
		}},
	{Case: Case{Name: "no-response", What: "reads the request, never answers, keeps the connection open"},
		serve: func(cx *call) { cx.hijack(func(conn net.Conn, _ *bufio.ReadWriter) { waitClose(conn) }) }},
	{Case: Case{Name: "close-at-once", What: "closes the connection without a response"},
		serve: func(cx *call) { cx.hijack(func(net.Conn, *bufio.ReadWriter) {}) }},

	// Redirects.
	{Case: Case{Name: "redirect-loop", What: "/ → /a → /b → /a ...", Path: "/"},
		serve: func(cx *call) {
			next := map[string]string{"/": "/a", "/a": "/b", "/b": "/a"}[cx.r.URL.Path]
			if next == "" {
				next = "/"
			}
			http.Redirect(cx.w, cx.r, next, http.StatusFound)
		}},
	{Case: Case{Name: "redirect-chain", What: "a chain of 30 redirects, then a page", Path: "/hop/0"},
		serve: func(cx *call) {
			var n int
			if _, err := fmt.Sscanf(cx.r.URL.Path, "/hop/%d", &n); err != nil || n >= ChainLength {
				cx.page("<html><body>end of the chain</body></html>")
				return
			}
			http.Redirect(cx.w, cx.r, fmt.Sprintf("/hop/%d", n+1), http.StatusMovedPermanently)
		}},
	{Case: Case{Name: "redirect-private", What: "302 to http://10.0.0.1/admin"},
		serve: func(cx *call) { http.Redirect(cx.w, cx.r, "http://10.0.0.1/admin", http.StatusFound) }},
	{Case: Case{Name: "redirect-metadata", What: "302 to the cloud metadata endpoint http://169.254.169.254/latest/meta-data/"},
		serve: func(cx *call) {
			http.Redirect(cx.w, cx.r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		}},
	{Case: Case{Name: "redirect-localhost", What: "302 to http://localhost:<port>/ (the loopback interface)"},
		serve: func(cx *call) {
			http.Redirect(cx.w, cx.r, fmt.Sprintf("http://localhost:%d/", cx.s.HTTPPort()), http.StatusFound)
		}},
	{Case: Case{Name: "redirect-private-name", What: "302 to a name of this zone that resolves to 10.0.0.1"},
		serve: func(cx *call) {
			http.Redirect(cx.w, cx.r, cx.s.urlOf(caseByName["dns-private"], "/"), http.StatusFound)
		}},
	{Case: Case{Name: "redirect-file", What: "302 to file:///etc/passwd"},
		serve: func(cx *call) { http.Redirect(cx.w, cx.r, "file:///etc/passwd", http.StatusFound) }},

	// Headers and status lines.
	{Case: Case{Name: "huge-headers", What: "1 MiB of response headers"},
		serve: func(cx *call) {
			cx.hijack(func(conn net.Conn, rw *bufio.ReadWriter) {
				rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
				line := "X-Junk: " + strings.Repeat("a", 1000) + "\r\n"
				for n := 0; n < HugeHeaders; n += len(line) {
					if _, err := rw.WriteString(line); err != nil {
						return
					}
				}
				rw.WriteString("Content-Length: 2\r\n\r\nok")
				rw.Flush()
			})
		}},
	{Case: Case{Name: "malformed-status", What: `"HTTP/1.1 2OO OK" and a header line without a colon`},
		serve: func(cx *call) {
			cx.hijack(func(conn net.Conn, rw *bufio.ReadWriter) {
				rw.WriteString("HTTP/1.1 2OO OK\r\nthis is not a header\r\n\r\n<html>hi</html>")
				rw.Flush()
			})
		}},

	// Markup and charsets.
	{Case: Case{Name: "malformed-html", What: "broken markup: unclosed tags and quotes, NUL bytes, stray </a>, an unterminated <script>"},
		serve: func(cx *call) { cx.page(malformedHTML) }},
	{Case: Case{Name: "deep-html", What: "100,000 nested <div> elements, then a link"},
		serve: func(cx *call) { cx.pageBytes("text/html; charset=utf-8", bodies.deepHTML) }},
	{Case: Case{Name: "charset-wrong", What: "header says UTF-8, the body is windows-1251 and its <meta> says so"},
		serve: func(cx *call) {
			cx.pageBytes("text/html; charset=utf-8", encode(charmap.Windows1251,
				`<html><head><meta charset="windows-1251"><title>Музыка</title></head><body><p>`+russianText+`</p></body></html>`))
		}},
	{Case: Case{Name: "charset-missing", What: "KOI8-R text with no charset anywhere"},
		serve: func(cx *call) {
			cx.pageBytes("text/html", encode(charmap.KOI8R,
				`<html><head><title>Музыка</title></head><body><p>`+russianText+`</p></body></html>`))
		}},
	{Case: Case{Name: "charset-lies", What: "header and <meta> say KOI8-R, the body is UTF-8"},
		serve: func(cx *call) {
			cx.pageBytes("text/html; charset=koi8-r",
				[]byte(`<html><head><meta charset="koi8-r"><title>Музыка</title></head><body><p>`+russianText+`</p></body></html>`))
		}},
	{Case: Case{Name: "invalid-utf8", What: "declared UTF-8, with bytes that are not UTF-8 among the text"},
		serve: func(cx *call) {
			cx.pageBytes("text/html; charset=utf-8",
				[]byte("<html><body><p>"+russianText+"\xff\xfe\xc0\xaf\xed\xa0\x80 <a href=\"/next\">next \xf0\x28\x8c\x28</a></p></body></html>"))
		}},
	{Case: Case{Name: "binary-as-html", What: "text/html over 64 KiB of random bytes"},
		serve: func(cx *call) { cx.pageBytes("text/html", bodies.random) }},
	{Case: Case{Name: "audio", What: "a 32 MiB audio/mpeg body (not to be downloaded)", Path: "/song.mp3"},
		serve: func(cx *call) { cx.stream("audio/mpeg", 32<<20) }},
	{Case: Case{Name: "pdf", What: "an application/pdf body", Path: "/catalog.pdf"},
		serve: func(cx *call) { cx.stream("application/pdf", 8<<20) }},
	{Case: Case{Name: "no-content-type", What: "no Content-Type and a binary body"},
		serve: func(cx *call) {
			cx.w.Header()["Content-Type"] = nil // no sniffing either
			cx.write(bodies.random)
		}},

	// robots.txt.
	{Case: Case{Name: "robots-huge", What: "a 4 MiB robots.txt whose first group disallows /private", Path: "/private/page", Robots: true},
		robots: func(cx *call) { cx.pageBytes("text/plain", bodies.hugeRobots) },
		serve:  func(cx *call) { cx.page("<html>private</html>") }},
	{Case: Case{Name: "robots-5xx", What: "robots.txt answers 503", Robots: true},
		robots: func(cx *call) { http.Error(cx.w, "busy", http.StatusServiceUnavailable) },
		serve:  func(cx *call) { cx.page("<html>home</html>") }},
	{Case: Case{Name: "robots-redirect", What: "robots.txt redirects to /robots-real.txt, which disallows /private", Path: "/private/page", Robots: true},
		robots: func(cx *call) { http.Redirect(cx.w, cx.r, "/robots-real.txt", http.StatusMovedPermanently) },
		serve: func(cx *call) {
			if cx.r.URL.Path == "/robots-real.txt" {
				cx.pageBytes("text/plain", []byte("User-agent: *\nDisallow: /private\n"))
				return
			}
			cx.page("<html>private</html>")
		}},
	{Case: Case{Name: "robots-garbage", What: "robots.txt is random bytes", Robots: true},
		robots: func(cx *call) { cx.pageBytes("text/plain", bodies.random) },
		serve:  func(cx *call) { cx.page("<html>home</html>") }},
	{Case: Case{Name: "robots-gzip-bomb", What: "robots.txt is the gzip bomb", Robots: true},
		robots: func(cx *call) { cx.encoded("gzip", "text/plain", bodies.gzipBomb) },
		serve:  func(cx *call) { cx.page("<html>home</html>") }},
	{Case: Case{Name: "robots-hang", What: "robots.txt never answers", Robots: true},
		robots: func(cx *call) { cx.hijack(func(conn net.Conn, _ *bufio.ReadWriter) { waitClose(conn) }) },
		serve:  func(cx *call) { cx.page("<html>home</html>") }},

	// DNS.
	{Case: Case{Name: "dns-nxdomain", What: "the name does not exist (NXDOMAIN)"}, rcode: dns.RcodeNameError},
	{Case: Case{Name: "dns-servfail", What: "the name server fails (SERVFAIL)"}, rcode: dns.RcodeServerFailure},
	{Case: Case{Name: "dns-private", What: "the name resolves to 10.0.0.1", Refused: true}, resolveTo: PrivateIP},
	{Case: Case{Name: "dns-metadata", What: "the name resolves to 169.254.169.254", Refused: true}, resolveTo: MetadataIP},
	{Case: Case{Name: "dns-localhost", What: "the name resolves to 127.0.0.1 (DNS rebinding to localhost)", Refused: true},
		resolveTo: netip.MustParseAddr("127.0.0.1")},

	// TLS.
	{Case: Case{Name: "tls-ok", What: "a valid certificate from RootCAs (the control case)", TLS: true},
		serve: func(cx *call) { cx.page("<html><title>secure</title></html>") }},
	{Case: Case{Name: "tls-self-signed", What: "a self-signed certificate", TLS: true},
		serve: func(cx *call) { cx.page("<html>self-signed</html>") }},
	{Case: Case{Name: "tls-expired", What: "a certificate that expired yesterday", TLS: true},
		serve: func(cx *call) { cx.page("<html>expired</html>") }},
	{Case: Case{Name: "tls-wrong-host", What: "a certificate for another name", TLS: true},
		serve: func(cx *call) { cx.page("<html>wrong host</html>") }},
	{Case: Case{Name: "tls-plain-port", What: "an https URL whose port speaks plain HTTP", TLS: true}, onHTTPPort: true,
		serve: func(cx *call) { cx.page("<html>plain</html>") }},

	// Names and links.
	{Case: Case{Name: "idn", What: "a Cyrillic host name (пример.hostile.test) linking to another (музыка.hostile.test)"},
		host: punycode("пример." + Domain), urlHost: "пример." + Domain,
		serve: func(cx *call) {
			cx.page(fmt.Sprintf(`<html><body><a href="http://%s/">музыка</a> <a href="http://ПРИМЕР.%s/Альбом">альбом</a></body></html>`,
				net.JoinHostPort("музыка."+Domain, fmt.Sprint(cx.s.HTTPPort())), net.JoinHostPort(Domain, fmt.Sprint(cx.s.HTTPPort()))))
		}},
	{Case: Case{Name: "idn-target", What: "the target of the idn case (музыка.hostile.test)"},
		host: punycode("музыка." + Domain), urlHost: "музыка." + Domain,
		serve: func(cx *call) { cx.page("<html>музыка</html>") }},
	{Case: Case{Name: "homograph", What: "a host name that looks like apple but starts with a Cyrillic а (xn--pple-43d)"},
		host:  punycode("аpple." + Domain), // Cyrillic а
		serve: func(cx *call) { cx.page("<html><title>Apple Store</title><body>Sign in</body></html>") }},
	{Case: Case{Name: "session-ids", What: "links that differ only by session IDs (PHPSESSID, jsessionid, sid, s)"},
		serve: func(cx *call) {
			cx.page(`<html><body>
<a href="/catalog?PHPSESSID=0123456789abcdef0123456789abcdef">1</a>
<a href="/catalog;jsessionid=A1B2C3D4E5F60718293A4B5C6D7E8F90">2</a>
<a href="/catalog?sid=fedcba9876543210fedcba9876543210">3</a>
<a href="/catalog?s=00112233445566778899aabbccddeeff">4</a>
<a href="/catalog?page=2&amp;PHPSESSID=0123456789abcdef0123456789abcdef">5</a>
<a href="/catalog?page=2&amp;osCsid=5f2c1e0d9b8a7f6e5d4c3b2a19081726">6</a>
</body></html>`)
		}},
	{Case: Case{Name: "links-forbidden", What: "links to 169.254.169.254, 10.0.0.0/8, localhost, 127.0.0.1, [::1], file:, javascript: and data:"},
		serve: func(cx *call) {
			port := cx.s.HTTPPort()
			cx.page(fmt.Sprintf(`<html><body>
<a href="http://169.254.169.254/latest/meta-data/">metadata</a>
<a href="http://10.0.0.1/admin">intranet</a>
<a href="http://10.255.3.4:8080/">intranet 2</a>
<a href="http://localhost:%d/">localhost</a>
<a href="http://LOCALHOST./x">localhost dot</a>
<a href="http://app.localhost/">app.localhost</a>
<a href="http://127.0.0.1:%d/">loopback</a>
<a href="http://[::1]/">ipv6 loopback</a>
<a href="http://0x7f000001/">hex loopback</a>
<a href="file:///etc/passwd">file</a>
<a href="javascript:alert(1)">js</a>
<a href="data:text/html,<b>x</b>">data</a>
<a href="%s">a name that resolves to 10.0.0.1</a>
<a href="/ok">the one good link</a>
</body></html>`, port, port, cx.s.urlOf(caseByName["dns-private"], "/")))
		}},
}

// Cases returns every case, in a fixed order.
func Cases() []Case {
	out := make([]Case, len(cases))
	for i, c := range cases {
		out[i] = c.Case
	}
	return out
}

var (
	caseByName = map[string]*entry{}
	caseByHost = map[string]*entry{}
)

func init() {
	for _, c := range cases {
		if c.Path == "" {
			c.Path = "/"
			if c.Robots {
				c.Path = "/page"
			}
		}
		caseByName[c.Name] = c
		caseByHost[Host(c.Name)] = c
		if c.serve == nil {
			c.serve = func(cx *call) { cx.page("<html>unexpected</html>") }
		}
	}
}

func (cx *call) page(html string) { cx.pageBytes("text/html; charset=utf-8", []byte(html)) }

func (cx *call) pageBytes(contentType string, body []byte) {
	cx.w.Header().Set("Content-Type", contentType)
	cx.w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	cx.write(body)
}

func (cx *call) encoded(encoding, contentType string, body []byte) {
	cx.w.Header().Set("Content-Type", contentType)
	cx.w.Header().Set("Content-Encoding", encoding)
	cx.w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	for len(body) > 0 {
		n := min(len(body), 64<<10)
		if cx.write(body[:n]) != nil {
			return
		}
		body = body[n:]
	}
}

// stream writes n bytes of zeros as contentType, stopping when the client goes.
func (cx *call) stream(contentType string, n int) {
	cx.w.Header().Set("Content-Type", contentType)
	cx.w.Header().Set("Content-Length", fmt.Sprint(n))
	chunk := make([]byte, 64<<10)
	for sent := 0; sent < n; sent += len(chunk) {
		if cx.write(chunk[:min(len(chunk), n-sent)]) != nil {
			return
		}
	}
}

func serveEndless(cx *call) {
	start := time.Now()
	cx.w.Header().Set("Content-Type", "text/html")
	chunk := bytes.Repeat([]byte("<p>and on and on</p>\n"), 3000)
	for time.Since(start) < cx.s.o.MaxHold {
		if cx.write(chunk) != nil {
			return
		}
		select {
		case <-cx.s.done:
			return
		default:
		}
	}
}

const malformedHTML = "<html><head><title>broken</title><body>\n" +
	"<a href=\"/first\">first link</a>\n" +
	"<p>misnested <b><i>tags</b></i></a></a></div></div></table>\x00\x00 NUL bytes\n" +
	"<a href='/second' <<<>>> >second</a>\n" +
	"<!-- a comment --> <a href=/third>third</a> <a href=\"javascript:void(0)\">js</a>\n" +
	"<div class=\"x><p>an unclosed quote swallows <a href=/not-a-link>this</a>\n" +
	"<script>document.write('<a href=\"/in-script\">');</a>"

func punycode(host string) string {
	a, err := idna.Lookup.ToASCII(host)
	if err != nil {
		panic(err)
	}
	return a
}

func encode(cm *charmap.Charmap, s string) []byte {
	b, err := cm.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// bodies are built once, at the first Start.
var bodies struct {
	once       sync.Once
	gzipBomb   []byte
	gzipNested []byte
	brotliBomb []byte
	deepHTML   []byte
	hugeRobots []byte
	random     []byte
}

func prepareBodies() {
	bodies.once.Do(func() {
		// One member decompressing to 1 MiB; members concatenate.
		var member bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
		zw.Write(make([]byte, 1<<20))
		zw.Close()
		bodies.gzipBomb = bytes.Repeat(member.Bytes(), BombSize>>20)

		var nested bytes.Buffer
		zw, _ = gzip.NewWriterLevel(&nested, gzip.BestCompression)
		zw.Write(bodies.gzipBomb)
		zw.Close()
		bodies.gzipNested = nested.Bytes()

		var br bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestSpeed)
		zero := make([]byte, 1<<20)
		for range BrotliSize >> 20 {
			bw.Write(zero)
		}
		bw.Close()
		bodies.brotliBomb = br.Bytes()

		var deep bytes.Buffer
		deep.WriteString("<html><body>")
		for range NestingDepth {
			deep.WriteString("<div>")
		}
		deep.WriteString(`<a href="/bottom">bottom</a>`)
		for range NestingDepth {
			deep.WriteString("</div>")
		}
		bodies.deepHTML = deep.Bytes()

		var robots bytes.Buffer
		robots.WriteString("User-agent: *\nDisallow: /private\n")
		for i := 0; robots.Len() < HugeRobots; i++ {
			fmt.Fprintf(&robots, "Disallow: /junk/%d/\n", i)
		}
		bodies.hugeRobots = robots.Bytes()

		r := rand.New(rand.NewPCG(1, 2))
		bodies.random = make([]byte, 64<<10)
		for i := range bodies.random {
			bodies.random[i] = byte(r.UintN(256))
		}
	})
}
