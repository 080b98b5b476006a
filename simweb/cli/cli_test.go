package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl.dev/simweb/cli"
)

func TestMainBadUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "missing command"},
		{"unknown command", []string{"crawl"}, `unknown command "crawl"`},
		{"unknown flag", []string{"serve", "--bogus"}, "bogus"},
		{"sites not a number", []string{"serve", "--sites", "many"}, "invalid value"},
		{"zero sites", []string{"serve", "--sites", "0"}, "--sites must be at least 1"},
		{"port out of range", []string{"serve", "--port", "70000"}, "--port must be 0..65535"},
		{"negative latency", []string{"serve", "--latency", "-1s"}, "--latency must not be negative"},
		{"extra argument", []string{"serve", "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := cli.Main(context.Background(), tt.args, &stdout, &stderr); got != 2 {
				t.Errorf("got exit %d, want 2", got)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("got stderr %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestMainServe(t *testing.T) {
	dir := t.TempDir()
	truth, mmdb, asn := filepath.Join(dir, "truth.jsonl"), filepath.Join(dir, "c.mmdb"), filepath.Join(dir, "a.mmdb")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--sites", "50", "--seed", "3", "--truth", truth, "--mmdb", mmdb, "--asn-mmdb", asn}, pw, io.Discard)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var dnsAddr string
	var seeds []string
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) == 2 && f[0] == "dns" {
			dnsAddr = f[1]
		}
		if len(f) == 2 && f[0] == "seed" {
			seeds = append(seeds, f[1])
			break // one seed line is enough; drain the rest below
		}
	}
	go io.Copy(io.Discard, pr)
	if dnsAddr == "" || len(seeds) == 0 {
		t.Fatalf("got dns %q and seeds %v, want both", dnsAddr, seeds)
	}
	for _, f := range []string{truth, mmdb, asn} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: not written (%v)", f, err)
		}
	}
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, dnsAddr)
	}}
	d := &net.Dialer{Resolver: resolver}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	resp, err := c.Get(seeds[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: got status %d, want 200", seeds[0], resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("got exit %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main did not return after its context was cancelled")
	}
}

func TestServeOnAFixedDNSAddressWritesSeeds(t *testing.T) {
	addr := freeUDPAndTCPPort(t)
	seeds := filepath.Join(t.TempDir(), "seeds.txt")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stdout, stderr bytes.Buffer
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--sites", "40", "--dns", addr, "--seeds-out", seeds}, &stdout, &stderr)
	}()
	var (
		data []byte
		err  error
	)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if data, err = os.ReadFile(seeds); err == nil && len(data) > 0 {
			break
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "dns "+addr) {
		t.Errorf("stdout: got %q, want the DNS address %s", stdout.String(), addr)
	}
	if n := strings.Count(string(data), "http://"); n == 0 {
		t.Errorf("seeds file: got %q, want seed URLs", data)
	}
}

func TestServeRefusesANonLoopbackDNSAddress(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli.Main(context.Background(), []string{"serve", "--sites", "40", "--dns", "10.0.0.1:53"}, &stdout, &stderr); code == 0 {
		t.Fatalf("exit code 0 for a non-loopback DNS address; want failure")
	}
	if !strings.Contains(stderr.String(), "loopback") {
		t.Errorf("stderr: got %q, want it to say loopback", stderr.String())
	}
}

// freeUDPAndTCPPort returns a loopback address whose port was free for both
// UDP and TCP a moment ago.
func freeUDPAndTCPPort(t *testing.T) string {
	t.Helper()
	for range 50 {
		tl, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := tl.Addr().String()
		ul, err := net.ListenPacket("udp4", addr)
		tl.Close()
		if err != nil {
			continue
		}
		ul.Close()
		return addr
	}
	t.Fatal("no port free for both UDP and TCP")
	return ""
}

func TestServeWritesTheRequestLog(t *testing.T) {
	addr := freeUDPAndTCPPort(t)
	dir := t.TempDir()
	seeds, reqLog := filepath.Join(dir, "seeds.txt"), filepath.Join(dir, "requests.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--sites", "40", "--dns", addr, "--seeds-out", seeds, "--request-log", reqLog}, io.Discard, &stderr)
	}()
	var data []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && len(data) == 0; time.Sleep(20 * time.Millisecond) {
		data, _ = os.ReadFile(seeds)
	}
	urls := strings.Fields(string(data))
	if len(urls) == 0 {
		cancel()
		t.Fatalf("no seeds written; exit %d, stderr %s", <-done, stderr.String())
	}
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{Resolver: resolver}).DialContext}}
	seed, err := url.Parse(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{} // path → status
	for _, p := range []string{"/", "/no-such-page-here"} {
		resp, err := c.Get(seed.Scheme + "://" + seed.Host + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want[p] = resp.StatusCode
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	f, err := os.Open(reqLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Time   time.Time `json:"time"`
			Host   string    `json:"host"`
			Path   string    `json:"path"`
			Status int       `json:"status"`
			Remote string    `json:"remote"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if line.Host != seed.Hostname() || line.Time.IsZero() || line.Remote == "" {
			t.Errorf("line %q: want host %s, a time and a remote address", sc.Text(), seed.Hostname())
		}
		got[line.Path] = line.Status
	}
	if len(got) != len(want) {
		t.Errorf("logged %v, want exactly %v", got, want)
	}
	for p, st := range want {
		if got[p] != st {
			t.Errorf("path %s: logged status %d, the client got %d", p, got[p], st)
		}
	}
	if want["/"] != 200 || want["/no-such-page-here"] != 404 {
		t.Errorf("statuses %v: want 200 for the home page and 404 for a missing page", want)
	}
}
