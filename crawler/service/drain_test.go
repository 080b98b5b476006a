package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/crawler/service"
	"trawl.dev/proto"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

// TestMainDrainsOnSIGTERM runs the real Main, sends the process SIGTERM
// while two fetches are in flight, and checks the drain: the fetch that
// finishes within the deadline is reported, the one that does not is naked
// back to the stream, and Main exits 0.
func TestMainDrainsOnSIGTERM(t *testing.T) {
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			time.Sleep(500 * time.Millisecond)
			fmt.Fprint(w, "<html><title>slow</title></html>")
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	done := make(chan int, 1)
	var stdout, stderr bytes.Buffer
	go func() {
		done <- service.Main(context.Background(), []string{"--nats", ns.ClientURL(), "--num-partitions", "4",
			"--allow-loopback", "--concurrency", "4", "--timeout", "60s", "--drain-timeout", "2s"}, &stdout, &stderr)
	}()
	stats := func() (service.Stats, error) {
		var st service.Stats
		reply, err := nc.Request(service.StatsSubject, nil, time.Second)
		if err == nil {
			err = json.Unmarshal(reply.Data, &st)
		}
		return st, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, err := stats(); err != nil; _, err = stats() { // Main has set up its signal handler
		if time.Now().After(deadline) {
			t.Fatalf("stats endpoint never answered: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	publishTask(t, js, &trawlpb.FetchTask{Url: srv.URL + "/hang", Partition: 1, LeaseId: "hang"})
	publishTask(t, js, &trawlpb.FetchTask{Url: srv.URL + "/slow", Partition: 1, LeaseId: "slow"})
	for st, _ := stats(); st.InFlight < 2; st, _ = stats() {
		if time.Now().After(deadline) {
			t.Fatalf("never had both fetches in flight: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Main did not return after SIGTERM")
	}
	if !strings.Contains(stdout.String(), "1 cut by the drain deadline") {
		t.Errorf("got stdout %q, want one fetch cut by the drain deadline", stdout.String())
	}

	// The slow fetch finished and was reported; the hanging one was not.
	out := collect(t, js, proto.StreamOutcomes, 1)
	var o trawlpb.FetchOutcome
	decode(t, out[0], &o)
	if o.LeaseId != "slow" || o.StatusCode != 200 {
		t.Errorf("got outcome %v, want the slow page's 200", &o)
	}
	// The hanging task is back in FETCH for another crawler, not acked.
	ctx := context.Background()
	fetch, err := js.Stream(ctx, proto.StreamFetch)
	if err != nil {
		t.Fatal(err)
	}
	info, err := fetch.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("got %d tasks left in FETCH, want the cut one", info.State.Msgs)
	}
	cons, err := fetch.Consumer(ctx, service.Durable)
	if err != nil {
		t.Fatal(err)
	}
	// Naked, not left to time out: another crawler gets it at once, long
	// before the consumer's AckWait (2×timeout = 2 minutes) would expire.
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range batch.Messages() {
		var ft trawlpb.FetchTask
		decode(t, m, &ft)
		md, _ := m.Metadata()
		got = append(got, fmt.Sprintf("%s#%d", ft.LeaseId, md.NumDelivered))
		m.Ack()
	}
	if strings.Join(got, ",") != "hang#2" {
		t.Errorf("got redelivered %v, want the cut task hang, on its second delivery", got)
	}
}
