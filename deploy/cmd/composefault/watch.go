package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	fservice "trawl.dev/frontier/service"
	"trawl.dev/proto"
	"trawl.dev/simweb"
)

// requestLogs follows the request logs of the simwebs (one JSON line per
// request, see simweb serve --request-log) as they grow.
type requestLogs struct {
	files    []*logTail
	web      *simweb.Web    // the same web the simwebs serve, to tell trap pages
	requests map[string]int // host+path → requests, robots.txt and trap pages left out
	traps    map[string]int // host+path → requests of an endless calendar trap's pages
}

type logTail struct {
	path    string
	off     int64
	partial []byte
}

func newRequestLogs(web *simweb.Web, paths []string) *requestLogs {
	r := &requestLogs{web: web, requests: make(map[string]int), traps: make(map[string]int)}
	for _, p := range paths {
		r.files = append(r.files, &logTail{path: p})
	}
	return r
}

// read takes in what was appended since the last call.
func (r *requestLogs) read() error {
	for _, t := range r.files {
		f, err := os.Open(t.path)
		if errors.Is(err, os.ErrNotExist) {
			continue // simweb has not served a request yet
		}
		if err != nil {
			return err
		}
		_, err = f.Seek(t.off, io.SeekStart)
		var data []byte
		if err == nil {
			data, err = io.ReadAll(f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", t.path, err)
		}
		t.off += int64(len(data))
		data = append(t.partial, data...)
		end := bytes.LastIndexByte(data, '\n')
		if end < 0 {
			t.partial = data
			continue
		}
		for _, line := range bytes.Split(data[:end], []byte("\n")) {
			var req struct {
				Host, Path string
			}
			if err := json.Unmarshal(line, &req); err != nil || req.Host == "" {
				return fmt.Errorf("%s: a request line that is not one: %q (%v)", t.path, line, err)
			}
			if req.Path == "/robots.txt" {
				continue // each crawler keeps its own robots.txt cache
			}
			k := strings.ToLower(req.Host) + req.Path
			// Where a crawl stops inside an endless trap depends on which
			// link reached the site first (the frontier keeps the depth a
			// URL was first found at): counted apart, not compared, as in
			// deploy/fault.
			if site, ok := r.web.Lookup(req.Host); ok && site.Kind == simweb.KindCalendarTrap && strings.HasPrefix(req.Path, "/calendar/") {
				r.traps[k]++
				continue
			}
			r.requests[k]++
		}
		t.partial = append([]byte(nil), data[end+1:]...)
	}
	return nil
}

// frontiersIdle asks every frontier instance for its stats through NATS
// micro discovery ($SRV.STATS) and reports whether none holds a queued or
// leased URL, and how many instances answered.
func frontiersIdle(nc *nats.Conn) (idle bool, answered int, err error) {
	replies, err := discover(nc, "$SRV.STATS.trawl-frontier", time.Second)
	if err != nil {
		return false, 0, err
	}
	idle = true
	for _, data := range replies {
		var st micro.Stats
		if err := json.Unmarshal(data, &st); err != nil {
			return false, answered, fmt.Errorf("frontier stats: %w", err)
		}
		answered++
		for _, e := range st.Endpoints {
			if len(e.Data) == 0 {
				continue
			}
			var fs fservice.Stats
			if err := json.Unmarshal(e.Data, &fs); err != nil {
				return false, answered, fmt.Errorf("frontier stats of %s: %w", st.ID, err)
			}
			if fs.Queued != 0 || fs.InFlight != 0 {
				idle = false
			}
			break // every endpoint carries the same instance stats
		}
	}
	return idle, answered, nil
}

// frontierTotals sums the lease and publish counters of every frontier
// instance (each since its last start).
func frontierTotals(nc *nats.Conn) (fservice.Stats, error) {
	var sum fservice.Stats
	replies, err := discover(nc, "$SRV.STATS.trawl-frontier", time.Second)
	if err != nil {
		return sum, err
	}
	for _, data := range replies {
		var st micro.Stats
		if err := json.Unmarshal(data, &st); err != nil {
			return sum, fmt.Errorf("frontier stats: %w", err)
		}
		for _, e := range st.Endpoints {
			if len(e.Data) == 0 {
				continue
			}
			var fs fservice.Stats
			if err := json.Unmarshal(e.Data, &fs); err != nil {
				return sum, fmt.Errorf("frontier stats of %s: %w", st.ID, err)
			}
			sum.Expired += fs.Expired
			sum.PublishErrors += fs.PublishErrors
			sum.Retried += fs.Retried
			break
		}
	}
	return sum, nil
}

// instance is one service instance that answered micro discovery.
type instance struct {
	Name, ID, Version string
}

// services lists the micro services that answer $SRV.INFO, as `nats micro
// ls` does: every instance of every service answers once.
func services(nc *nats.Conn) ([]instance, error) {
	replies, err := discover(nc, "$SRV.INFO", 2*time.Second)
	if err != nil {
		return nil, err
	}
	var out []instance
	for _, data := range replies {
		var info micro.Info
		if err := json.Unmarshal(data, &info); err != nil {
			return nil, fmt.Errorf("$SRV.INFO reply: %w", err)
		}
		out = append(out, instance{Name: info.Name, ID: info.ID, Version: info.Version})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// countByName counts instances per service name.
func countByName(in []instance) map[string]int {
	m := make(map[string]int)
	for _, i := range in {
		m[i.Name]++
	}
	return m
}

// discover publishes an empty request on subject and collects every reply
// for wait.
func discover(nc *nats.Conn, subject string, wait time.Duration) ([][]byte, error) {
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, nil); err != nil {
		return nil, err
	}
	var out [][]byte
	deadline := time.Now().Add(wait)
	for {
		msg, err := sub.NextMsg(time.Until(deadline))
		if errors.Is(err, nats.ErrTimeout) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, msg.Data)
	}
}

// workStreams are the streams that hold work not yet done.
var workStreams = []string{proto.StreamSeeds, proto.StreamLinks, proto.StreamOutcomes, proto.StreamFetch,
	proto.StreamPages, proto.StreamFocus}

// backlog counts the messages waiting in the work streams (all of them
// work queues: a message is gone once acknowledged).
func backlog(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	var total uint64
	for _, name := range workStreams {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		s, err := js.Stream(cctx, name)
		var info *jetstream.StreamInfo
		if err == nil {
			info, err = s.Info(cctx)
		}
		cancel()
		if err != nil {
			return 0, fmt.Errorf("stream %s: %w", name, err)
		}
		total += info.State.Msgs
	}
	return total, nil
}

// streamReplicas returns every stream (the KV buckets' included) with its
// configured replicas.
func streamReplicas(ctx context.Context, js jetstream.JetStream) (map[string]int, error) {
	var out map[string]int
	err := proto.Retry(ctx, nil, "list streams", func(ctx context.Context) error {
		out = make(map[string]int)
		l := js.ListStreams(ctx)
		for info := range l.Info() {
			out[info.Config.Name] = info.Config.Replicas
		}
		return l.Err()
	})
	return out, err
}

// frontierOwner returns the frontier (host name = compose service) that
// owns most partitions, from the owners' bucket.
func frontierOwner(ctx context.Context, js jetstream.JetStream) (string, error) {
	owned := make(map[string]int)
	err := proto.Retry(ctx, nil, "read the partition owners", func(ctx context.Context) error {
		clear(owned)
		kv, err := js.KeyValue(ctx, fservice.OwnersBucket)
		if err != nil {
			return err
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			return err
		}
		for k := range keys.Keys() {
			e, err := kv.Get(ctx, k)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue // expired meanwhile
			}
			if err != nil {
				return err
			}
			var o fservice.Owner
			if err := json.Unmarshal(e.Value(), &o); err != nil {
				return fmt.Errorf("owner of %s: %w", k, err)
			}
			owned[o.Host]++
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("partition owners: %w", err)
	}
	return most(owned, "no frontier owns a partition")
}

// most returns the key with the largest count, the first by name on a tie.
func most(counts map[string]int, none string) (string, error) {
	best := ""
	for k, n := range counts {
		if best == "" || n > counts[best] || (n == counts[best] && k < best) {
			best = k
		}
	}
	if best == "" {
		return "", errors.New(none)
	}
	return best, nil
}

// adminToken finds the admin token the investigate service logged when it
// started (--create-admin-token).
func adminToken(ctx context.Context, cp *compose) (string, error) {
	logs, err := cp.run(ctx, time.Minute, "logs", "--no-color", "investigate")
	if err != nil {
		return "", err
	}
	m := tokenLine.FindAllStringSubmatch(logs, -1)
	if len(m) == 0 {
		return "", errors.New("the investigate service logged no admin token")
	}
	return m[len(m)-1][1], nil
}

var tokenLine = regexp.MustCompile(`admin token \(shown once\): (\S+)`)

// apiFlagged lists the flagged sites through the investigators' API (the
// JSON-lines export, every match), sorted.
func apiFlagged(ctx context.Context, addr, token string) ([]string, error) {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, "GET", "http://"+addr+"/api/v1/export.jsonl?flagged=true", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return nil, fmt.Errorf("GET /api/v1/export.jsonl: %s: %s", resp.Status, b)
	}
	var sites []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var row struct {
			Site string `json:"site"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil || row.Site == "" {
			return nil, fmt.Errorf("export line %.200q: not a site (%v)", sc.Bytes(), err)
		}
		sites = append(sites, row.Site)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Strings(sites)
	return sites, nil
}
