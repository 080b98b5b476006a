package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// compose runs docker-compose (or docker compose) on one project: the
// repository's compose file, this run's override file and the variables
// that size the cluster and free its host ports.
type compose struct {
	cmd     []string // "docker-compose" or "docker", "compose"
	project string
	files   []string
	env     []string
}

// findCompose returns the compose command this machine has: docker-compose
// (v1, as Debian ships it) or the docker compose plugin.
func findCompose(ctx context.Context) ([]string, error) {
	for _, c := range [][]string{{"docker-compose"}, {"docker", "compose"}} {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := exec.CommandContext(cctx, c[0], append(c[1:], "version")...).Run()
		cancel()
		if err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("neither docker-compose nor docker compose runs here")
}

// run runs one compose command and returns its standard output. Every call
// has its own time limit, so nothing waits on Docker for ever.
func (c *compose) run(ctx context.Context, limit time.Duration, args ...string) (string, error) {
	full := append([]string{}, c.cmd[1:]...)
	full = append(full, "-p", c.project)
	for _, f := range c.files {
		full = append(full, "-f", f)
	}
	full = append(full, args...)
	return runCmd(ctx, limit, c.env, c.cmd[0], full...)
}

// container returns the ID of a service's container.
func (c *compose) container(ctx context.Context, service string) (string, error) {
	out, err := c.run(ctx, time.Minute, "ps", "-q", service)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(out)
	if id == "" || strings.Contains(id, "\n") {
		return "", fmt.Errorf("service %s: want one container, got %q", service, id)
	}
	return id, nil
}

// hostPort returns the host address ("127.0.0.1:49153") a service's port is
// published on.
func (c *compose) hostPort(ctx context.Context, service string, port int) (string, error) {
	out, err := c.run(ctx, time.Minute, "port", service, fmt.Sprint(port))
	if err != nil {
		return "", err
	}
	addr := strings.TrimSpace(out)
	if addr == "" || strings.HasSuffix(addr, ":0") {
		return "", fmt.Errorf("service %s: port %d is not published", service, port)
	}
	return strings.Replace(addr, "0.0.0.0:", "127.0.0.1:", 1), nil
}

// docker runs a docker command and returns its standard output.
func docker(ctx context.Context, limit time.Duration, args ...string) (string, error) {
	return runCmd(ctx, limit, nil, "docker", args...)
}

func runCmd(ctx context.Context, limit time.Duration, env []string, name string, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(cctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		switch {
		case ctx.Err() != nil:
			err = fmt.Errorf("interrupted: %w", context.Cause(ctx))
		case cctx.Err() != nil:
			err = fmt.Errorf("no answer in %v", limit)
		}
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.String(), nil
}

// containerState is what docker inspect says of one container.
type containerState struct {
	Service  string
	Status   string // running, exited, restarting, …
	ExitCode int
	Restarts int // restarts by the restart policy: the service ended by itself
}

// states inspects every container of the project.
func (c *compose) states(ctx context.Context) ([]containerState, error) {
	out, err := c.run(ctx, time.Minute, "ps", "-q")
	if err != nil {
		return nil, err
	}
	ids := strings.Fields(out)
	if len(ids) == 0 {
		return nil, fmt.Errorf("project %s has no containers", c.project)
	}
	out, err = docker(ctx, time.Minute, append([]string{"inspect", "-f",
		`{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}`}, ids...)...)
	if err != nil {
		return nil, err
	}
	var st []containerState
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s containerState
		if _, err := fmt.Sscan(line, &s.Service, &s.Status, &s.ExitCode, &s.Restarts); err != nil {
			return nil, fmt.Errorf("docker inspect: line %q: %w", line, err)
		}
		st = append(st, s)
	}
	return st, nil
}

// writeOverride writes the compose file laid over deploy/compose.yaml for a
// test run: each simweb logs its requests into a directory of dir (bind
// mounted, so the harness reads them as they grow), and natsd-2 and
// natsd-3 publish their client port too, so the harness keeps a way into
// NATS whichever node is killed.
func writeOverride(dir string) (path string, logDirs []string, err error) {
	var b strings.Builder
	b.WriteString("# Written by deploy/cmd/composefault for one run; laid over deploy/compose.yaml.\nservices:\n")
	for i := 1; i <= 3; i++ {
		d := filepath.Join(dir, fmt.Sprintf("simweb-%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", nil, err
		}
		// The services run as an unprivileged user (65532).
		if err := os.Chmod(d, 0o777); err != nil {
			return "", nil, err
		}
		logDirs = append(logDirs, d)
		fmt.Fprintf(&b, "  simweb-%d:\n    volumes: [%q]\n", i, d+":/log")
	}
	for _, n := range []string{"natsd-2", "natsd-3"} {
		fmt.Fprintf(&b, "  %s:\n    networks: [trawl, edge]\n    ports: [\"127.0.0.1::4222\"]\n", n)
	}
	path = filepath.Join(dir, "compose.override.yaml")
	return path, logDirs, os.WriteFile(path, []byte(b.String()), 0o644)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
