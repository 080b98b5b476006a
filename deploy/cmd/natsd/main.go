// Command natsd runs one real nats-server node with JetStream, configured by
// flags in the style of the other Trawl binaries, so that a cluster (compose,
// Kubernetes, systemd, process tests) needs no separately downloaded server.
//
//	natsd run [flags]           run a node until SIGINT or SIGTERM
//	natsd healthcheck [URL]     exit 0 if URL (default: the local /healthz) answers 2xx
//
// A node joins a cluster when --cluster-port is set; --routes lists the
// cluster URLs of all nodes (its own included is fine). Clients may be asked
// for a user and password (--user, --password) or a token (--token), and
// served over TLS (--tls-cert, --tls-key, --tls-ca; --tls-verify also
// requires client certificates); routes use the same certificate with
// mutual verification when TLS is on. Secrets are best passed through the
// environment (TRAWL_NATS_PASSWORD, TRAWL_NATS_TOKEN, TRAWL_NATS_CLUSTER_PASSWORD)
// rather than argv. --config loads a nats-server configuration file first for
// anything these flags do not cover; flags given explicitly win over it.
//
// --http serves /metrics (Prometheus: server counters and, from stream and
// consumer leaders, JetStream stream depth and consumer lag), /healthz and
// /readyz (both nats-server's JetStream health check).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: natsd <command> [flags]

commands:
  run           run a nats-server node with JetStream until interrupted
  healthcheck   exit 0 if a health URL answers 2xx (default http://127.0.0.1:8222/healthz)

Run "natsd run -h" for the flags.
`

// DefaultHealthURL is what "natsd healthcheck" asks when given no URL: the
// /healthz of a node started with the default --http.
const DefaultHealthURL = "http://127.0.0.1:8222/healthz"

// Main runs the natsd command with args (without the program name) and
// returns the exit status: 0 on success, 1 on failure, 2 on bad usage. "run"
// returns when ctx is done, after shutting the server down.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "natsd: missing command\n\n"+usage)
		return 2
	}
	switch args[0] {
	case "run":
		return run(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "natsd: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// config is what the flags of "run" set.
type config struct {
	name, host, data, logLevel, httpAddr, configFile string
	port, clusterPort                                int
	clusterName, clusterAdvertise, routes            string
	clusterUser, clusterPassword                     string
	maxMemory, maxStore, maxPayload                  string
	user, password, token                            string
	tlsCert, tlsKey, tlsCA                           string
	tlsVerify, noClusterTLS, syncAlways              bool
	lameDuck                                         time.Duration

	set    map[string]bool // flags given on the command line or by their variable
	envErr error           // unparsable environment variables
}

// runFlags declares the flags of "run"; each takes its default from a
// TRAWL_* variable where one is named.
func runFlags(stderr io.Writer) (*flag.FlagSet, *config) {
	c := &config{set: make(map[string]bool)}
	fs := flag.NewFlagSet("natsd run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, envName, def, help string) {
		if v, ok := os.LookupEnv(envName); ok {
			def = v
			c.set[name] = true
		}
		fs.StringVar(p, name, def, help+" ("+envName+")")
	}
	num := func(p *int, name, envName string, def int, help string) {
		if v, ok := os.LookupEnv(envName); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				c.envErr = errors.Join(c.envErr, fmt.Errorf("%s=%q is not a number", envName, v))
			} else {
				def = n
				c.set[name] = true
			}
		}
		fs.IntVar(p, name, def, help+" ("+envName+")")
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "natsd"
	}
	str(&c.name, "name", "TRAWL_NATS_NAME", host, "server name, unique in the cluster; default the host name")
	str(&c.host, "host", "TRAWL_NATS_HOST", "0.0.0.0", "address the client and route ports listen on")
	num(&c.port, "port", "TRAWL_NATS_PORT", 4222, "client port; -1 picks a free one")
	str(&c.data, "data", "TRAWL_DATA", "data", "JetStream store directory")
	str(&c.maxMemory, "max-memory", "TRAWL_NATS_MAX_MEMORY", "256MiB", "JetStream memory limit")
	str(&c.maxStore, "max-store", "TRAWL_NATS_MAX_STORE", "8GiB", "JetStream disk limit")
	str(&c.maxPayload, "max-payload", "TRAWL_NATS_MAX_PAYLOAD", "4MiB", "largest message accepted")
	fs.BoolVar(&c.syncAlways, "sync-always", false, "fsync every JetStream write (slower; safe on power loss)")
	num(&c.clusterPort, "cluster-port", "TRAWL_NATS_CLUSTER_PORT", 0, "route port; 0 runs a single node")
	str(&c.clusterName, "cluster-name", "TRAWL_NATS_CLUSTER_NAME", "trawl", "cluster name, the same on every node")
	str(&c.routes, "routes", "TRAWL_NATS_ROUTES", "", `comma-separated route URLs of the nodes, e.g. "nats://n1:6222,nats://n2:6222"`)
	str(&c.clusterAdvertise, "cluster-advertise", "TRAWL_NATS_CLUSTER_ADVERTISE", "", "host:port the other nodes should dial for this one")
	str(&c.clusterUser, "cluster-user", "TRAWL_NATS_CLUSTER_USER", "", "user that routes authenticate with")
	str(&c.clusterPassword, "cluster-password", "TRAWL_NATS_CLUSTER_PASSWORD", "", "password that routes authenticate with")
	str(&c.user, "user", "TRAWL_NATS_USER", "", "user that clients must give")
	str(&c.password, "password", "TRAWL_NATS_PASSWORD", "", "password that clients must give")
	str(&c.token, "token", "TRAWL_NATS_TOKEN", "", "token that clients must give, instead of a user")
	str(&c.tlsCert, "tls-cert", "TRAWL_NATS_TLS_CERT", "", "server certificate PEM file; turns TLS on")
	str(&c.tlsKey, "tls-key", "TRAWL_NATS_TLS_KEY", "", "server private key PEM file")
	str(&c.tlsCA, "tls-ca", "TRAWL_NATS_TLS_CA", "", "CA PEM file of client and route certificates")
	fs.BoolVar(&c.tlsVerify, "tls-verify", false, "require client certificates signed by --tls-ca")
	fs.BoolVar(&c.noClusterTLS, "no-cluster-tls", false, "keep routes in plain text when TLS is on")
	fs.DurationVar(&c.lameDuck, "lame-duck", 0, "on SIGTERM, move clients away over this long before stopping; 0 stops at once")
	str(&c.httpAddr, "http", "TRAWL_NATS_HTTP", ":8222", "serve /metrics, /healthz and /readyz here; empty serves none")
	str(&c.configFile, "config", "TRAWL_NATS_CONFIG", "", "nats-server configuration file read before the flags")
	str(&c.logLevel, "log-level", "TRAWL_LOG_LEVEL", "info", "trace, debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: natsd run [flags]\n\nflags:\n")
		fs.PrintDefaults()
	}
	return fs, c
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := runFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	if c.envErr != nil {
		fmt.Fprintf(stderr, "natsd run: %v\n", c.envErr)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "natsd run: unexpected arguments %q\n", fs.Args())
		return 2
	}
	level, err := parseLevel(c.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "natsd run: %v\n", err)
		return 2
	}
	opts, err := c.options()
	if err != nil {
		fmt.Fprintf(stderr, "natsd run: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(opts.StoreDir, 0o750); err != nil {
		fmt.Fprintf(stderr, "natsd run: store directory: %v\n", err)
		return 1
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	ns, err := server.NewServer(opts)
	if err != nil {
		fmt.Fprintf(stderr, "natsd run: %v\n", err)
		return 2
	}
	fatal := make(chan string, 1)
	ns.SetLoggerV2(&serverLog{l: logger, fatal: fatal}, level <= slog.LevelDebug, level <= levelTrace, false)
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		fmt.Fprintln(stderr, "natsd run: server not ready for connections after 30s")
		return 1
	}

	var hs *http.Server
	if c.httpAddr != "" {
		l, err := net.Listen("tcp", c.httpAddr)
		if err != nil {
			ns.Shutdown()
			fmt.Fprintf(stderr, "natsd run: http: %v\n", err)
			return 1
		}
		hs = &http.Server{Handler: handler(ns), ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(l)
		logger.Info("natsd: http", "addr", l.Addr().String())
	}
	cluster := ""
	if a := ns.ClusterAddr(); a != nil {
		cluster = a.String()
	}
	fmt.Fprintf(stdout, "natsd: %s ready, clients %s, cluster %q\n", opts.ServerName, ns.ClientURL(), cluster)

	code := 0
	select {
	case <-ctx.Done():
	case msg := <-fatal:
		fmt.Fprintf(stderr, "natsd run: %s\n", msg)
		code = 1
	}
	if c.lameDuck > 0 && code == 0 {
		ns.LameDuckShutdown()
	} else {
		ns.Shutdown()
	}
	ns.WaitForShutdown()
	if hs != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		hs.Shutdown(sctx)
		scancel()
	}
	return code
}

// options turns the flags into server options. With --config the file is
// the base and only flags that were given explicitly override it.
func (c *config) options() (*server.Options, error) {
	o := &server.Options{}
	given := func(name string) bool { return c.configFile == "" || c.set[name] }
	if c.configFile != "" {
		var err error
		if o, err = server.ProcessConfigFile(c.configFile); err != nil {
			return nil, fmt.Errorf("read %s: %w", c.configFile, err)
		}
	}
	o.NoSigs = true
	o.JetStream = true
	if given("name") {
		o.ServerName = c.name
	}
	if given("host") {
		o.Host = c.host
	}
	if given("port") {
		o.Port = c.port
	}
	if given("data") {
		o.StoreDir = c.data
	}
	if o.StoreDir == "" {
		return nil, errors.New("--data must not be empty")
	}
	for _, s := range []struct {
		flag, value string
		dst         *int64
	}{{"max-memory", c.maxMemory, &o.JetStreamMaxMemory}, {"max-store", c.maxStore, &o.JetStreamMaxStore}} {
		if !given(s.flag) {
			continue
		}
		n, err := parseSize(s.value)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", s.flag, err)
		}
		*s.dst = n
	}
	if given("max-payload") {
		n, err := parseSize(c.maxPayload)
		if err != nil || n > 64<<20 {
			return nil, fmt.Errorf("--max-payload %q: want a size up to 64MiB", c.maxPayload)
		}
		o.MaxPayload = int32(n)
	}
	if c.set["sync-always"] || c.configFile == "" {
		o.SyncAlways = c.syncAlways
	}
	if c.lameDuck > 0 {
		o.LameDuckDuration = c.lameDuck
		o.LameDuckGracePeriod = min(c.lameDuck/2, 10*time.Second)
	}

	if given("cluster-port") && c.clusterPort != 0 {
		o.Cluster.Host = o.Host
		o.Cluster.Port = c.clusterPort
	}
	if given("cluster-name") && (o.Cluster.Port != 0 || o.Cluster.Name != "") {
		o.Cluster.Name = c.clusterName
	}
	if given("cluster-advertise") && c.clusterAdvertise != "" {
		o.Cluster.Advertise = c.clusterAdvertise
	}
	if given("cluster-user") || given("cluster-password") {
		if (c.clusterUser == "") != (c.clusterPassword == "") {
			return nil, errors.New("--cluster-user and --cluster-password go together")
		}
		o.Cluster.Username, o.Cluster.Password = c.clusterUser, c.clusterPassword
	}
	if given("routes") && c.routes != "" {
		if o.Cluster.Port == 0 {
			return nil, errors.New("--routes needs --cluster-port")
		}
		routes, err := parseRoutes(c.routes, o.Cluster.Username, o.Cluster.Password)
		if err != nil {
			return nil, err
		}
		o.Routes = routes
	}

	if given("user") || given("password") || given("token") {
		switch {
		case c.token != "" && (c.user != "" || c.password != ""):
			return nil, errors.New("--token and --user/--password exclude each other")
		case (c.user == "") != (c.password == ""):
			return nil, errors.New("--user and --password go together")
		}
		o.Username, o.Password, o.Authorization = c.user, c.password, c.token
	}

	if given("tls-cert") && c.tlsCert != "" {
		if c.tlsKey == "" {
			return nil, errors.New("--tls-cert needs --tls-key")
		}
		if c.tlsVerify && c.tlsCA == "" {
			return nil, errors.New("--tls-verify needs --tls-ca")
		}
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{
			CertFile: c.tlsCert, KeyFile: c.tlsKey, CaFile: c.tlsCA, Verify: c.tlsVerify})
		if err != nil {
			return nil, fmt.Errorf("client TLS: %w", err)
		}
		o.TLS, o.TLSConfig, o.TLSVerify, o.TLSTimeout = true, tc, c.tlsVerify, 5
		if o.Cluster.Port != 0 && !c.noClusterTLS {
			if c.tlsCA == "" {
				return nil, errors.New("route TLS needs --tls-ca (or --no-cluster-tls)")
			}
			rc, err := server.GenTLSConfig(&server.TLSConfigOpts{
				CertFile: c.tlsCert, KeyFile: c.tlsKey, CaFile: c.tlsCA, Verify: true})
			if err != nil {
				return nil, fmt.Errorf("route TLS: %w", err)
			}
			// A node dials routes too: it checks the others' certificates
			// against the same CA, as nats-server's config file does.
			rc.RootCAs = rc.ClientCAs
			o.Cluster.TLSConfig, o.Cluster.TLSTimeout = rc, 5
		}
	} else if given("tls-key") && c.tlsKey != "" {
		return nil, errors.New("--tls-key needs --tls-cert")
	}
	return o, nil
}

// parseRoutes parses comma-separated route URLs, adding the route
// credentials to those that carry none.
func parseRoutes(s, user, password string) ([]*url.URL, error) {
	var out []*url.URL
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		u, err := url.Parse(f)
		if err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "nats-route" && u.Scheme != "tls") {
			return nil, fmt.Errorf("--routes: %q is not a route URL like nats://host:6222", f)
		}
		if u.User == nil && user != "" {
			u.User = url.UserPassword(user, password)
		}
		out = append(out, u)
	}
	return out, nil
}

// parseSize reads a byte count: plain digits, or a number with one of the
// suffixes K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB, TiB (KB and KiB alike
// are powers of 1024, as nats-server reads them).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size like 512MiB", s)
	}
	shift := 0
	switch strings.ToUpper(strings.TrimSpace(t[i:])) {
	case "", "B":
	case "K", "KB", "KIB":
		shift = 10
	case "M", "MB", "MIB":
		shift = 20
	case "G", "GB", "GIB":
		shift = 30
	case "T", "TB", "TIB":
		shift = 40
	default:
		return 0, fmt.Errorf("%q is not a size like 512MiB", s)
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n << shift, nil
}

// handler serves /metrics, /healthz (the server runs with JetStream) and
// /readyz (JetStream is current: meta leader known, streams and consumers
// caught up).
func handler(ns *server.Server) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(ns), prometheus.NewGoCollector(),
		prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	health := func(o *server.HealthzOptions) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			st := ns.Healthz(o)
			code := http.StatusOK
			if st.Status != "ok" {
				code = http.StatusServiceUnavailable
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			if st.Error != "" {
				fmt.Fprintf(w, "{\"status\":%q,\"error\":%q}\n", st.Status, st.Error)
				return
			}
			fmt.Fprintf(w, "{\"status\":%q}\n", st.Status)
		}
	}
	mux.HandleFunc("GET /healthz", health(&server.HealthzOptions{JSEnabledOnly: true}))
	mux.HandleFunc("GET /readyz", health(&server.HealthzOptions{}))
	return mux
}

// healthcheck asks a health URL and exits 0 on a 2xx answer: the probe of a
// container image that has no shell or curl.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("natsd healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: natsd healthcheck [--timeout D] [URL]\n\nURL defaults to %s.\n", DefaultHealthURL)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	target := DefaultHealthURL
	switch fs.NArg() {
	case 0:
	case 1:
		target = fs.Arg(0)
	default:
		fmt.Fprintf(stderr, "natsd healthcheck: want at most one URL, got %q\n", fs.Args())
		return 2
	}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		fmt.Fprintf(stderr, "natsd healthcheck: %q is not an http URL\n", target)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintf(stderr, "natsd healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "natsd healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(stderr, "natsd healthcheck: %s: %s %s\n", target, resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, resp.Status)
	return 0
}
