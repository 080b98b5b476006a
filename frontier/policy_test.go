package frontier_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"trawl.dev/frontier"
)

func TestCheckURL(t *testing.T) {
	p := frontier.Policy{}.WithDefaults()
	deep := "http://a.com/" + strings.Repeat("d/", 30)
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"plain", "http://a.com/music/album/1.html?id=3", nil},
		{"root", "http://a.com/", nil},
		{"no path", "http://a.com", nil},
		{"long", "http://a.com/" + strings.Repeat("x", 1100), frontier.ErrTooLong},
		{"deep", deep, frontier.ErrPathTooDeep},
		{"repeated segment", "http://a.com/a/b/a/b/a/b/a/b/", frontier.ErrRepeatedSegment},
		{"three repeats are fine", "http://a.com/a/x/a/y/a/", nil},
		{"many params", "http://a.com/?" + strings.Repeat("k=v&", 12) + "k=v", frontier.ErrTooManyParams},
		{"twelve params", "http://a.com/?" + strings.Repeat("k=v&", 11) + "k=v", nil},
		{"calendar", "http://cal.ru/calendar/2031/07", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.CheckURL(tt.url); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	tests := []struct {
		name    string
		p       frontier.Policy
		linking int64
		want    int64
	}{
		{"defaults, unlinked", frontier.Policy{}, 0, 1000},
		{"defaults, ten linking sites", frontier.Policy{}, 10, 2000},
		{"capped", frontier.Policy{}, 5000, 100_000},
		{"growth off", frontier.Policy{SiteBudget: 20, BudgetPerLinkingSite: -1}, 10, 20},
		{"small", frontier.Policy{SiteBudget: 2, BudgetPerLinkingSite: 1}, 3, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.WithDefaults().Budget(tt.linking); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestApplyReasons checks the wait an outcome sets and the reason recorded.
func TestApplyReasons(t *testing.T) {
	p := frontier.Policy{MinDelay: time.Second, RobotsPark: time.Minute, MaxBackoff: 10 * time.Minute}.WithDefaults()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		h          frontier.HostState
		o          frontier.Outcome
		wantDelay  time.Duration
		wantReason string
	}{
		{"min delay", frontier.HostState{}, frontier.Outcome{Status: 200}, time.Second, frontier.ReasonMinDelay},
		{"adaptive", frontier.HostState{}, frontier.Outcome{Status: 200, Duration: 800 * time.Millisecond}, 1600 * time.Millisecond, frontier.ReasonAdaptive},
		{"crawl-delay", frontier.HostState{}, frontier.Outcome{Status: 200, CrawlDelay: 5 * time.Second}, 5 * time.Second, frontier.ReasonCrawlDelay},
		{"override", frontier.HostState{Override: frontier.Override{Delay: 7 * time.Second}}, frontier.Outcome{Status: 200}, 7 * time.Second, frontier.ReasonOverride},
		{"override below min delay", frontier.HostState{Override: frontier.Override{Delay: 100 * time.Millisecond}}, frontier.Outcome{Status: 200}, 100 * time.Millisecond, frontier.ReasonOverride},
		{"backoff", frontier.HostState{Errors: 2}, frontier.Outcome{Status: 502}, 8 * time.Second, frontier.ReasonBackoff},
		{"retry-after", frontier.HostState{}, frontier.Outcome{Status: 429, RetryAfter: time.Minute}, time.Minute, frontier.ReasonRetryAfter},
		{"robots parked", frontier.HostState{}, frontier.Outcome{ErrorCode: frontier.CodeRobotsUnavailable}, time.Minute, frontier.ReasonRobotsParked},
		{"robots parked again", frontier.HostState{Parks: 2}, frontier.Outcome{ErrorCode: frontier.CodeRobotsUnavailable}, 4 * time.Minute, frontier.ReasonRobotsParked},
		{"robots park capped", frontier.HostState{Parks: 9}, frontier.Outcome{ErrorCode: frontier.CodeRobotsUnavailable}, 10 * time.Minute, frontier.ReasonRobotsParked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := p.Apply(tt.h, tt.o, now)
			if h.Delay != tt.wantDelay || h.Reason != tt.wantReason || !h.NextEligible.Equal(now.Add(tt.wantDelay)) {
				t.Fatalf("got delay %v, reason %q, next %v; want %v, %q", h.Delay, h.Reason, h.NextEligible.Sub(now), tt.wantDelay, tt.wantReason)
			}
		})
	}
	if h := p.Apply(frontier.HostState{Parks: 3, Errors: 2}, frontier.Outcome{Status: 200}, now); h.Parks != 0 || h.Errors != 0 {
		t.Errorf("success: got parks %d, errors %d; want both reset", h.Parks, h.Errors)
	}
	if (frontier.Outcome{ErrorCode: frontier.CodeRobotsUnavailable}).HostError() {
		t.Error("robots_unavailable counted as a host error: it would use up the URL's attempts")
	}
}

func TestIPGate(t *testing.T) {
	g := frontier.NewIPGate(frontier.Policy{MinDelay: time.Second, IPMinDelay: 100 * time.Millisecond, MaxPerIP: 1})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok := g.Acquire("10.0.0.1", now); !ok {
		t.Fatal("first acquire refused")
	}
	if retry, ok := g.Acquire("10.0.0.1", now.Add(time.Second)); ok || !retry.After(now.Add(time.Second)) {
		t.Fatalf("second acquire while busy: got %v, %v; want refused with a later retry", retry, ok)
	}
	if _, ok := g.Acquire("10.0.0.2", now); !ok {
		t.Fatal("another address refused")
	}
	g.Release("10.0.0.1", now.Add(2*time.Second))
	if _, ok := g.Acquire("10.0.0.1", now.Add(2*time.Second+99*time.Millisecond)); ok {
		t.Fatal("acquire within IPMinDelay of the end of the last fetch: got a slot")
	}
	if _, ok := g.Acquire("10.0.0.1", now.Add(2*time.Second+100*time.Millisecond)); !ok {
		t.Fatal("acquire IPMinDelay after the end of the last fetch: refused")
	}
	off := frontier.NewIPGate(frontier.Policy{MaxPerIP: -1, IPMinDelay: -1})
	for range 3 {
		if _, ok := off.Acquire("10.0.0.1", now); !ok {
			t.Fatal("rules off: refused")
		}
	}
}
