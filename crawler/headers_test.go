package crawler_test

import (
	"net/textproto"
	"reflect"
	"testing"
	"time"

	"trawl.dev/crawler"
)

func TestHeaderFacts(t *testing.T) {
	h := textproto.MIMEHeader{
		"Server":           {"nginx/1.2.3"},
		"X-Powered-By":     {"PHP/5.2.17"},
		"Content-Language": {"ru"},
		"Set-Cookie":       {"PHPSESSID=abc; path=/", "lang=ru", "PHPSESSID=def", "broken"},
		"Date":             {"ignored"},
	}
	want := map[string]string{"Server": "nginx/1.2.3", "X-Powered-By": "PHP/5.2.17",
		"Content-Language": "ru", "Set-Cookie": "PHPSESSID,lang"}
	if got := crawler.HeaderFacts(h); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 7 ", 7 * time.Second},
		{"-5", 0},
		{"99999999", 24 * time.Hour},
		{"Fri, 02 Jan 2026 03:05:05 GMT", time.Minute},
		{"Friday, 02-Jan-26 03:04:35 GMT", 30 * time.Second},
		{"Fri Jan  2 03:04:15 2026", 10 * time.Second},
		{"Thu, 01 Jan 2026 00:00:00 GMT", 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := crawler.RetryAfter(tt.in, now); got != tt.want {
			t.Errorf("RetryAfter(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}
