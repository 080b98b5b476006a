package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/deploy/fault"
	"trawl.dev/deploy/node"
	fservice "trawl.dev/frontier/service"
	"trawl.dev/simweb"
)

// clusterServices are the compose services a test run starts first:
// everything but the seeder, started once the harness watches, and
// Prometheus, which watches and does not crawl.
var clusterServices = []string{"natsd-1", "natsd-2", "natsd-3", "simweb-1", "simweb-2", "simweb-3",
	"crawler-1", "crawler-2", "crawler-3", "frontier-0", "frontier-1", "classifier-0", "classifier-1",
	"investigate"}

// wantServices are the micro services and their instances in the cluster.
var wantServices = map[string]int{"trawl-frontier": 2, "trawl-crawler": 3, "trawl-classifier": 2, "trawl-investigate": 1}

// config is one crawl of the compose cluster.
type config struct {
	root, workDir   string
	composeCmd      []string
	project, tag    string
	sites           int
	seed            int64
	minDelay        time.Duration
	maxDepth        int
	timeout, settle time.Duration
	faults          []faultSpec
	expectPages     int // the undisturbed crawl's pages; faults fire at fractions of it
	log             io.Writer
}

// faultSpec is one disturbance, injected when the crawl has fetched At of
// the undisturbed crawl's pages.
type faultSpec struct {
	At     float64
	Kind   string // "kill": SIGKILL, start again after Pause; "netcut": off the cluster network for Pause
	Target string // a compose service; "frontier-most": the frontier owning most partitions; "natsd-leader": the NATS node leading most streams
	Pause  time.Duration
}

// defaultFaults kills a crawler, the frontier owning most partitions, a
// classifier and the NATS node leading most streams, each started again
// after a pause, and cuts another crawler off the network for a while.
func defaultFaults() []faultSpec {
	return []faultSpec{
		{At: 0.05, Kind: "kill", Target: "crawler-1", Pause: 3 * time.Second},
		{At: 0.15, Kind: "kill", Target: "frontier-most", Pause: 3 * time.Second},
		{At: 0.30, Kind: "kill", Target: "classifier-0", Pause: 3 * time.Second},
		{At: 0.40, Kind: "netcut", Target: "crawler-2", Pause: 10 * time.Second},
		{At: 0.55, Kind: "kill", Target: "natsd-leader", Pause: 5 * time.Second},
	}
}

// outcome is what one crawl of the cluster did, beyond fault.Result.
type outcome struct {
	fault.Result
	Services []instance        // micro services answering at the end
	Replicas map[string]int    // stream → replicas at the end
	States   []containerState  // containers at the end
	Missing  map[string]string // expected service → what answered, for those short
	// APIFlagged is what the investigators' API lists as flagged once
	// it agrees with VERDICTS, or after a minute of trying.
	APIFlagged []string
	// Frontier sums the frontiers' expired leases, publish errors and
	// retries at the end (each instance counts since its last start).
	Frontier fservice.Stats
}

// crawl brings the cluster up, crawls, injects the faults, waits for the
// crawl to drain and tears the cluster down, whatever happens.
func crawl(ctx context.Context, c config) (out outcome, err error) {
	logf := func(format string, args ...any) { fmt.Fprintf(c.log, format+"\n", args...) }
	if err := os.MkdirAll(c.workDir, 0o755); err != nil {
		return out, err
	}
	override, logDirs, err := writeOverride(c.workDir)
	if err != nil {
		return out, err
	}
	cp := &compose{cmd: c.composeCmd, project: c.project,
		files: []string{filepath.Join(c.root, "deploy", "compose.yaml"), override},
		env: []string{
			"TRAWL_TAG=" + c.tag,
			fmt.Sprintf("SIMWEB_SITES=%d", c.sites),
			fmt.Sprintf("SIMWEB_SEED=%d", c.seed),
			"SIMWEB_REQUEST_LOG=/log/requests.jsonl",
			"FRONTIER_MIN_DELAY=" + c.minDelay.String(),
			fmt.Sprintf("FRONTIER_MAX_DEPTH=%d", c.maxDepth),
			// Free host ports: nothing else on the machine is disturbed.
			"TRAWL_NATS_PORT=", "TRAWL_NATS_HTTP_PORT=", "TRAWL_API_PORT=", "TRAWL_INVESTIGATE_PORT=",
			"TRAWL_PROMETHEUS_PORT=",
		}}
	// A project left over by an interrupted run goes first.
	if _, err := cp.run(ctx, 3*time.Minute, "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
		return out, err
	}
	defer func() {
		// Always tear down, also after Ctrl-C: with a context of its own.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 4*time.Minute)
		defer cancel()
		if logs, lerr := cp.run(dctx, 2*time.Minute, "logs", "--no-color", "--timestamps"); lerr == nil {
			_ = os.WriteFile(filepath.Join(c.workDir, "compose.log"), []byte(logs), 0o644)
		}
		if _, derr := cp.run(dctx, 3*time.Minute, "down", "-v", "--remove-orphans", "-t", "5"); derr != nil {
			err = errors.Join(err, fmt.Errorf("tear down: %w", derr))
		} else {
			logf("%s: torn down (down -v)", c.project)
		}
	}()

	logf("%s: up (%d sites, seed %d, min delay %v, max depth %d)", c.project, c.sites, c.seed, c.minDelay, c.maxDepth)
	if _, err := cp.run(ctx, 6*time.Minute, append([]string{"up", "-d", "--no-build"}, clusterServices...)...); err != nil {
		return out, fmt.Errorf("up: %w", err)
	}
	var urls []string
	for _, n := range []string{"natsd-1", "natsd-2", "natsd-3"} {
		addr, err := cp.hostPort(ctx, n, 4222)
		if err != nil {
			return out, err
		}
		urls = append(urls, "nats://"+addr)
	}
	// Only the published addresses: the cluster's own (natsd-2:4222, …)
	// mean nothing on the host.
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
		nats.IgnoreDiscoveredServers(), nats.Name("composefault"))
	if err != nil {
		return out, fmt.Errorf("connect to %v: %w", urls, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return out, err
	}

	web := simweb.Generate(simweb.Options{Sites: c.sites, Seed: c.seed})
	logs := newRequestLogs(web, []string{filepath.Join(logDirs[0], "requests.jsonl"),
		filepath.Join(logDirs[1], "requests.jsonl"), filepath.Join(logDirs[2], "requests.jsonl")})
	// The crawl starts now, with the harness watching.
	if _, err := cp.run(ctx, 3*time.Minute, "up", "-d", "--no-build", "--no-deps", "seed"); err != nil {
		return out, fmt.Errorf("up seed: %w", err)
	}

	pending := append([]faultSpec(nil), c.faults...)
	sort.Slice(pending, func(i, j int) bool { return pending[i].At < pending[j].At })
	// A fault strikes in the loop and is undone after its pause in a
	// goroutine of its own, so the next fault is not held up by Docker's
	// time to start a container again: each fires at its fraction of the
	// crawl, and their pauses may overlap (never on the same container).
	fctx, cancelFaults := context.WithCancel(ctx)
	var undoing sync.WaitGroup
	defer undoing.Wait() // before the tear down, after cancelFaults
	defer cancelFaults()
	done := make(chan faultDone, len(pending))
	inFlight := 0
	out.Faults = make([]string, len(pending))
	start := time.Now()
	deadline := start.Add(c.timeout)
	var idleSince, lastLog time.Time
	seeded := false
	for {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(time.Second):
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("the crawl did not drain in %v (pages %d, faults left %d)", c.timeout, len(logs.requests), len(pending))
		}
		if err := logs.read(); err != nil {
			return out, err
		}
		pages := len(logs.requests)
	collect:
		for {
			select {
			case d := <-done:
				inFlight--
				if d.err != nil {
					return out, fmt.Errorf("fault %s: %w", d.desc, d.err)
				}
				logf("%s: fault over: %s", c.project, d.desc)
				out.Faults[d.n] = d.desc
			default:
				break collect
			}
		}
		// One fault a round, so that the next one is judged by a fresh
		// page count.
		if len(pending) > 0 && c.expectPages > 0 && float64(pages) >= pending[0].At*float64(c.expectPages) {
			f, n := pending[0], len(c.faults)-len(pending)
			pending = pending[1:]
			at := time.Now()
			desc, undo, err := strike(fctx, cp, js, f)
			if err != nil {
				return out, fmt.Errorf("fault %s %s: %w", f.Kind, f.Target, err)
			}
			desc = fmt.Sprintf("%s at %.0fs, %d pages (%.0f%%)", desc, at.Sub(start).Seconds(), pages,
				100*float64(pages)/float64(c.expectPages))
			logf("%s: fault: %s", c.project, desc)
			inFlight++
			undoing.Add(1)
			go func() {
				defer undoing.Done()
				err := sleep(fctx, f.Pause)
				if err == nil {
					err = undo(fctx)
				}
				done <- faultDone{n: n, desc: fmt.Sprintf("%s; back %.0fs after it began", desc, time.Since(at).Seconds()), err: err}
			}()
		}
		idle, why := false, ""
		switch {
		case len(pending) > 0 || inFlight > 0:
			why = fmt.Sprintf("%d faults to come, %d under way", len(pending), inFlight)
		case !seeded:
			if seeded, err = seedDone(ctx, cp); err != nil {
				return out, err
			}
			why = "seeding"
		case pages == 0:
			why = "no page fetched yet"
		default:
			quiet, answered, err := frontiersIdle(nc)
			switch {
			case err != nil:
				why = err.Error()
			case answered < 2:
				why = fmt.Sprintf("%d of 2 frontiers answer", answered)
			case !quiet:
				why = "frontiers hold URLs"
			default:
				b, err := backlog(ctx, js)
				switch {
				case err != nil:
					why = err.Error()
				case b > 0:
					why = fmt.Sprintf("%d messages in the work streams", b)
				default:
					idle = true
				}
			}
		}
		if time.Since(lastLog) >= 10*time.Second {
			state := "idle"
			if !idle {
				state = "busy: " + why
			}
			logf("%s: %4.0fs  pages %d  %s", c.project, time.Since(start).Seconds(), pages, state)
			lastLog = time.Now()
		}
		if !idle {
			idleSince = time.Time{}
			continue
		}
		if idleSince.IsZero() {
			idleSince = time.Now()
		}
		if time.Since(idleSince) >= c.settle {
			break
		}
	}
	out.Elapsed = idleSince.Sub(start)
	if err := logs.read(); err != nil {
		return out, err
	}
	out.Requests, out.TrapRequests = logs.requests, logs.traps

	verdicts, err := node.Verdicts(ctx, js)
	if err != nil {
		return out, err
	}
	for _, v := range verdicts {
		if v.Flagged {
			out.Flagged = append(out.Flagged, v.Site)
		}
	}
	sort.Strings(out.Flagged)
	// The investigators' API is a read model of VERDICTS: it must come to
	// list the same flagged sites.
	token, err := adminToken(ctx, cp)
	if err != nil {
		return out, err
	}
	apiAddr, err := cp.hostPort(ctx, "investigate", 8090)
	if err != nil {
		return out, err
	}
	for wait := time.Now().Add(time.Minute); ; {
		if out.APIFlagged, err = apiFlagged(ctx, apiAddr, token); err != nil {
			return out, err
		}
		if slices.Equal(out.APIFlagged, out.Flagged) || time.Now().After(wait) {
			break
		}
		time.Sleep(2 * time.Second)
	}

	// Every service instance answers discovery once it is back; give the
	// ones started last a moment.
	for wait := time.Now().Add(time.Minute); ; {
		if out.Services, err = services(nc); err != nil {
			return out, err
		}
		out.Missing = missing(countByName(out.Services))
		if len(out.Missing) == 0 || time.Now().After(wait) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if out.Frontier, err = frontierTotals(nc); err != nil {
		return out, err
	}
	if out.Replicas, err = streamReplicas(ctx, js); err != nil {
		return out, err
	}
	if out.States, err = cp.states(ctx); err != nil {
		return out, err
	}
	logf("%s: drained after %.0fs: %d pages, %d flagged", c.project, out.Elapsed.Seconds(), len(out.Requests), len(out.Flagged))
	return out, nil
}

// missing returns the expected services that answered with fewer
// instances than the cluster runs.
func missing(got map[string]int) map[string]string {
	m := make(map[string]string)
	for name, n := range wantServices {
		if got[name] < n {
			m[name] = fmt.Sprintf("%d of %d", got[name], n)
		}
	}
	return m
}

// seedDone reports whether the one-shot seeder has published the seeds.
func seedDone(ctx context.Context, cp *compose) (bool, error) {
	id, err := cp.container(ctx, "seed")
	if err != nil {
		return false, err
	}
	out, err := docker(ctx, time.Minute, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(out) == "exited 0", nil
}

// faultDone is a fault that is over: what it was and whether undoing it
// failed.
type faultDone struct {
	n    int // the fault's place in the order they struck
	desc string
	err  error
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// strike carries out one fault and returns what it did and how to undo it.
func strike(ctx context.Context, cp *compose, js jetstream.JetStream, f faultSpec) (string, func(context.Context) error, error) {
	target := f.Target
	var err error
	switch target {
	case "frontier-most":
		target, err = frontierOwner(ctx, js)
	case "natsd-leader":
		target, err = fault.StreamLeader(ctx, js) // server name = compose service
	}
	if err != nil {
		return "", nil, err
	}
	id, err := cp.container(ctx, target)
	if err != nil {
		return "", nil, err
	}
	switch f.Kind {
	case "kill":
		// docker kill marks the container stopped by hand: its restart
		// policy does not start it again, the harness does after Pause.
		if _, err := docker(ctx, time.Minute, "kill", "--signal", "KILL", id); err != nil {
			return "", nil, err
		}
		undo := func(ctx context.Context) error {
			_, err := docker(ctx, 2*time.Minute, "start", id)
			return err
		}
		return fmt.Sprintf("docker kill (SIGKILL) %s, started again after %v", target, f.Pause), undo, nil
	case "netcut":
		// A crawler lives in its simweb's network namespace: cutting that
		// namespace off the cluster network cuts this one crawler off NATS.
		owner := id
		mode, err := docker(ctx, time.Minute, "inspect", "-f", "{{.HostConfig.NetworkMode}}", id)
		if err != nil {
			return "", nil, err
		}
		if m := strings.TrimSpace(mode); strings.HasPrefix(m, "container:") {
			owner = strings.TrimPrefix(m, "container:")
		}
		network := cp.project + "_trawl"
		if _, err := docker(ctx, time.Minute, "network", "disconnect", network, owner); err != nil {
			return "", nil, err
		}
		undo := func(ctx context.Context) error {
			_, err := docker(ctx, time.Minute, "network", "connect", network, owner)
			return err
		}
		return fmt.Sprintf("docker network disconnect %s from %s, connected again after %v", target, network, f.Pause), undo, nil
	}
	return "", nil, fmt.Errorf("unknown fault kind %q", f.Kind)
}
