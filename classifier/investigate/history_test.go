package investigate_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"trawl.dev/classifier/investigate"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

// serve runs a server on dataDir until the returned stop is called, and
// waits until its read model has caught up.
func serve(t *testing.T, nc *nats.Conn, dataDir string, rebuild bool) (url string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := investigate.New(nc, investigate.Options{DataDir: dataDir, Listener: ln, NoSync: true, Rebuild: rebuild,
		Tokens: []investigate.Token{{Name: "vera", Role: investigate.RoleViewer, Token: viewerToken}}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	select {
	case <-srv.Started():
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	url = "http://" + srv.Addr()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRebuiltReadModelShowsVerdictHistory checks that a server whose read
// model is built again from the streams (--rebuild) shows a site's verdict
// history, including the change that flagged it, in the API and on the
// site page: the VERDICTS stream keeps the last verdicts of each site.
func TestRebuiltReadModelShowsVerdictHistory(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	const site = "tunes.example"
	at := time.Now().Add(-time.Hour)
	verdict := func(v int64) *trawlpb.Verdict {
		pv := &trawlpb.Verdict{Site: site, Version: v, Class: "other", Pages: int32(v), StoreScore: float64(v) / 100,
			UpdatedUnixMs: at.Add(time.Duration(v) * time.Minute).UnixMilli(), FirstSeenUnixMs: at.UnixMilli()}
		if v >= 20 {
			pv.Class, pv.Flagged, pv.RussiaScore = "store", true, 0.9
		}
		return pv
	}
	for v := int64(1); v <= 25; v++ {
		if err := bus.Publish(ctx, js, proto.VerdictSubject(site), verdict(v), ""); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	_, stop := serve(t, nc, dir, false)
	stop()
	if err := bus.Publish(ctx, js, proto.VerdictSubject(site), verdict(26), ""); err != nil {
		t.Fatal(err)
	}

	url, _ := serve(t, nc, dir, true)
	req, _ := http.NewRequest("GET", url+"/api/v1/sites/"+site, nil)
	req.Header.Set("Authorization", "Bearer "+viewerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	d := decode[investigate.SiteDetail](t, resp)
	resp.Body.Close()
	want := proto.DefaultVerdictHistory // versions 7 to 26
	if len(d.History) != want || d.Version != 26 {
		t.Fatalf("rebuilt: got version %d with %d history entries, want 26 with %d", d.Version, len(d.History), want)
	}
	flagged := 0
	for i, h := range d.History {
		if h.Version != int64(26-i) {
			t.Fatalf("history entry %d is version %d, want %d (newest first)", i, h.Version, 26-i)
		}
		if h.Flagged {
			flagged++
		}
	}
	if flagged != 7 {
		t.Fatalf("history has %d flagged versions, want 7 (20 to 26), the change among the entries", flagged)
	}

	req, _ = http.NewRequest("GET", url+"/sites/"+site, nil)
	req.AddCookie(&http.Cookie{Name: "trawl_session", Value: viewerToken})
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, hist, ok := strings.Cut(string(page), `id="history"`)
	if !ok {
		t.Fatalf("site page (%d) has no verdict history section", resp.StatusCode)
	}
	hist, _, _ = strings.Cut(hist, "</table>")
	if rows := strings.Count(hist, "<tr><td>"); rows != want {
		t.Fatalf("site page shows %d history rows, want %d", rows, want)
	}
}
