package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"trawl.dev/classifier/investigate"
	"trawl.dev/classifier/readmodel/gen"
	"trawl.dev/classifier/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

const (
	cliViewer   = "cli-viewer-token-0123456789"
	cliReviewer = "cli-reviewer-token-0123456789"
)

// startAPI runs an investigators' server over generated verdicts and
// returns its URL once its read model has caught up.
func startAPI(t *testing.T, n int) (string, []*trawlpb.Verdict) {
	t.Helper()
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	g := &gen.Generator{Seed: 5, FlaggedPercent: 10}
	var vs []*trawlpb.Verdict
	for i := range n {
		v := g.Verdict(i)
		vs = append(vs, v)
		if err := bus.Publish(ctx, js, proto.VerdictSubject(v.Site), v, ""); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := investigate.New(nc, investigate.Options{DataDir: t.TempDir(), Listener: ln, NoSync: true,
		Tokens: []investigate.Token{
			{Name: "vic", Role: investigate.RoleViewer, Token: cliViewer},
			{Name: "rob", Role: investigate.RoleReviewer, Token: cliReviewer},
		}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	<-srv.Started()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := srv.Index().WaitApplied(wctx, proto.StreamVerdicts, uint64(n)); err != nil {
		t.Fatal(err)
	}
	return "http://" + srv.Addr(), vs
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = service.Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSitesAndLabelCommands(t *testing.T) {
	api, vs := startAPI(t, 200)
	var flagged []string
	for _, v := range vs {
		if v.Flagged && v.Countries[0] == "RU" {
			flagged = append(flagged, v.Site)
		}
	}
	if len(flagged) < 2 {
		t.Fatalf("%d flagged RU sites generated, want 2 or more", len(flagged))
	}
	base := []string{"--api", api, "--token", cliViewer, "--flagged", "true", "--country", "RU"}

	code, out, errs := run(t, append([]string{"sites"}, base...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(flagged)+1 || !strings.HasPrefix(lines[0], "SITE") {
		t.Fatalf("sites (table): exit %d, %d lines, stderr %q; want 0 and a header and %d rows", code, len(lines), errs, len(flagged))
	}
	code, out, _ = run(t, append([]string{"sites", "--format", "csv"}, base...)...)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != len(flagged)+1 || recs[0][0] != "site" {
		t.Fatalf("sites --format csv: exit %d, %d records, %v", code, len(recs), err)
	}
	code, out, _ = run(t, append([]string{"sites", "--format", "jsonl", "--limit", "1", "--evidence"}, base...)...)
	var row struct {
		Site     string `json:"site"`
		Evidence []any  `json:"evidence"`
	}
	if code != 0 || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &row) != nil || len(row.Evidence) == 0 {
		t.Fatalf("sites --format jsonl --limit 1 --evidence: exit %d, got %.200q", code, out)
	}

	site := flagged[0]
	code, _, errs = run(t, "label", "--api", api, "--token", cliViewer, site, "confirmed")
	if code != 1 || !strings.Contains(errs, "forbidden") {
		t.Fatalf("label as a viewer: exit %d, stderr %q; want 1 and forbidden", code, errs)
	}
	code, out, errs = run(t, "label", "--api", api, "--token", cliReviewer, site, "confirmed", "--note", "per-track prices")
	if code != 0 || !strings.Contains(out, site+" labelled confirmed by rob") {
		t.Fatalf("label: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = run(t, "sites", "--api", api, "--token", cliViewer, "--label", "confirmed", "--format", "csv")
	if code != 0 || !strings.Contains(out, site) || !strings.Contains(out, "per-track prices") {
		t.Fatalf("sites --label confirmed: exit %d, got %q", code, out)
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no token", []string{"sites", "--api", api, "--token", ""}, 2, "no token"},
		{"wrong token", []string{"sites", "--api", api, "--token", "nope-nope-nope"}, 1, "invalid_token"},
		{"bad format", []string{"sites", "--api", api, "--token", cliViewer, "--format", "xml"}, 2, "--format"},
		{"bad filter", []string{"sites", "--api", api, "--token", cliViewer, "--min-store", "2"}, 1, "min_store"},
		{"bad label", []string{"label", "--api", api, "--token", cliReviewer, site, "guilty"}, 2, "not a label"},
		{"missing label", []string{"label", "--api", api, "--token", cliReviewer, site}, 2, "usage"},
		{"unknown site", []string{"label", "--api", api, "--token", cliReviewer, "nowhere.example", "cleared"}, 1, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := run(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.says) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", code, errs, tt.code, tt.says)
			}
		})
	}
}

func TestInvestbenchSmall(t *testing.T) {
	code, out, errs := run(t, "investbench", "--sites", "600", "--reps", "3", "--target-p95-ms", "10000")
	if code != 0 {
		t.Fatalf("investbench: exit %d: %s %s", code, out, errs)
	}
	last := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	var res struct {
		Sites int `json:"sites"`
		All   struct {
			N     int     `json:"n"`
			P95Ms float64 `json:"p95_ms"`
		} `json:"all"`
		Exports []struct {
			Rows int64 `json:"rows"`
		} `json:"exports"`
	}
	if err := json.Unmarshal([]byte(last), &res); err != nil {
		t.Fatalf("last line is not the JSON result: %v: %q", err, last)
	}
	if res.Sites != 600 || res.All.N == 0 || len(res.Exports) != 2 || res.Exports[1].Rows != 600 {
		t.Fatalf("result: got %+v, want 600 sites, timed queries and a full export of 600 rows", res)
	}
	if !strings.Contains(out, "p95 of a filtered, sorted page") {
		t.Fatalf("no summary line in %q", out)
	}
}
