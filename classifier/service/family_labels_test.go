package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"trawl.dev/classifier"
	"trawl.dev/classifier/internal/testsites"
	"trawl.dev/classifier/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

// storePage is the home page of a store that takes payment into purse.
func storePage(site, ip, purse string) *trawlpb.PageFacts {
	return &trawlpb.PageFacts{Url: "http://" + site + "/", Host: site, Site: site, Partition: int32(proto.Partition(site, numPartitions)),
		StatusCode: 200, Ip: ip, FetchedUnixMs: testsites.Fetched.UnixMilli(),
		Text: "Every track $0.10 per track, albums about $1.50 per album. Refill your balance and get a 10% bonus on $20. " +
			"Pay with WebMoney to purse " + purse + ". Choose format: MP3, OGG or FLAC, 192 or 320 kbps. Licensed by ROMS."}
}

// Two stores paying into one purse are one family: both verdicts say so,
// on the wire too. Labels are stored with the site and shown with its
// verdict, and eval --labels measures the rules against them.
func TestServiceFamiliesAndLabels(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	svc, stop := startService(t, nc, service.Options{DataDir: dir, NumPartitions: numPartitions,
		IPDB: testsites.Countries(), Logger: quiet})
	a := storePage("tunes-one.ru", "127.0.1.10", "Z418223017745")
	b := storePage("tunes-two.com", "127.0.1.11", "Z418223017745")
	c := storePage("other-shop.ru", "127.0.1.10", "Z999999999999") // same server, another purse and template
	c.Text = "Cheapest hits anywhere: songs for 9 cents per track! Top up the account, 15% extra on deposits of $30. " +
		"WebMoney purse Z999999999999. Select MP3 320 or FLAC. Our ROMS license covers it all."
	for _, pf := range []*trawlpb.PageFacts{a, b, c} {
		publishPage(t, js, pf, proto.MsgID("page", pf.Url))
	}
	waitFor(t, "three pages", func() bool { return svc.Stats().Pages == 3 })
	waitFor(t, "both verdicts published with their family", func() bool {
		va, okA := lastVerdict(t, js, a.Site)
		vb, okB := lastVerdict(t, js, b.Site)
		return okA && okB && va.Family != "" && va.Family == vb.Family
	})
	va, _ := lastVerdict(t, js, a.Site)
	if !va.Flagged || len(va.FamilyLinks) == 0 || va.FamilyLinks[0].Reason != classifier.LinkPayment ||
		va.FamilyLinks[0].Site != b.Site || va.FamilyLinks[0].Value != "webmoney:Z418223017745" {
		t.Errorf("verdict of %s: flagged %v family %q links %v; want flagged, linked to %s by the purse", a.Site, va.Flagged, va.Family, va.FamilyLinks, b.Site)
	}
	if vc, ok := lastVerdict(t, js, c.Site); !ok || !vc.Flagged || vc.Family != "" {
		t.Errorf("verdict of %s (shares only the server): got %v; want flagged and alone", c.Site, vc)
	}

	labels := []*trawlpb.Label{
		{Site: "www.tunes-one.ru", Label: "confirmed", Reviewer: "ann", Note: "bought a track", CreatedUnixMs: 1, Id: "l1"},
		{Site: "tunes-one.ru", Label: "confirmed", Reviewer: "ann", CreatedUnixMs: 1, Id: "l1"}, // redelivered
		{Site: "other-shop.ru", Label: "false-positive", Reviewer: "bob", CreatedUnixMs: 2, Id: "l2"},
		{Site: "tunes-two.com", Label: "maybe", Id: "l3"}, // unknown kind: dead-lettered
	}
	for i, l := range labels {
		if err := bus.Publish(ctx, js, proto.LabelSubject(l.Site), l, "label-"+strings.Repeat("x", i)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the labels", func() bool { st := svc.Stats(); return st.Labels == 2 && st.Dead == 1 })
	vs, err := svc.Verdicts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		switch v.Site {
		case a.Site:
			if len(v.Labels) != 1 || v.Labels[0].Kind != classifier.LabelConfirmed || v.Labels[0].Reviewer != "ann" {
				t.Errorf("labels of %s: got %+v, want one confirmed by ann", v.Site, v.Labels)
			}
			if v.Summary().Label != classifier.LabelConfirmed || v.Summary().Family == "" {
				t.Errorf("summary of %s: got %+v, want its label and family", v.Site, v.Summary())
			}
		case c.Site:
			if len(v.Labels) != 1 || v.Labels[0].Kind != classifier.LabelFalsePositive {
				t.Errorf("labels of %s: got %+v, want one false-positive", v.Site, v.Labels)
			}
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := service.Main(ctx, []string{"eval", "--labels", "--data", dir, "--misses"}, &stdout, &stderr); code != 0 {
		t.Fatalf("eval --labels: exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"2 labelled sites", "confirmed 1, false-positive 1", "precision 0.500 recall 1.000", "other-shop.ru"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval --labels output lacks %q:\n%s", want, out)
		}
	}
}
