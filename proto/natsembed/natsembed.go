// Package natsembed runs a real nats-server with JetStream inside the
// process: Trawl's embedded default on one machine, and the server every test
// starts on a random loopback port.
package natsembed

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Options configure the embedded server. Nil means defaults.
type Options struct {
	Host      string // default 127.0.0.1
	Port      int    // 0 picks a free port; -1 too
	StoreDir  string // JetStream data; required
	MaxMemory int64  // JetStream memory limit; default 256 MiB
	MaxStore  int64  // JetStream disk limit; default 8 GiB
	Name      string // server name; default "trawl-embedded"
}

// ErrNotReady is returned when the server does not accept connections in time.
var ErrNotReady = errors.New("natsembed: server not ready")

// Start starts a server and waits until it accepts connections.
func Start(o *Options) (*server.Server, error) {
	if o == nil || o.StoreDir == "" {
		return nil, errors.New("natsembed: StoreDir is required")
	}
	opts := &server.Options{
		ServerName:         o.Name,
		Host:               o.Host,
		Port:               o.Port,
		JetStream:          true,
		StoreDir:           o.StoreDir,
		JetStreamMaxMemory: o.MaxMemory,
		JetStreamMaxStore:  o.MaxStore,
		NoSigs:             true,
		MaxPayload:         4 << 20,
	}
	if opts.ServerName == "" {
		opts.ServerName = "trawl-embedded"
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Port == 0 {
		opts.Port = -1
	}
	if opts.JetStreamMaxMemory == 0 {
		opts.JetStreamMaxMemory = 256 << 20
	}
	if opts.JetStreamMaxStore == 0 {
		opts.JetStreamMaxStore = 8 << 30
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsembed: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, ErrNotReady
	}
	return ns, nil
}

// Connect connects to ns in process (no socket) with settings suited to a
// long-lived service.
func Connect(ns *server.Server, name string) (*nats.Conn, error) {
	return nats.Connect(ns.ClientURL(), nats.InProcessServer(ns), nats.Name(name),
		nats.MaxReconnects(-1))
}
