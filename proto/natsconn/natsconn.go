// Package natsconn is how every Trawl command connects to NATS: the
// --nats list of every node of a cluster, credentials (a .creds file, a user
// and password, or a token), TLS with a private CA and client certificates,
// and a connection that reconnects forever. The flags are the same in every
// command; each can be set as its TRAWL_* variable instead:
//
//	--nats URLS            TRAWL_NATS            comma-separated URLs, one per node
//	--nats-creds FILE      TRAWL_NATS_CREDS      JWT and NKey seed (.creds)
//	--nats-user NAME       TRAWL_NATS_USER       with --nats-password
//	--nats-password PW     TRAWL_NATS_PASSWORD
//	--nats-token TOKEN     TRAWL_NATS_TOKEN
//	--nats-tls-ca FILE     TRAWL_NATS_TLS_CA     CA of the servers' certificates
//	--nats-tls-cert FILE   TRAWL_NATS_TLS_CERT   client certificate (mutual TLS)
//	--nats-tls-key FILE    TRAWL_NATS_TLS_KEY    its private key
//
// Credentials in the URLs (nats://user:pw@host:4222) and the tls:// scheme
// work as well.
package natsconn

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Options say where NATS is and how to authenticate.
type Options struct {
	URL      string // comma-separated server URLs; list every node of a cluster
	Creds    string // .creds file: user JWT and NKey seed
	User     string
	Password string
	Token    string
	TLSCA    string // PEM file of the CA that signed the servers' certificates
	TLSCert  string // PEM client certificate, for servers that verify clients
	TLSKey   string // its private key
}

// Flags registers --nats (default defURL) and the credential and TLS flags
// on fs, each defaulting to its TRAWL_* variable, and returns the Options
// they fill once fs is parsed.
func Flags(fs *flag.FlagSet, defURL string) *Options {
	o := new(Options)
	str := func(p *string, name, env, def, usage string) {
		if v := os.Getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ("+env+")")
	}
	str(&o.URL, "nats", "TRAWL_NATS", defURL, "NATS server URLs, comma-separated: list every node of a cluster")
	str(&o.Creds, "nats-creds", "TRAWL_NATS_CREDS", "", "NATS credentials file (user JWT and NKey seed)")
	str(&o.User, "nats-user", "TRAWL_NATS_USER", "", "NATS user, with --nats-password")
	str(&o.Password, "nats-password", "TRAWL_NATS_PASSWORD", "", "NATS password; prefer the variable: ps shows the command line")
	str(&o.Token, "nats-token", "TRAWL_NATS_TOKEN", "", "NATS token, instead of a user; prefer the variable")
	str(&o.TLSCA, "nats-tls-ca", "TRAWL_NATS_TLS_CA", "", "PEM file of the CA that signed the NATS servers' certificates; turns TLS on")
	str(&o.TLSCert, "nats-tls-cert", "TRAWL_NATS_TLS_CERT", "", "PEM client certificate for NATS servers that verify clients; turns TLS on")
	str(&o.TLSKey, "nats-tls-key", "TRAWL_NATS_TLS_KEY", "", "private key of --nats-tls-cert")
	return o
}

// Validate checks that the options go together.
func (o *Options) Validate() error {
	var errs []error
	if strings.TrimSpace(o.URL) == "" {
		errs = append(errs, errors.New("--nats: no server URL"))
	}
	if (o.User == "") != (o.Password == "") {
		errs = append(errs, errors.New("--nats-user and --nats-password go together"))
	}
	n := 0
	for _, set := range []bool{o.Creds != "", o.User != "", o.Token != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		errs = append(errs, errors.New("--nats-creds, --nats-user and --nats-token exclude each other"))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		errs = append(errs, errors.New("--nats-tls-cert and --nats-tls-key go together"))
	}
	for flagName, f := range map[string]string{"--nats-creds": o.Creds, "--nats-tls-ca": o.TLSCA,
		"--nats-tls-cert": o.TLSCert, "--nats-tls-key": o.TLSKey} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", flagName, err))
		}
	}
	return errors.Join(errs...)
}

// Auth returns the nats.go options for the credentials and TLS settings.
func (o *Options) Auth() ([]nats.Option, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var opts []nats.Option
	switch {
	case o.Creds != "":
		opts = append(opts, nats.UserCredentials(o.Creds))
	case o.User != "":
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	case o.Token != "":
		opts = append(opts, nats.Token(o.Token))
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	return opts, nil
}

// Connect connects as name with settings for a long-lived client: it tries
// every URL, reconnects forever (to any node of the cluster), pings every
// 10s so a silent node is left within half a minute, and logs disconnects
// and reconnects to log when it is not nil. extra options come last.
func Connect(o *Options, name string, log *slog.Logger, extra ...nats.Option) (*nats.Conn, error) {
	auth, err := o.Auth()
	if err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.Timeout(10 * time.Second),
		nats.PingInterval(10 * time.Second),
	}
	if log != nil {
		opts = append(opts,
			nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
				if err != nil {
					log.Warn("nats: disconnected", "err", err)
				}
			}),
			nats.ReconnectHandler(func(nc *nats.Conn) {
				log.Info("nats: reconnected", "server", redact(nc.ConnectedUrl()))
			}),
			nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
				log.Warn("nats: async error", "err", err)
			}),
		)
	}
	opts = append(opts, auth...)
	opts = append(opts, extra...)
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", Redacted(o.URL), err)
	}
	return nc, nil
}

// Redacted returns the URL list with passwords and tokens in it replaced by
// "xxxxx", for logs and messages.
func Redacted(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		parts[i] = redact(strings.TrimSpace(u))
	}
	return strings.Join(parts, ",")
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, ok := p.User.Password(); ok {
		p.User = url.UserPassword(p.User.Username(), "xxxxx")
	} else {
		p.User = url.User("xxxxx") // a token
	}
	return p.String()
}
