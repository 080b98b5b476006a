package main_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	natsd "trawl.dev/deploy/cmd/natsd"
)

func TestMainUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "missing command"},
		{"unknown command", []string{"serve"}, `unknown command "serve"`},
		{"bad flag", []string{"run", "--no-such-flag"}, "flag provided but not defined"},
		{"extra argument", []string{"run", "--data", dir, "extra"}, "unexpected arguments"},
		{"bad log level", []string{"run", "--data", dir, "--log-level", "loud"}, "--log-level"},
		{"bad size", []string{"run", "--data", dir, "--max-store", "lots"}, "--max-store"},
		{"user without password", []string{"run", "--data", dir, "--user", "a"}, "--user and --password"},
		{"token and user", []string{"run", "--data", dir, "--token", "t", "--user", "a", "--password", "b"}, "exclude each other"},
		{"routes without cluster", []string{"run", "--data", dir, "--routes", "nats://a:6222"}, "--routes needs --cluster-port"},
		{"bad route", []string{"run", "--data", dir, "--cluster-port", "6222", "--routes", "http://a:6222"}, "not a route URL"},
		{"key without cert", []string{"run", "--data", dir, "--tls-key", "k.pem"}, "--tls-key needs --tls-cert"},
		{"healthcheck two urls", []string{"healthcheck", "http://a/", "http://b/"}, "at most one URL"},
		{"healthcheck not http", []string{"healthcheck", "nats://a:4222"}, "not an http URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := natsd.Main(context.Background(), tt.args, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code: got %d, want 2 (stderr %q)", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

// node is one natsd started through Main.
type node struct {
	name                string
	client, route, http int
	done                chan int
	stderr              *syncBuffer
}

// TestClusterR3 starts three nodes as a cluster, creates an R3 stream through
// one node and reads it back through another; then checks the metrics, the
// health endpoints and that every node stops cleanly. With TLS, clients and
// routes both use it.
func TestClusterR3(t *testing.T) {
	ca, cert, key := writeCerts(t)
	tests := []struct {
		name   string
		flags  []string
		scheme string
		opts   []nats.Option
	}{
		{"plain", nil, "nats", nil},
		{"tls", []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca}, "tls", []nats.Option{nats.RootCAs(ca)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { testCluster(t, tt.flags, tt.scheme, tt.opts) })
	}
}

func testCluster(t *testing.T, flags []string, scheme string, opts []nats.Option) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nodes := make([]*node, 3)
	var routes []string
	for i := range nodes {
		nodes[i] = &node{name: fmt.Sprintf("n%d", i+1), client: freePort(t), route: freePort(t), http: freePort(t),
			done: make(chan int, 1), stderr: &syncBuffer{}}
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", nodes[i].route))
	}
	for _, n := range nodes {
		args := []string{"run", "--name", n.name, "--host", "127.0.0.1", "--port", strconv.Itoa(n.client),
			"--cluster-port", strconv.Itoa(n.route), "--routes", strings.Join(routes, ","),
			"--data", filepath.Join(t.TempDir(), n.name), "--max-memory", "64MiB", "--max-store", "1GiB",
			"--http", "127.0.0.1:" + strconv.Itoa(n.http), "--log-level", "warn"}
		args = append(args, flags...)
		go func() { n.done <- natsd.Main(ctx, args, io.Discard, n.stderr) }()
	}
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			for _, n := range nodes {
				<-n.done
			}
		}
	}()

	nc1, js1 := connect(t, scheme, nodes[0].client, opts...)
	waitJetStream(t, js1)
	// The meta leader may be elected before every peer has reported in:
	// placement of an R3 stream fails until then.
	var s jetstream.Stream
	var err error
	for range 100 {
		s, err = js1.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Replicas: 3,
			Storage: jetstream.FileStorage})
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create R3 stream: %v", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		t.Fatalf("stream cluster info: got %+v, want a leader", info.Cluster)
	}
	peers := []string{info.Cluster.Leader}
	for _, p := range info.Cluster.Replicas {
		peers = append(peers, p.Name)
	}
	if len(peers) != 3 {
		t.Fatalf("stream peers: got %v, want 3 nodes", peers)
	}
	for i := range 5 {
		if _, err := js1.Publish(ctx, "t.x", []byte(strconv.Itoa(i))); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	nc1.Close()

	// Read the stream through another node.
	_, js3 := connect(t, scheme, nodes[2].client, opts...)
	s3, err := js3.Stream(ctx, "T")
	if err != nil {
		t.Fatalf("stream through n3: %v", err)
	}
	info3, err := s3.Info(ctx)
	if err != nil {
		t.Fatalf("stream info through n3: %v", err)
	}
	if info3.State.Msgs != 5 || info3.Config.Replicas != 3 {
		t.Errorf("stream through n3: got %d messages, R%d; want 5, R3", info3.State.Msgs, info3.Config.Replicas)
	}

	// Exactly one node, the stream leader, reports the stream in /metrics.
	var reporters []string
	for _, n := range nodes {
		body := get(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", n.http))
		if strings.Contains(body, `trawl_natsd_stream_messages{stream="T"} 5`) {
			reporters = append(reporters, n.name)
		}
		if !strings.Contains(body, "trawl_natsd_routes ") {
			t.Errorf("%s /metrics: got no trawl_natsd_routes", n.name)
		}
	}
	if len(reporters) != 1 {
		t.Errorf("nodes reporting stream T with 5 messages: got %v, want exactly one", reporters)
	}

	var out, errOut bytes.Buffer
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", nodes[1].http)
	if code := natsd.Main(ctx, []string{"healthcheck", url}, &out, &errOut); code != 0 {
		t.Errorf("healthcheck %s: got exit %d (%s), want 0", url, code, errOut.String())
	}
	if code := natsd.Main(ctx, []string{"healthcheck", "--timeout", "2s",
		fmt.Sprintf("http://127.0.0.1:%d/healthz", freePort(t))}, io.Discard, io.Discard); code != 1 {
		t.Errorf("healthcheck of a closed port: got exit %d, want 1", code)
	}

	cancel()
	stopped = true
	for _, n := range nodes {
		if code := <-n.done; code != 0 {
			t.Errorf("%s exit code: got %d, want 0; stderr:\n%s", n.name, code, n.stderr.String())
		}
	}
}

// TestClientAuth checks that a node asks clients for the credentials it was
// given, over TLS when it has a certificate.
func TestClientAuth(t *testing.T) {
	ca, cert, key := writeCerts(t)
	tests := []struct {
		name       string
		flags      []string
		goodURL    string // credentials in the URL, as the services take them
		badURL     string
		tls        bool
		wantSecure bool
	}{
		{"user and password", []string{"--user", "trawl", "--password", "s3cret"},
			"nats://trawl:s3cret@127.0.0.1:%d", "nats://trawl:wrong@127.0.0.1:%d", false, false},
		{"token", []string{"--token", "t0ken"}, "nats://t0ken@127.0.0.1:%d", "nats://127.0.0.1:%d", false, false},
		{"tls and password", []string{"--user", "trawl", "--password", "s3cret", "--tls-cert", cert, "--tls-key", key,
			"--tls-ca", ca}, "tls://trawl:s3cret@127.0.0.1:%d", "tls://trawl:wrong@127.0.0.1:%d", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			port := freePort(t)
			done := make(chan int, 1)
			stderr := &syncBuffer{}
			args := append([]string{"run", "--name", "a", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
				"--data", t.TempDir(), "--http", "", "--log-level", "error"}, tt.flags...)
			go func() { done <- natsd.Main(ctx, args, io.Discard, stderr) }()
			defer func() {
				cancel()
				if code := <-done; code != 0 {
					t.Errorf("exit code: got %d, want 0; stderr:\n%s", code, stderr.String())
				}
			}()
			var opts []nats.Option
			if tt.tls {
				opts = append(opts, nats.RootCAs(ca))
			}
			good := fmt.Sprintf(tt.goodURL, port)
			nc := waitConnect(t, good, opts...)
			if got := nc.TLSRequired(); got != tt.wantSecure {
				t.Errorf("TLS on the connection: got %v, want %v", got, tt.wantSecure)
			}
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := js.AccountInfo(ctx); err != nil {
				t.Errorf("JetStream through %s: %v", good, err)
			}
			nc.Close()
			if bad, err := nats.Connect(fmt.Sprintf(tt.badURL, port), opts...); err == nil {
				bad.Close()
				t.Errorf("connect with wrong credentials: got no error, want an authorization error")
			} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
				t.Errorf("connect with wrong credentials: got %v, want an authorization error", err)
			}
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitConnect connects to url, retrying while the node is starting.
func waitConnect(t *testing.T, url string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	var err error
	for range 300 {
		var nc *nats.Conn
		if nc, err = nats.Connect(url, opts...); err == nil {
			return nc
		}
		if strings.Contains(strings.ToLower(err.Error()), "authorization") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("connect to %s: %v", url, err)
	return nil
}

func connect(t *testing.T, scheme string, port int, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc := waitConnect(t, fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), opts...)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// waitJetStream waits until the cluster has a meta leader.
func waitJetStream(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	var err error
	for range 300 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("JetStream never became available: %v", err)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %s, %v", url, resp.Status, err)
	}
	return string(b)
}

// writeCerts writes a CA and a server certificate for 127.0.0.1 and
// localhost, usable by routes too, and returns their paths.
func writeCerts(t *testing.T) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "trawl test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "natsd"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER),
		write("server-key.pem", "EC PRIVATE KEY", keyDER)
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in different
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
