package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"trawl.dev/classifier/investigate"
	"trawl.dev/deploy/node"
	"trawl.dev/simweb"
)

// TestEvidenceCitesItsWARCRecord crawls a small simweb with WARC output on
// and follows each flagged site's evidence from the investigators' API to
// the crawler's WARC files: the record at the cited file and offset has the
// cited WARC-Record-ID and is the response of the evidence's URL.
func TestEvidenceCitesItsWARCRecord(t *testing.T) {
	web := simweb.Generate(simweb.Options{Sites: 25, Seed: 7})
	var flaggedTruth []string
	for _, s := range web.Sites() {
		if s.Flagged {
			flaggedTruth = append(flaggedTruth, s.Truth().Site)
		}
	}
	if len(flaggedTruth) == 0 {
		t.Fatal("simweb has no site to flag: the test would prove nothing")
	}
	dir := t.TempDir()
	mmdb := filepath.Join(dir, "country.mmdb")
	if err := web.WriteMMDB(mmdb); err != nil {
		t.Fatal(err)
	}
	srv, err := web.Start(context.Background(), simweb.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	warcDir := filepath.Join(dir, "warc")
	n, err := node.Start(context.Background(), node.Options{
		DataDir: dir, NumPartitions: 4, Concurrency: 8, MinDelay: 20 * time.Millisecond,
		FetchTimeout: 2 * time.Second, Resolver: srv.DNSAddr(), AllowLoopback: true, GeoIPDB: mmdb,
		WARCDir: warcDir, InvestigateAddr: "127.0.0.1:0", NoSync: true,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeNode := func() {
		if !closed {
			closed = true
			if err := n.Close(); err != nil {
				t.Errorf("close node: %v", err)
			}
		}
	}
	t.Cleanup(closeNode)
	if err := n.Frontier.Seed(context.Background(), srv.Seeds()...); err != nil {
		t.Fatal(err)
	}
	// Each flagged site's evidence, as the investigators' API shows it once
	// the site is flagged. The crawl goes on meanwhile: a politeness-bound
	// host of simweb would take a while to drain, and is not needed.
	type cited struct {
		site, signal, url, file, id string
		offset                      int64
	}
	var evidence []cited
	detail := func(site string) (*investigate.SiteDetail, error) {
		req, _ := http.NewRequest("GET", "http://"+n.Investigate.Addr()+"/api/v1/sites/"+site, nil)
		req.Header.Set("Authorization", "Bearer "+n.Investigate.AdminToken())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("site %s: got %d: %.300s", site, resp.StatusCode, body)
		}
		var d investigate.SiteDetail
		if err := json.Unmarshal(body, &d); err != nil {
			return nil, err
		}
		return &d, nil
	}
	deadline := time.Now().Add(4 * time.Minute)
	for _, site := range flaggedTruth {
		d, err := detail(site)
		for err != nil || !d.Flagged {
			if time.Now().After(deadline) {
				t.Fatalf("site %s not flagged after 4 minutes (%v); frontier %+v", site, err, n.Frontier.Stats())
			}
			time.Sleep(250 * time.Millisecond)
			d, err = detail(site)
		}
		if len(d.Evidence) == 0 {
			t.Fatalf("site %s: flagged without evidence", site)
		}
		for _, e := range d.Evidence {
			if e.WARC == nil {
				t.Errorf("site %s: evidence %s from %s cites no WARC record", site, e.Signal, e.URL)
				continue
			}
			evidence = append(evidence, cited{site, e.Signal, e.URL, e.WARC.File, e.WARC.RecordID, e.WARC.Offset})
		}
	}

	// Stopping the crawler finishes the WARC files under their final names.
	closeNode()
	for _, e := range evidence {
		path := filepath.Join(warcDir, e.file)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s %s: cited file: %v", e.site, e.signal, err)
		}
		r, err := gowarc.NewWarcFileReader(path, e.offset)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("%s %s: read %s at %d: %v", e.site, e.signal, e.file, e.offset, err)
		}
		h := rec.WarcRecord.WarcHeader()
		if rec.WarcRecord.Type() != gowarc.Response || h.GetId(gowarc.WarcRecordID) != e.id || h.Get(gowarc.WarcTargetURI) != e.url {
			t.Errorf("%s %s: at %s@%d got a %s record %s of %s, want the response %s of %s", e.site, e.signal,
				e.file, e.offset, rec.WarcRecord.Type(), h.GetId(gowarc.WarcRecordID), h.Get(gowarc.WarcTargetURI), e.id, e.url)
		}
		rec.Close()
		r.Close()
	}
	t.Logf("%d flagged sites, %d evidence items, each read back from its WARC record", len(flaggedTruth), len(evidence))
}
