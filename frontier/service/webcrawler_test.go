package service_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/frontier"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// webCrawler is a small real crawler for these tests: it takes fetch tasks,
// fetches robots.txt on a host's first task (reporting robots_unavailable
// when it answers 5xx, as the real crawler does) and then the page over
// HTTP, follows no redirects, and publishes the page's links and the
// outcome with the address it connected to and any Retry-After. The real
// crawler lives in another module; this one keeps the frontier's tests to
// the frontier.
type webCrawler struct {
	js     jetstream.JetStream
	client *http.Client
	mu     sync.Mutex
	robots map[string]bool // hosts whose robots.txt answered
	pages  int
}

var hrefRE = regexp.MustCompile(`href="([^"#]+)`)

// startWebCrawler runs workers fetches at once; resolver may be nil for the
// system's (httptest servers on 127.0.0.1).
func startWebCrawler(t *testing.T, js jetstream.JetStream, resolver *net.Resolver, workers int) *webCrawler {
	t.Helper()
	d := &net.Dialer{Timeout: 2 * time.Second, Resolver: resolver}
	c := &webCrawler{js: js, robots: map[string]bool{}, client: &http.Client{
		Timeout:       2 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		err := bus.Consume(ctx, js, bus.ConsumerOptions{Stream: proto.StreamFetch, Durable: "test-web-crawler",
			Workers: workers, MaxAckPending: workers, Logger: quiet}, c.fetch)
		if err != nil {
			t.Errorf("web crawler: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return c
}

// get fetches url and returns the response status, body, Retry-After and
// the address it connected to.
func (c *webCrawler) get(ctx context.Context, url string) (status int, body []byte, retryAfter time.Duration, ip string, err error) {
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if a, ok := info.Conn.RemoteAddr().(*net.TCPAddr); ok {
			ip = a.IP.String()
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, 0, "", err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, 0, ip, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if s, e := strconv.Atoi(resp.Header.Get("Retry-After")); e == nil {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, body, retryAfter, ip, err
}

func (c *webCrawler) fetch(ctx context.Context, m jetstream.Msg) error {
	var task trawlpb.FetchTask
	if err := bus.Decode(m.Data(), &task); err != nil {
		return err
	}
	out := &trawlpb.FetchOutcome{Url: task.Url, Host: task.Host, Partition: task.Partition, LeaseId: task.LeaseId,
		Depth: task.Depth}
	start := time.Now()
	scheme, _, _ := strings.Cut(task.Url, "://")
	c.mu.Lock()
	known := c.robots[task.Host]
	c.mu.Unlock()
	var links []string
	if !known {
		status, _, _, ip, err := c.get(ctx, scheme+"://"+task.Host+"/robots.txt")
		out.Ip = ip
		switch {
		case err != nil || status >= 500:
			out.ErrorCode = frontier.CodeRobotsUnavailable
		default:
			c.mu.Lock()
			c.robots[task.Host] = true
			c.mu.Unlock()
		}
	}
	if out.ErrorCode == "" {
		status, body, retryAfter, ip, err := c.get(ctx, task.Url)
		out.Ip = ip
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			out.ErrorCode = "timeout"
		case err != nil:
			out.ErrorCode = "network"
		default:
			out.StatusCode = int32(status)
			out.RetryAfterMs = retryAfter.Milliseconds()
			if status < 300 {
				for _, mm := range hrefRE.FindAllSubmatch(body, -1) {
					links = append(links, string(mm[1]))
				}
			}
		}
	}
	out.DurationMs = time.Since(start).Milliseconds()
	out.FetchedUnixMs = time.Now().UnixMilli()
	out.Links = int32(len(links))
	subj := strconv.Itoa(int(task.Partition))
	if len(links) > 0 {
		dl := &trawlpb.DiscoveredLinks{FromUrl: task.Url, Partition: task.Partition, Depth: task.Depth, FromSite: task.Site}
		for _, l := range links {
			dl.Links = append(dl.Links, &trawlpb.Link{Url: l})
		}
		if err := bus.Publish(ctx, c.js, proto.SubjectLinks+"."+subj, dl, proto.MsgID("links", task.LeaseId)); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.pages++
	c.mu.Unlock()
	return bus.Publish(ctx, c.js, proto.SubjectFetched+"."+subj, out, proto.MsgID("outcome", task.LeaseId))
}

// requestLog collects a server's requests.
type requestLog[T any] struct {
	mu   sync.Mutex
	reqs []T
}

func (l *requestLog[T]) add(r T) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r)
	l.mu.Unlock()
}

func (l *requestLog[T]) all() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]T(nil), l.reqs...)
}
