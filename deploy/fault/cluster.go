// Package fault runs Trawl as a cluster of real processes on loopback and
// injects faults into it: kill -9 of any service, a frozen crawler, the loss
// of a NATS node. It compares a disturbed crawl of simweb with an
// undisturbed one: the fetched pages and the flagged sites must be the same,
// and duplicate fetches must stay rare. The pages inside simweb's endless
// calendar traps are counted apart and not compared: where a crawl stops in
// one depends on which link reached the site first (the frontier keeps the
// depth a URL was first found at), which any change of timing can change.
//
// The test process hosts simweb (so it sees every request with its time)
// and, unless natsd is built, one NATS server; frontier, crawler and
// classifier run as separate binaries built from this workspace.
package fault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Binaries holds the paths of the built service binaries.
type Binaries struct {
	Frontier, Crawler, Classifier, NATSD string
}

// Build compiles the service binaries into dir. root is the workspace root
// (the directory holding go.work).
func Build(ctx context.Context, root, dir string) (Binaries, error) {
	b := Binaries{
		Frontier:   filepath.Join(dir, "frontier"),
		Crawler:    filepath.Join(dir, "crawler"),
		Classifier: filepath.Join(dir, "classifier"),
		NATSD:      filepath.Join(dir, "natsd"),
	}
	pkgs := map[string]string{
		b.Frontier:   "./frontier/cmd/frontier",
		b.Crawler:    "./crawler/cmd/crawler",
		b.Classifier: "./classifier/cmd/classifier",
	}
	if _, err := os.Stat(filepath.Join(root, "deploy/cmd/natsd")); err == nil {
		pkgs[b.NATSD] = "./deploy/cmd/natsd"
	} else {
		b.NATSD = ""
	}
	for out, pkg := range pkgs {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("fault: build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// Proc is one service process that can be killed and started again with
// the same arguments.
type Proc struct {
	Name string
	Path string
	Args []string
	Env  []string
	Log  string // file that collects its stdout and stderr

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts the process.
func (p *Proc) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("fault: %s already running", p.Name)
	}
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("fault: start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

// Signal sends sig to the running process.
func (p *Proc) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return fmt.Errorf("fault: %s not running", p.Name)
	}
	return p.cmd.Process.Signal(sig)
}

// Kill kills the process with SIGKILL and waits for it to be gone.
func (p *Proc) Kill() error { return p.stop(syscall.SIGKILL, 5*time.Second) }

// Stop asks the process to drain with SIGTERM and waits up to grace, then
// kills it.
func (p *Proc) Stop(grace time.Duration) error { return p.stop(syscall.SIGTERM, grace) }

func (p *Proc) stop(sig syscall.Signal, grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
	return nil
}

// Running reports whether the process is running.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Died reports whether the process ended by itself (not through Kill or
// Stop), and how.
func (p *Proc) Died() (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false, ""
	}
	select {
	case <-p.done:
		return true, p.cmd.ProcessState.String()
	default:
		return false, ""
	}
}

// frontierStats is the part of the frontier's stats the harness reads.
type frontierStats struct {
	Queued   int64 `json:"queued"`
	InFlight int64 `json:"in_flight"`
	Fetched  int64 `json:"fetched"`
}

// frontiersIdle asks every frontier instance for its stats through NATS
// micro discovery and reports whether all of them hold nothing, and how
// many instances answered.
func frontiersIdle(ctx context.Context, nc *nats.Conn) (idle bool, answered int, err error) {
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return false, 0, err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest("$SRV.STATS.trawl-frontier", inbox, nil); err != nil {
		return false, 0, err
	}
	idle = true
	deadline := time.Now().Add(500 * time.Millisecond)
	for {
		msg, err := sub.NextMsg(time.Until(deadline))
		if errors.Is(err, nats.ErrTimeout) {
			break
		}
		if err != nil {
			return false, answered, err
		}
		var resp struct {
			Endpoints []struct {
				Data json.RawMessage `json:"data"`
			} `json:"endpoints"`
		}
		if err := json.Unmarshal(msg.Data, &resp); err != nil {
			return false, answered, fmt.Errorf("fault: frontier stats: %w", err)
		}
		answered++
		for _, e := range resp.Endpoints {
			var st frontierStats
			if json.Unmarshal(e.Data, &st) == nil && (st.Queued != 0 || st.InFlight != 0) {
				idle = false
			}
		}
	}
	return idle, answered, ctx.Err()
}

// backlog counts messages waiting in the work streams.
func backlog(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	var total uint64
	for _, name := range []string{"SEEDS", "LINKS", "OUTCOMES", "FETCH", "PAGES", "FOCUS"} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return 0, err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return 0, err
		}
		total += info.State.Msgs
	}
	return total, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
