package bolt_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"trawl.dev/frontier"
	"trawl.dev/frontier/bolt"
)

// MustOpen opens a store in dir that is closed when tb ends.
func MustOpen(tb testing.TB, dir string) *bolt.Store {
	tb.Helper()
	s, err := bolt.Open(bolt.PartitionPath(dir, 0), nil)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func task(url string) frontier.Task {
	host := frontier.HostOf(url)
	return frontier.Task{URL: url, Host: host, Site: host}
}

var (
	policy = frontier.Policy{MinDelay: time.Second, SiteBudget: 1000}.WithDefaults()
	t0     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func TestPartitionPath(t *testing.T) {
	if got, want := bolt.PartitionPath("/data", 7), filepath.FromSlash("/data/frontier/part-7.db"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestAdmitDedupsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := bolt.Open(bolt.PartitionPath(dir, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Admit([]frontier.Task{task("http://a.com/1"), task("http://a.com/2")}, policy)
	if err != nil {
		t.Fatal(err)
	}
	if a.New != 2 || a.Counts.Queued != 2 || a.Counts.Seen != 2 {
		t.Fatalf("first admit: got new %d, counts %+v; want 2 new, 2 queued, 2 seen", a.New, a.Counts)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = MustOpen(t, dir)
	a, err = s.Admit([]frontier.Task{task("http://a.com/2"), task("http://a.com/3")}, policy)
	if err != nil {
		t.Fatal(err)
	}
	if a.New != 1 || a.Duplicate != 1 {
		t.Fatalf("after reopen: got new %d, duplicate %d; want 1, 1", a.New, a.Duplicate)
	}
	c, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if c.Queued != 3 || c.Seen != 3 {
		t.Fatalf("counts after reopen: got %+v, want 3 queued, 3 seen", c)
	}
}

func TestAdmitBatch(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	var tasks []frontier.Task
	for _, u := range []string{"http://a.com/1", "http://b.com/1", "http://a.com/1", "http://a.com/2", "http://c.com/"} {
		tasks = append(tasks, task(u))
	}
	a, err := s.Admit(tasks, policy)
	if err != nil {
		t.Fatal(err)
	}
	if a.New != 4 || a.Duplicate != 1 {
		t.Fatalf("got new %d, duplicate %d; want 4, 1", a.New, a.Duplicate)
	}
	queued := map[string]int64{}
	for _, h := range a.Hosts {
		queued[h.Host] = h.State.Queued
	}
	want := map[string]int64{"a.com": 2, "b.com": 1, "c.com": 1}
	for h, n := range want {
		if queued[h] != n {
			t.Errorf("host %s: got %d queued, want %d", h, queued[h], n)
		}
	}
	var hosts int
	if err := s.Hosts(func(frontier.HostEntry) error { hosts++; return nil }); err != nil {
		t.Fatal(err)
	}
	if hosts != 3 {
		t.Errorf("Hosts: got %d, want 3", hosts)
	}
}

func TestSiteBudget(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	p := policy
	p.SiteBudget = 2
	a, err := s.Admit([]frontier.Task{task("http://a.com/1"), task("http://a.com/2"), task("http://a.com/3"), task("http://b.com/")}, p)
	if err != nil {
		t.Fatal(err)
	}
	if a.New != 3 || a.OverBudget != 1 {
		t.Fatalf("got new %d, over budget %d; want 3, 1", a.New, a.OverBudget)
	}
}

func TestLeaseQueueOrder(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	low, high := task("http://a.com/low"), task("http://a.com/high")
	high.Priority = 5
	if _, err := s.Admit([]frontier.Task{low, high, task("http://a.com/low2")}, policy); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < 3; i++ {
		ls, _, err := s.Lease([]string{"a.com"}, policy, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) != 1 {
			t.Fatalf("lease %d: got %d leases, want 1", i, len(ls))
		}
		got = append(got, ls[0].Task.URL)
		ls2, _, err := s.Lease([]string{"a.com"}, policy, t0)
		if err != nil || len(ls2) != 0 {
			t.Fatalf("second lease while one is in flight: got %d, %v; want none", len(ls2), err)
		}
		if _, err := s.Complete([]frontier.Outcome{{LeaseID: ls[0].ID, Status: 200}}, policy, t0); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"http://a.com/high", "http://a.com/low", "http://a.com/low2"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lease order: got %v, want %v", got, want)
		}
	}
}

func TestLeaseExpiryReissues(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	if _, err := s.Admit([]frontier.Task{task("http://a.com/")}, policy); err != nil {
		t.Fatal(err)
	}
	ls, ch, err := s.Lease([]string{"a.com"}, policy, t0)
	if err != nil || len(ls) != 1 {
		t.Fatalf("lease: got %d, %v", len(ls), err)
	}
	first := ls[0]
	if first.Task.Attempt != 1 || !first.Expires.Equal(t0.Add(policy.LeaseTTL)) || ch.Counts.Leased != 1 || ch.Counts.Queued != 0 {
		t.Fatalf("got lease %+v, counts %+v; want attempt 1, expiry t0+TTL, 1 leased", first, ch.Counts)
	}
	// Not yet expired: nothing happens.
	if ch, err := s.Expire([]string{first.ID}, policy, t0.Add(time.Second)); err != nil || ch.Counts.Leased != 1 {
		t.Fatalf("early expire: got counts %+v, %v; want the lease kept", ch.Counts, err)
	}
	ch, err = s.Expire([]string{first.ID}, policy, first.Expires)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Counts.Leased != 0 || ch.Counts.Queued != 1 || ch.Counts.Expired != 1 {
		t.Fatalf("after expiry: got counts %+v, want 0 leased, 1 queued, 1 expired", ch.Counts)
	}
	ls, _, err = s.Lease([]string{"a.com"}, policy, first.Expires)
	if err != nil || len(ls) != 1 {
		t.Fatalf("reissue: got %d, %v", len(ls), err)
	}
	if ls[0].ID == first.ID || ls[0].Task.Attempt != 2 {
		t.Fatalf("reissued lease: got id %s attempt %d; want a new id, attempt 2", ls[0].ID, ls[0].Task.Attempt)
	}
	// The expired lease's late outcome is ignored; the new one's is accepted.
	c, err := s.Complete([]frontier.Outcome{{LeaseID: first.ID, Status: 200}, {LeaseID: ls[0].ID, Status: 200}}, policy, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Accepted != 1 || c.Ignored != 1 || c.Counts.Fetched != 1 || c.Counts.Leased != 0 {
		t.Fatalf("got accepted %d ignored %d counts %+v; want 1, 1, fetched 1", c.Accepted, c.Ignored, c.Counts)
	}
}

func TestOutcomeForUnknownLeaseIgnored(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	if _, err := s.Admit([]frontier.Task{task("http://a.com/")}, policy); err != nil {
		t.Fatal(err)
	}
	ls, _, err := s.Lease([]string{"a.com"}, policy, t0)
	if err != nil || len(ls) != 1 {
		t.Fatalf("lease: got %d, %v", len(ls), err)
	}
	tests := []struct {
		name         string
		id           string
		wantAccepted int
	}{
		{"unknown", "no-such-lease", 0},
		{"empty", "", 0},
		{"known", ls[0].ID, 1},
		{"known twice", ls[0].ID, 0},
	}
	for _, tt := range tests {
		c, err := s.Complete([]frontier.Outcome{{LeaseID: tt.id, Status: 200}}, policy, t0)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Accepted != tt.wantAccepted || c.Counts.Fetched != 1 && tt.wantAccepted == 1 {
			t.Errorf("%s: got accepted %d, counts %+v; want %d accepted", tt.name, c.Accepted, c.Counts, tt.wantAccepted)
		}
	}
	c, err := s.Counts()
	if err != nil || c.Fetched != 1 || c.Leased != 0 {
		t.Fatalf("counts: got %+v, %v; want 1 fetched, 0 leased", c, err)
	}
}

func TestCompleteRetriesAndMarksFinalURLSeen(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	if _, err := s.Admit([]frontier.Task{task("http://a.com/")}, policy); err != nil {
		t.Fatal(err)
	}
	ls, _, _ := s.Lease([]string{"a.com"}, policy, t0)
	c, err := s.Complete([]frontier.Outcome{{LeaseID: ls[0].ID, Status: 503}}, policy, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Counts.Queued != 1 || c.Counts.Failed != 1 || c.Counts.Retried != 1 {
		t.Fatalf("after 503: got %+v, want requeued", c.Counts)
	}
	ls, _, _ = s.Lease([]string{"a.com"}, policy, t0)
	if len(ls) != 1 || ls[0].Task.Attempt != 2 {
		t.Fatalf("retry lease: got %+v, want attempt 2", ls)
	}
	if _, err := s.Complete([]frontier.Outcome{{LeaseID: ls[0].ID, Status: 200, FinalURL: "http://a.com/home"}}, policy, t0); err != nil {
		t.Fatal(err)
	}
	a, err := s.Admit([]frontier.Task{task("http://a.com/home")}, policy)
	if err != nil || a.Duplicate != 1 {
		t.Fatalf("admit redirect target: got %+v, %v; want a duplicate", a, err)
	}
}

func TestFocusRaisesQueuedPriority(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	if _, err := s.Admit([]frontier.Task{task("http://a.com/1"), task("http://b.com/1")}, policy); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Focus("b.com", 7, policy, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Hosts) != 1 || ch.Hosts[0].Head != 7 {
		t.Fatalf("focus: got hosts %+v, want b.com with head priority 7", ch.Hosts)
	}
	a, err := s.Admit([]frontier.Task{task("http://b.com/2")}, policy)
	if err != nil {
		t.Fatal(err)
	}
	ls, _, err := s.Lease([]string{"b.com"}, policy, t0)
	if err != nil || len(ls) != 1 || ls[0].Task.Priority != 7 || a.Hosts[0].Head != 7 {
		t.Fatalf("got leases %+v, %v; want priority 7 for queued and future URLs", ls, err)
	}
}

func mkdirFor(path string) error { return os.MkdirAll(filepath.Dir(path), 0o755) }

func TestLayoutRecordedAndChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "moved.db")
	s, err := bolt.Open(path, &bolt.Options{Partition: 3, NumPartitions: 8})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tests := []struct {
		name    string
		o       *bolt.Options
		wantErr bool
	}{
		{"same layout", &bolt.Options{Partition: 3, NumPartitions: 8}, false},
		{"unchecked", nil, false},
		{"other partition", &bolt.Options{Partition: 4, NumPartitions: 8}, true},
		{"other count", &bolt.Options{Partition: 3, NumPartitions: 16}, true},
	}
	for _, tt := range tests {
		s, err := bolt.Open(path, tt.o)
		if err == nil {
			s.Close()
		}
		if (err != nil) != tt.wantErr || tt.wantErr && !errors.Is(err, bolt.ErrLayout) {
			t.Errorf("%s: got %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
}
