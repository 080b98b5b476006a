package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"trawl.dev/deploy/cli"
)

func TestBadUsageExits2(t *testing.T) {
	seeds := filepath.Join(t.TempDir(), "seeds.txt")
	if err := os.WriteFile(seeds, []byte("ftp://example.org/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"no command", nil, nil, "usage: trawl"},
		{"unknown command", []string{"crawl"}, nil, `unknown command "crawl"`},
		{"unknown flag", []string{"demo", "--bogus"}, nil, "flag provided but not defined: -bogus"},
		{"bad number", []string{"demo", "--sites", "many"}, nil, `invalid value "many" for flag -sites`},
		{"too few sites", []string{"demo", "--sites", "3"}, nil, "--sites 3"},
		{"stray argument", []string{"demo", "extra"}, nil, `unexpected argument "extra"`},
		{"bad env", []string{"demo"}, map[string]string{"TRAWL_CONCURRENCY": "lots"}, "TRAWL_CONCURRENCY"},
		{"run without seeds", []string{"run"}, nil, "--seeds FILE is required"},
		{"run with a bad seed", []string{"run", "--seeds", seeds}, nil, "is not an absolute http(s) URL"},
		{"run with missing seed file", []string{"run", "--seeds", seeds + ".nope"}, nil, "no such file"},
		{"seed without URLs", []string{"seed"}, nil, "no URL"},
		{"seed from a bad file", []string{"seed", "--file", seeds}, nil, "is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := cli.Main(context.Background(), tt.args, &out, &errOut)
			if code != 2 {
				t.Errorf("exit code: got %d, want 2 (stderr %q)", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr: got %q, want it to contain %q", errOut.String(), tt.wantErr)
			}
		})
	}
}

// TestDemoPrintsItsScore runs the real demo on a small simweb and checks its
// last line.
func TestDemoPrintsItsScore(t *testing.T) {
	out := filepath.Join(t.TempDir(), "verdicts.jsonl")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	code := cli.Main(ctx, []string{"demo", "--sites", "60", "--seed", "3", "--min-delay", "20ms",
		"--num-partitions", "4", "--out", out, "--data", t.TempDir()}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	if !strings.Contains(stdout.String(), "investigators' UI: http://127.0.0.1:") || !strings.Contains(stdout.String(), "admin token: ") {
		t.Errorf("the demo did not print the UI's address and admin token:\n%s", stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	re := regexp.MustCompile(`^demo: pages=(\d+) sites=(\d+) flagged=(\d+) precision=([0-9.]+) recall=([0-9.]+) elapsed=[0-9.]+s$`)
	m := re.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not match %v", last, re)
	}
	if pages, _ := strconv.Atoi(m[1]); pages < 100 {
		t.Errorf("pages: got %d, want at least 100 from 60 sites", pages)
	}
	if p, _ := strconv.ParseFloat(m[4], 64); p < 0.95 {
		t.Errorf("precision: got %v, want ≥ 0.95", p)
	}
	if r, _ := strconv.ParseFloat(m[5], 64); r < 0.95 {
		t.Errorf("recall: got %v, want ≥ 0.95", r)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sites, _ := strconv.Atoi(m[2])
	if n := bytes.Count(data, []byte("\n")); n != sites {
		t.Errorf("verdicts file: got %d lines, want %d (one per site)", n, sites)
	}
}

// TestRunCrawlsSeedsAndDrainsOnCancel runs `trawl run` against a local
// server, then stops it as Ctrl-C would.
func TestRunCrawlsSeedsAndDrainsOnCancel(t *testing.T) {
	var hits = make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><title>t</title><body><a href="/next">next</a></body></html>`)
	}))
	defer srv.Close()
	seeds := filepath.Join(t.TempDir(), "seeds.txt")
	if err := os.WriteFile(seeds, []byte("# local test server\n"+srv.URL+"/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stdout, stderr syncBuffer
	go func() {
		done <- cli.Main(ctx, []string{"run", "--seeds", seeds, "--allow-private", "--nats-port", "0",
			"--http", "", "--ui", "", "--min-delay", "10ms", "--data", t.TempDir(), "--log-level", "warn"}, &stdout, &stderr)
	}()
	seen := map[string]bool{}
	deadline := time.After(time.Minute)
	for !seen["/next"] {
		select {
		case p := <-hits:
			seen[p] = true
		case <-deadline:
			cancel()
			t.Fatalf("the seed's link was never fetched; saw %v; stderr:\n%s", seen, stderr.String())
		}
	}

	// trawl status against the running node lists every service and stream.
	url := regexp.MustCompile(`nats: embedded server at (\S+)`).FindStringSubmatch(stdout.String())
	if url == nil {
		cancel()
		t.Fatalf("no NATS URL in the output:\n%s", stdout.String())
	}
	var st, stErr bytes.Buffer
	if code := cli.Main(context.Background(), []string{"status", "--nats", url[1], "--interval", "100ms"}, &st, &stErr); code != 0 {
		t.Errorf("status: exit code %d; stderr %s", code, stErr.String())
	}
	for _, want := range []string{"trawl-frontier", "trawl-crawler", "trawl-classifier", "FETCH", "PAGES", "pages/s"} {
		if !strings.Contains(st.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, st.String())
		}
	}
	// Each service instance shows its own numbers.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`trawl-frontier .*queued=\d+ inflight=\d+`),
		regexp.MustCompile(`trawl-crawler .*fetched=[1-9]\d*`),
		regexp.MustCompile(`trawl-classifier .*pages=[1-9]\d*`),
	} {
		if !want.MatchString(st.String()) {
			t.Errorf("status output does not match %v:\n%s", want, st.String())
		}
	}

	// trawl seed adds a URL to the running crawl.
	var sd, sdErr bytes.Buffer
	if code := cli.Main(context.Background(), []string{"seed", "--nats", url[1], srv.URL + "/added"}, &sd, &sdErr); code != 0 {
		t.Errorf("seed: exit code %d; stderr %s", code, sdErr.String())
	}
	for !seen["/added"] {
		select {
		case p := <-hits:
			seen[p] = true
		case <-time.After(time.Minute):
			cancel()
			t.Fatalf("the URL added with trawl seed was never fetched; saw %v", seen)
		}
	}

	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d after cancel; stderr:\n%s", code, stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
