package iploc_test

import (
	"net/netip"
	"testing"

	"trawl.dev/classifier/iploc"
)

func TestCountry(t *testing.T) {
	tests := []struct {
		ip     string
		want   string
		wantOK bool
	}{
		{"77.88.55.242", "RU", true}, // Yandex
		{"2a02:6b8::2:242", "RU", true},
		{"8.8.8.8", "US", true},
		{"::ffff:77.88.55.242", "RU", true},
		{"127.0.0.1", "", false},
		{"10.1.2.3", "", false},
	}
	for _, tc := range tests {
		got, ok := iploc.DB{}.Country(netip.MustParseAddr(tc.ip))
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("Country(%s) = %q, %v; want %q, %v", tc.ip, got, ok, tc.want, tc.wantOK)
		}
	}
}
