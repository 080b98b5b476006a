package investigate_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/classifier/investigate"
	"trawl.dev/classifier/readmodel/gen"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natstest"
	"trawl.dev/proto/trawlpb"
)

// Tokens of the test server, one per role.
const (
	viewerToken   = "viewer-token-0123456789"
	reviewerToken = "reviewer-token-0123456789"
	adminToken    = "admin-token-0123456789"
)

type env struct {
	srv   *investigate.Server
	url   string
	js    jetstream.JetStream
	sites []*trawlpb.Verdict
}

// startEnv runs a server over n generated verdicts, published to a fresh
// embedded NATS, and waits until its read model has caught up.
func startEnv(t *testing.T, n int) *env {
	t.Helper()
	ns := natstest.MustStart(t)
	nc, js := natstest.MustConnect(t, ns)
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	g := &gen.Generator{Seed: 11, FlaggedPercent: 8, Now: time.Now().Add(-time.Hour)}
	e := &env{js: js}
	for i := range n {
		v := g.Verdict(i)
		e.sites = append(e.sites, v)
		if err := bus.Publish(ctx, js, proto.VerdictSubject(v.Site), v, ""); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := investigate.New(nc, investigate.Options{
		DataDir: t.TempDir(), Listener: ln, NoSync: true, CreateAdminToken: true,
		Tokens: []investigate.Token{
			{Name: "vera (viewer)", Role: investigate.RoleViewer, Token: viewerToken},
			{Name: "rita", Role: investigate.RoleReviewer, Token: reviewerToken},
			{Name: "ada", Role: investigate.RoleAdmin, Token: adminToken},
		},
		Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case <-srv.Started():
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	e.srv, e.url = srv, "http://"+srv.Addr()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(e.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return e
}

// do sends a request with a bearer token ("" for none).
func (e *env) do(t *testing.T, method, path, token, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v: %.300s", resp.Request.URL.Path, err, b)
	}
	return v
}

func (e *env) flagged() []*trawlpb.Verdict {
	var out []*trawlpb.Verdict
	for _, v := range e.sites {
		if v.Flagged {
			out = append(out, v)
		}
	}
	return out
}

// testLogger discards the server's log, unless TRAWL_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TRAWL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
