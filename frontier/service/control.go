package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"trawl.dev/frontier"
	"trawl.dev/frontier/bolt"
	"trawl.dev/proto"
)

// Control subjects (NATS micro endpoints of the trawl-frontier service).
const (
	// StatsSubject answers with the Stats of one instance.
	StatsSubject = proto.SubjectControl + ".frontier.stats"
	// SeedSubject takes a SeedRequest and publishes its URLs as seeds.
	SeedSubject = proto.SubjectControl + ".frontier.seed"
	// PartitionSubject + ".<p>" takes a PartitionRequest for partition p;
	// only the instance that owns p answers.
	PartitionSubject = proto.SubjectControl + ".frontier.part"
)

// Control operations on a partition (PartitionRequest.Op).
const (
	OpStats    = "stats"    // totals, pause, seen set, hosts by why they wait
	OpHosts    = "hosts"    // the Top hosts by queue
	OpHost     = "host"     // one host
	OpPause    = "pause"    // stop dispatching
	OpResume   = "resume"   // dispatch again
	OpOverride = "override" // set Host's override (the zero Override clears it)
)

// PartitionRequest is a control request to one partition.
type PartitionRequest struct {
	Op       string             `json:"op"`
	Top      int                `json:"top,omitempty"`
	Host     string             `json:"host,omitempty"`
	Override *frontier.Override `json:"override,omitempty"`
}

// PartitionReply is a partition's answer.
type PartitionReply struct {
	Partition int                 `json:"partition"`
	Owner     Owner               `json:"owner"`
	Paused    bool                `json:"paused"`
	Counts    frontier.Counts     `json:"counts"`
	Hosts     int64               `json:"hosts"` // hosts with queued URLs
	Seen      *bolt.SeenStats     `json:"seen,omitempty"`
	Waiting   map[string]int      `json:"waiting,omitempty"` // active hosts by why they wait
	Top       []frontier.HostView `json:"top,omitempty"`
	Host      *frontier.HostView  `json:"host_view,omitempty"`
	Error     string              `json:"error,omitempty"`
}

// SeedRequest asks for URLs to be seeded.
type SeedRequest struct {
	URLs     []string `json:"urls"`
	Priority int32    `json:"priority,omitempty"`
}

// SeedReply answers a SeedRequest.
type SeedReply struct {
	Seeded int    `json:"seeded"`
	Error  string `json:"error,omitempty"`
}

// ErrNoOwner is returned by Control when no running instance owns a partition.
var ErrNoOwner = errors.New("frontier/service: no running frontier owns the partition")

// addEndpoints registers the control endpoints on ms.
func (s *Service) addEndpoints(ms micro.Service) error {
	eps := []struct {
		name, subject string
		h             micro.HandlerFunc
		opts          []micro.EndpointOpt
	}{
		{"stats", StatsSubject, func(r micro.Request) { _ = r.RespondJSON(s.Stats()) }, nil},
		{"seed", SeedSubject, s.handleSeedRequest, nil},
		{"partition", PartitionSubject + ".*", s.handlePartitionRequest, []micro.EndpointOpt{micro.WithEndpointQueueGroupDisabled()}},
	}
	for _, e := range eps {
		opts := append([]micro.EndpointOpt{micro.WithEndpointSubject(e.subject)}, e.opts...)
		if err := ms.AddEndpoint(e.name, e.h, opts...); err != nil {
			return fmt.Errorf("frontier/service: micro endpoint %s: %w", e.name, err)
		}
	}
	return nil
}

func (s *Service) handleSeedRequest(r micro.Request) {
	var req SeedRequest
	if err := json.Unmarshal(r.Data(), &req); err != nil || len(req.URLs) == 0 {
		_ = r.Error("400", "want {\"urls\": [...]}", nil)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.seed(ctx, req.Priority, req.URLs...); err != nil {
		_ = r.RespondJSON(SeedReply{Error: err.Error()})
		return
	}
	_ = r.RespondJSON(SeedReply{Seeded: len(req.URLs)})
}

func (s *Service) handlePartitionRequest(r micro.Request) {
	p := proto.PartitionOfSubject(r.Subject())
	pt := s.partition(p)
	if pt == nil {
		return // not ours: the owner answers
	}
	var req PartitionRequest
	if err := json.Unmarshal(r.Data(), &req); err != nil {
		_ = r.Error("400", "bad request: "+err.Error(), nil)
		return
	}
	rep := PartitionReply{Partition: p, Owner: s.owner}
	err := pt.run(func(sc *frontier.Scheduler) error {
		switch req.Op {
		case OpStats:
			rep.Waiting = sc.Waiting()
			ss := pt.store.SeenStats()
			rep.Seen = &ss
		case OpHosts:
			rep.Top = sc.TopHosts(min(max(req.Top, 1), 10000))
		case OpHost:
			if v, ok := sc.View(req.Host); ok {
				rep.Host = &v
			}
		case OpPause, OpResume:
			return sc.SetPaused(req.Op == OpPause)
		case OpOverride:
			if req.Host == "" || req.Override == nil {
				return errors.New("override needs a host and an override")
			}
			if err := sc.SetOverride(req.Host, proto.Site(req.Host), *req.Override); err != nil {
				return err
			}
			if v, ok := sc.View(req.Host); ok {
				rep.Host = &v
			}
		default:
			return fmt.Errorf("unknown op %q", req.Op)
		}
		rep.Paused, rep.Counts, rep.Hosts = sc.Paused(), sc.Counts(), int64(sc.Hosts())
		return nil
	})
	if err != nil {
		rep.Error = err.Error()
	}
	_ = r.RespondJSON(rep)
}

// Control is a client of the frontier's control endpoints, for the CLI and
// for programs. It is safe for concurrent use.
type Control struct {
	nc            *nats.Conn
	NumPartitions int
	Timeout       time.Duration // per request; default 5s
}

// NewControl returns a client for a cluster of numPartitions partitions.
func NewControl(nc *nats.Conn, numPartitions int) *Control {
	return &Control{nc: nc, NumPartitions: numPartitions, Timeout: 5 * time.Second}
}

// PartitionOf returns the partition that owns host.
func (c *Control) PartitionOf(host string) int {
	return proto.PartitionOfHost(strings.ToLower(host), c.NumPartitions)
}

// Partition sends req to partition p.
func (c *Control) Partition(ctx context.Context, p int, req PartitionRequest) (PartitionReply, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return PartitionReply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	msg, err := c.nc.RequestWithContext(ctx, proto.Partitioned(PartitionSubject, p), data)
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) {
		return PartitionReply{Partition: p}, fmt.Errorf("partition %d: %w", p, ErrNoOwner)
	}
	if err != nil {
		return PartitionReply{Partition: p}, fmt.Errorf("frontier/service: partition %d: %w", p, err)
	}
	if code := msg.Header.Get(micro.ErrorCodeHeader); code != "" {
		return PartitionReply{Partition: p}, fmt.Errorf("frontier/service: partition %d: %s %s", p, code, msg.Header.Get(micro.ErrorHeader))
	}
	var rep PartitionReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return rep, fmt.Errorf("frontier/service: partition %d: reply: %w", p, err)
	}
	if rep.Error != "" {
		return rep, fmt.Errorf("frontier/service: partition %d: %s", p, rep.Error)
	}
	return rep, nil
}

// Each sends req to every partition in parts (nil: all) at once and returns
// the replies in partition order, with the errors of those that failed.
func (c *Control) Each(ctx context.Context, parts []int, req PartitionRequest) ([]PartitionReply, error) {
	if parts == nil {
		for p := range c.NumPartitions {
			parts = append(parts, p)
		}
	}
	reps := make([]PartitionReply, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { reps[i], errs[i] = c.Partition(ctx, p, req) })
	}
	wg.Wait()
	var ok []PartitionReply
	for i := range reps {
		if errs[i] == nil {
			ok = append(ok, reps[i])
		}
	}
	return ok, errors.Join(errs...)
}

// TopHosts returns the n hosts with the longest queues across parts.
func (c *Control) TopHosts(ctx context.Context, parts []int, n int) ([]frontier.HostView, error) {
	reps, err := c.Each(ctx, parts, PartitionRequest{Op: OpHosts, Top: n})
	var all []frontier.HostView
	for _, r := range reps {
		all = append(all, r.Top...)
	}
	slices.SortFunc(all, func(a, b frontier.HostView) int {
		if a.Queued != b.Queued {
			return int(b.Queued - a.Queued)
		}
		return strings.Compare(a.Host, b.Host)
	})
	if len(all) > n {
		all = all[:n]
	}
	return all, err
}

// Override sets host's override in the partition that owns it.
func (c *Control) Override(ctx context.Context, host string, o frontier.Override) (PartitionReply, error) {
	return c.Partition(ctx, c.PartitionOf(host), PartitionRequest{Op: OpOverride, Host: strings.ToLower(host), Override: &o})
}

// Seed asks a running frontier to seed urls.
func (c *Control) Seed(ctx context.Context, priority int32, urls ...string) (int, error) {
	data, _ := json.Marshal(SeedRequest{URLs: urls, Priority: priority})
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	msg, err := c.nc.RequestWithContext(ctx, SeedSubject, data)
	if err != nil {
		return 0, fmt.Errorf("frontier/service: seed: %w", err)
	}
	var rep SeedReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return 0, fmt.Errorf("frontier/service: seed: reply: %w", err)
	}
	if rep.Error != "" {
		return 0, fmt.Errorf("frontier/service: seed: %s", rep.Error)
	}
	return rep.Seeded, nil
}
