package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl.dev/classifier/service"
)

func TestMainScore(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"tunes.ru.html": `<html><body><p>Any track for $0.10 per track! Refill your balance via WebMoney and get a 10% bonus on $20.
Choose format: MP3, OGG, FLAC at 192 or 320 kbps.</p></body></html>`,
		"blog.example.com.html": `<html><body><p>Posted by Ann on 3 May 2007. 12 comments. A quiet week in the garden.</p></body></html>`,
		"garbage.ru.bin":        "\x00\x01\x02\x03",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ipFile := filepath.Join(t.TempDir(), "ips.tsv")
	if err := os.WriteFile(ipFile, []byte("tunes.ru\t77.88.55.242\nnonsense line here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := service.Main(context.Background(), []string{"score", "--dir", dir, "--ip-file", ipFile}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("score: exit %d, stderr %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), stdout.String())
	}
	byDomain := map[string]map[string]any{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		d, _ := m["domain"].(string)
		byDomain[d] = m
	}
	store := byDomain["tunes.ru"]
	for _, key := range []string{"domain", "class", "store_score", "russia_score", "flagged", "evidence"} {
		if _, ok := store[key]; !ok {
			t.Errorf("tunes.ru line lacks %q: %v", key, store)
		}
	}
	if store["class"] != "store" || store["flagged"] != true {
		t.Errorf("tunes.ru: got class %v flagged %v, want a flagged store", store["class"], store["flagged"])
	}
	if ev, _ := store["evidence"].([]any); len(ev) < 3 {
		t.Errorf("tunes.ru: %d evidence items, want 3 or more", len(ev))
	}
	if bad := byDomain["garbage.ru.bin"]; bad == nil || bad["error"] == nil {
		t.Errorf("garbage.ru.bin: got %v, want an error line", bad)
	}
	if !strings.Contains(stderr.String(), "pages/s") || !strings.Contains(stderr.String(), "line 2") {
		t.Errorf("stderr %q lacks the rate or the bad ip-file line", stderr.String())
	}

	for _, args := range [][]string{{"score"}, {"score", "--dir", dir, "file.html"}, {"score", "--workers", "-1", "--dir", dir}} {
		stderr.Reset()
		if code := service.Main(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: got exit %d, want 2", args, code)
		}
	}
	if code := service.Main(context.Background(), []string{"score", "--dir", filepath.Join(dir, "missing")}, &stdout, &stderr); code != 1 {
		t.Errorf("missing directory: got exit %d, want 1", code)
	}
}

func TestMainEval(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := service.Main(context.Background(), []string{"eval", "--sources", "hand,holdout,holdout2,holdout3", "--misses"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("eval: exit %d, stderr %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"precision", "truth \\ predicted", "store", "piracy-other", "music-legit", "other",
		"radio (decoy)", "music-blog (decoy)", "family pairs", "Brier"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"eval", "--sources", "nope"}, {"eval", "--simweb-seeds", "x"}, {"eval", "extra"}} {
		if code := service.Main(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: got exit %d, want 2", args, code)
		}
	}
}
