package natsconn_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"trawl.dev/proto"
	"trawl.dev/proto/natsconn"
)

// pki is a private CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type pki struct {
	ca, serverCert, serverKey, clientCert, clientKey string
	otherCA                                          string // a CA that signed nothing here
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	keyDER := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	serial := int64(1)
	sign := func(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) (*x509.Certificate, []byte) {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c, der
	}
	newCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		k := key()
		c, der := sign(&x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, nil, &k.PublicKey, k)
		return c, k, der
	}
	ca, caKey, caDER := newCA("trawl-test-ca")
	_, _, otherDER := newCA("someone-else")
	sk := key()
	_, sDER := sign(&x509.Certificate{Subject: pkix.Name{CommonName: "nats"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames: []string{"localhost"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, &sk.PublicKey, caKey)
	ck := key()
	_, cDER := sign(&x509.Certificate{Subject: pkix.Name{CommonName: "trawl-crawler"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, &ck.PublicKey, caKey)
	return pki{
		ca:         write("ca.pem", "CERTIFICATE", caDER),
		otherCA:    write("other-ca.pem", "CERTIFICATE", otherDER),
		serverCert: write("server.pem", "CERTIFICATE", sDER),
		serverKey:  write("server-key.pem", "EC PRIVATE KEY", keyDER(sk)),
		clientCert: write("client.pem", "CERTIFICATE", cDER),
		clientKey:  write("client-key.pem", "EC PRIVATE KEY", keyDER(ck)),
	}
}

// start runs a nats-server with JetStream as set up by configure.
func start(t *testing.T, configure func(*server.Options)) *server.Server {
	t.Helper()
	o := &server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: os.Getenv("NATSCONN_LOG") == "", JetStream: true,
		StoreDir: t.TempDir(), JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 1 << 30}
	configure(o)
	ns, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	if !o.NoLog {
		ns.ConfigureLogger()
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

func addr(ns *server.Server) string { return ns.Addr().String() }

// useJetStream proves the connection carries JetStream: it creates Trawl's
// streams and stores a message.
func useJetStream(t *testing.T, o *natsconn.Options) {
	t.Helper()
	nc, err := natsconn.Connect(o, "natsconn-test", nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, proto.SubjectSeed, []byte("http://example.ru/")); err != nil {
		t.Fatal(err)
	}
}

// mustFail connects with o and wants an error containing want.
func mustFail(t *testing.T, o natsconn.Options, want string) {
	t.Helper()
	nc, err := natsconn.Connect(&o, "natsconn-test", nil)
	if err == nil {
		nc.Close()
		t.Fatalf("connected with %+v, want an error containing %q", o, want)
	}
	if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(want)) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
}

// TestTLSWithClientCertificateAndPassword runs a server that requires TLS,
// a client certificate signed by the private CA, and a user and password.
func TestTLSWithClientCertificateAndPassword(t *testing.T) {
	p := newPKI(t)
	ns := start(t, func(o *server.Options) {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.serverCert, KeyFile: p.serverKey, CaFile: p.ca, Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		o.TLS, o.TLSConfig, o.TLSVerify, o.TLSTimeout = true, tc, true, 5
		o.Username, o.Password = "trawl", "s3cret-pass"
	})
	good := natsconn.Options{URL: "nats://" + addr(ns), User: "trawl", Password: "s3cret-pass",
		TLSCA: p.ca, TLSCert: p.clientCert, TLSKey: p.clientKey}
	useJetStream(t, &good)

	bad := good
	bad.Password = "wrong"
	mustFail(t, bad, "authorization violation")

	bad = good
	bad.TLSCA = p.otherCA
	mustFail(t, bad, "certificate signed by unknown authority")

	bad = good
	bad.TLSCert, bad.TLSKey = "", ""
	mustFail(t, bad, "tls") // the server wants a client certificate: "certificate required" or a hang-up after the handshake
}

// TestTLSWithToken runs a TLS server without client certificates that
// wants a token; the list of URLs has a dead node first.
func TestTLSWithToken(t *testing.T) {
	p := newPKI(t)
	ns := start(t, func(o *server.Options) {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.serverCert, KeyFile: p.serverKey})
		if err != nil {
			t.Fatal(err)
		}
		o.TLS, o.TLSConfig, o.TLSTimeout = true, tc, 5
		o.Authorization = "a-long-enough-token"
	})
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "nats://" + dead.Addr().String()
	dead.Close() // nothing listens there any more
	good := natsconn.Options{URL: deadURL + "," + "nats://" + addr(ns), Token: "a-long-enough-token", TLSCA: p.ca}
	useJetStream(t, &good)

	bad := good
	bad.URL = "nats://" + addr(ns)
	bad.Token = "another-token"
	mustFail(t, bad, "authorization violation")
	bad = good
	bad.TLSCA = ""
	bad.URL = "tls://" + addr(ns) // TLS against the system roots, which lack the private CA
	mustFail(t, bad, "certificate signed by unknown authority")
}

// TestCredsFile runs a server in operator mode (JWTs) and connects with a
// .creds file of a user of a trusted account.
func TestCredsFile(t *testing.T) {
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opub)
	if _, err := oc.Encode(okp); err != nil {
		t.Fatal(err)
	}
	akp, _ := nkeys.CreateAccount()
	apub, _ := akp.PublicKey()
	ac := jwt.NewAccountClaims(apub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	ajwt, err := ac.Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	creds := func(signer nkeys.KeyPair) string {
		ukp, _ := nkeys.CreateUser()
		upub, _ := ukp.PublicKey()
		ujwt, err := jwt.NewUserClaims(upub).Encode(signer)
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := ukp.Seed()
		b, err := jwt.FormatUserConfig(ujwt, seed)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "user.creds")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	skp, _ := nkeys.CreateAccount() // the system account JetStream needs
	spub, _ := skp.PublicKey()
	sjwt, err := jwt.NewAccountClaims(spub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	for pub, j := range map[string]string{apub: ajwt, spub: sjwt} {
		if err := resolver.Store(pub, j); err != nil {
			t.Fatal(err)
		}
	}
	ns := start(t, func(o *server.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{oc}
		o.AccountResolver = resolver
		o.SystemAccount = spub
	})
	good := natsconn.Options{URL: "nats://" + addr(ns), Creds: creds(akp)}
	useJetStream(t, &good)

	stranger, _ := nkeys.CreateAccount() // an account the operator never signed
	mustFail(t, natsconn.Options{URL: good.URL, Creds: creds(stranger)}, "authorization violation")
	mustFail(t, natsconn.Options{URL: good.URL}, "authorization violation")
}

func TestValidate(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		o    natsconn.Options
		want string
	}{
		{natsconn.Options{}, "no server URL"},
		{natsconn.Options{URL: "nats://h:4222", User: "u"}, "--nats-user and --nats-password go together"},
		{natsconn.Options{URL: "nats://h:4222", User: "u", Password: "p", Token: "t"}, "exclude each other"},
		{natsconn.Options{URL: "nats://h:4222", Creds: p.ca, Token: "t"}, "exclude each other"},
		{natsconn.Options{URL: "nats://h:4222", TLSCert: p.clientCert}, "--nats-tls-cert and --nats-tls-key go together"},
		{natsconn.Options{URL: "nats://h:4222", TLSCA: filepath.Join(t.TempDir(), "missing.pem")}, "--nats-tls-ca"},
		{natsconn.Options{URL: "nats://h:4222", Creds: filepath.Join(t.TempDir(), "missing.creds")}, "--nats-creds"},
	} {
		err := tc.o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error containing %q", tc.o, err, tc.want)
		}
	}
	ok := natsconn.Options{URL: "nats://a:4222,nats://b:4222", User: "u", Password: "p", TLSCA: p.ca,
		TLSCert: p.clientCert, TLSKey: p.clientKey}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v, want nil", ok, err)
	}
}

// TestFlagsReadEnvironment checks the TRAWL_* defaults and that flags win.
func TestFlagsReadEnvironment(t *testing.T) {
	t.Setenv("TRAWL_NATS", "nats://n1:4222,nats://n2:4222")
	t.Setenv("TRAWL_NATS_USER", "env-user")
	t.Setenv("TRAWL_NATS_PASSWORD", "env-pass")
	t.Setenv("TRAWL_NATS_TLS_CA", "/etc/trawl/ca.pem")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o := natsconn.Flags(fs, "nats://127.0.0.1:4222")
	if err := fs.Parse([]string{"--nats-user", "flag-user"}); err != nil {
		t.Fatal(err)
	}
	want := natsconn.Options{URL: "nats://n1:4222,nats://n2:4222", User: "flag-user", Password: "env-pass", TLSCA: "/etc/trawl/ca.pem"}
	if *o != want {
		t.Fatalf("got %+v, want %+v", *o, want)
	}
}

func TestRedacted(t *testing.T) {
	got := natsconn.Redacted("nats://trawl:secret@n1:4222, nats://TOKEN@n2:4222,nats://n3:4222")
	want := "nats://trawl:xxxxx@n1:4222,nats://xxxxx@n2:4222,nats://n3:4222"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
