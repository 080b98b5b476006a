package proto_test

import (
	"slices"
	"testing"

	"trawl.dev/proto"
)

func TestSite(t *testing.T) {
	tests := []struct{ host, want string }{
		{"www.allofmp3.com", "allofmp3.com"},
		{"music.shop.example.co.uk", "example.co.uk"},
		{"WWW.Example.RU.", "example.ru"},
		{"xn--80aswg.xn--p1ai", "xn--80aswg.xn--p1ai"},
		{"a.b.xn--80aswg.xn--p1ai:8080", "xn--80aswg.xn--p1ai"},
		{"127.1.2.3", "127.1.2.3"},
		{"localhost", "localhost"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := proto.Site(tt.host); got != tt.want {
			t.Errorf("Site(%q): got %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestPartitionSameForEveryHostOfASite(t *testing.T) {
	const n = 64
	a := proto.PartitionOfHost("www.mp3shop.ru", n)
	b := proto.PartitionOfHost("cdn.mp3shop.ru", n)
	if a != b {
		t.Fatalf("hosts of one site: got partitions %d and %d, want equal", a, b)
	}
	if a < 0 || a >= n {
		t.Fatalf("partition %d outside 0-%d", a, n-1)
	}
	// The hash spreads sites: 1,000 sites over 64 partitions leave none empty.
	counts := make([]int, n)
	for i := range 1000 {
		counts[proto.Partition("site"+string(rune('a'+i%26))+string(rune('a'+i/26))+".ru", n)]++
	}
	if slices.Contains(counts, 0) {
		t.Fatalf("an empty partition among 1,000 sites: %v", counts)
	}
}

func TestPartitionOfSubject(t *testing.T) {
	tests := []struct {
		subj string
		want int
	}{
		{proto.Partitioned(proto.SubjectLinks, 17), 17},
		{"trawl.v1.seed", -1},
		{"trawl.v1.page.-3", -1},
		{"x", -1},
	}
	for _, tt := range tests {
		if got := proto.PartitionOfSubject(tt.subj); got != tt.want {
			t.Errorf("PartitionOfSubject(%q): got %d, want %d", tt.subj, got, tt.want)
		}
	}
}

func TestParsePartitions(t *testing.T) {
	tests := []struct {
		in      string
		n       int
		want    []int
		wantErr bool
	}{
		{"all", 4, []int{0, 1, 2, 3}, false},
		{"", 2, []int{0, 1}, false},
		{"0-2", 8, []int{0, 1, 2}, false},
		{"1,3,5-6,3", 8, []int{1, 3, 5, 6}, false},
		{"0-8", 8, nil, true},
		{"x", 8, nil, true},
		{"5-2", 8, nil, true},
	}
	for _, tt := range tests {
		got, err := proto.ParsePartitions(tt.in, tt.n)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePartitions(%q, %d): err %v, want error %v", tt.in, tt.n, err, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParsePartitions(%q, %d): got %v, want %v", tt.in, tt.n, got, tt.want)
		}
	}
}
