package ops_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/ops"
	"trawl.dev/proto/trawlpb"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestHandlerReportsHealthReadinessAndStreamLag(t *testing.T) {
	ns := natstest.MustStart(t)
	_, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"a.ru", "b.ru", "c.ru"} {
		if err := bus.Publish(ctx, js, proto.Partitioned(proto.SubjectFocus, 1), &trawlpb.FocusHint{Site: site}, ""); err != nil {
			t.Fatal(err)
		}
	}
	reg := ops.NewRegistry()
	reg.MustRegister(ops.NewStreamCollector(js))
	ready := errors.New("bbolt not open")
	h := ops.Handler(&ops.Options{Gatherer: reg, Ready: func() error { return ready }})

	if code, body := get(t, h, "/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz: got %d %q, want 200 ok", code, body)
	}
	if code, body := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, "bbolt not open") {
		t.Errorf("/readyz while not ready: got %d %q, want 503 with the reason", code, body)
	}
	ready = nil
	if code, _ := get(t, h, "/readyz"); code != 200 {
		t.Errorf("/readyz when ready: got %d, want 200", code)
	}
	code, body := get(t, h, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: got %d", code)
	}
	for _, want := range []string{`trawl_stream_messages{stream="FOCUS"} 3`, `trawl_jetstream_up 1`, "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
