// Package natstest starts an embedded nats-server with JetStream for tests:
// real server, random loopback port, data in t.TempDir().
package natstest

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto/natsembed"
)

// MustStart starts a server that is shut down when tb ends.
func MustStart(tb testing.TB) *server.Server {
	tb.Helper()
	ns, err := natsembed.Start(&natsembed.Options{StoreDir: tb.TempDir(), MaxStore: 1 << 30})
	if err != nil {
		tb.Fatalf("start nats: %v", err)
	}
	tb.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

// MustConnect connects to ns over loopback; the connection closes when tb ends.
func MustConnect(tb testing.TB, ns *server.Server) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		tb.Fatalf("connect nats: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	return nc, js
}
