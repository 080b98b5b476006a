package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl.dev/simweb"
)

// appendTo appends s to the file at path.
func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRequestLogsFollowGrowingFiles(t *testing.T) {
	web := simweb.Generate(simweb.Options{Sites: 200, Seed: 1})
	trap := ""
	for _, s := range web.Sites() {
		if s.Kind == simweb.KindCalendarTrap {
			trap = s.Host
			break
		}
	}
	if trap == "" {
		t.Fatal("no calendar trap among 200 sites of seed 1; pick another web")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	logs := newRequestLogs(web, []string{a, b})
	if err := logs.read(); err != nil {
		t.Fatalf("files not there yet: %v", err)
	}
	// A line cut in the middle by the reader waits for its end.
	appendTo(t, a, `{"host":"Shop.example","path":"/","status":200}`+"\n"+`{"host":"shop.example","pa`)
	appendTo(t, b, `{"host":"shop.example","path":"/robots.txt","status":200}`+"\n"+
		`{"host":"`+trap+`","path":"/calendar/2026/11","status":200}`+"\n"+
		`{"host":"`+trap+`","path":"/","status":200}`+"\n")
	if err := logs.read(); err != nil {
		t.Fatal(err)
	}
	appendTo(t, a, `th":"/","status":200}`+"\n")
	if err := logs.read(); err != nil {
		t.Fatal(err)
	}
	if got := logs.requests["shop.example/"]; got != 2 {
		t.Errorf("shop.example/: got %d requests, want 2 (one line read in two halves, host lower-cased)", got)
	}
	if _, ok := logs.requests["shop.example/robots.txt"]; ok {
		t.Error("robots.txt counted as a page")
	}
	if logs.traps[trap+"/calendar/2026/11"] != 1 || logs.requests[trap+"/"] != 1 {
		t.Errorf("trap site: pages %v, trap pages %v; want its calendar apart and its home page counted", logs.requests, logs.traps)
	}
	if len(logs.requests) != 2 {
		t.Errorf("got pages %v, want 2", logs.requests)
	}
}

func TestRequestLogsRefuseALineThatIsNoRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	appendTo(t, path, "level=DEBUG msg=request host=x path=/\n")
	err := newRequestLogs(simweb.Generate(simweb.Options{Sites: 30, Seed: 1}), []string{path}).read()
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want an error naming %s", err, path)
	}
}

func TestMostPicksTheLargestCountThenTheFirstName(t *testing.T) {
	got, err := most(map[string]int{"natsd-3": 4, "natsd-1": 4, "natsd-2": 3}, "none")
	if err != nil || got != "natsd-1" {
		t.Errorf("got %q, %v; want natsd-1", got, err)
	}
	if _, err := most(nil, "nobody leads"); err == nil || err.Error() != "nobody leads" {
		t.Errorf("empty counts: got %v, want the error given", err)
	}
}

func TestOverrideMountsEachSimwebLogAndPublishesEveryNATSNode(t *testing.T) {
	dir := t.TempDir()
	path, logDirs, err := writeOverride(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	y := string(b)
	for i, d := range logDirs {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm() != 0o777 {
			t.Errorf("%s: %v, mode %v; want a directory the services' user can write", d, err, st.Mode())
		}
		if !strings.Contains(y, "simweb-"+string(rune('1'+i))+":\n    volumes: [\""+d+":/log\"]") {
			t.Errorf("override does not mount %s into simweb-%d:\n%s", d, i+1, y)
		}
	}
	for _, n := range []string{"natsd-2", "natsd-3"} {
		if !strings.Contains(y, n+":\n    networks: [trawl, edge]\n    ports: [\"127.0.0.1::4222\"]") {
			t.Errorf("override does not publish %s's client port:\n%s", n, y)
		}
	}
}
