package service_test

import (
	"reflect"
	"testing"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/classifier/service"
)

// A verdict survives the wire: every field the wire carries comes back.
func TestVerdictRoundTrip(t *testing.T) {
	at := time.Date(2007, 3, 1, 12, 0, 0, 0, time.UTC)
	v := &classifier.Verdict{
		Site: "tunes.example", Partition: 3, Class: classifier.ClassStore, Flagged: true,
		StoreScore: 0.91, RussiaScore: 0.8, HostingScore: 0.6, ContentScore: 0.5, PiracyScore: 0.1, LegitScore: 0.2,
		Countries: []string{"RU"}, Networks: []string{"AS12345 Example Hosting"}, Hosts: []string{"tunes.example"},
		IPs: []string{"127.0.1.5"}, TrackerIDs: []string{"ga:UA-1234-1"}, Pages: 4, Title: "Tunes",
		Evidence: []classifier.Evidence{{Signal: "price.per_mb", Axis: classifier.AxisStore, Weight: 0.7,
			Snippet: "$0.02 per MB", URL: "http://tunes.example/", Seen: at}, {Signal: "russia.roms", Axis: classifier.AxisRussia,
			Weight: 0.5, Snippet: "ROMS licence", URL: "http://tunes.example/legal", Seen: at,
			WARC: &classifier.WARCRef{File: "trawl-20070301120000-00001-7.warc.gz", Offset: 4096, RecordID: "urn:uuid:0b1e4d1c-4c55-4a0b-9c7e-1a2b3c4d5e6f"}}},
		Family:      "fam-tunes.example",
		FamilyLinks: []classifier.FamilyLink{{Site: "tunes2.example", Reason: classifier.LinkTracker, Value: "ga:UA-1234-1"}},
		Version:     7, FirstSeen: at, Updated: at.Add(time.Hour),
	}
	got := service.VerdictFromProto(service.VerdictToProto(v))
	if !reflect.DeepEqual(got, v) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", got, v)
	}
}
