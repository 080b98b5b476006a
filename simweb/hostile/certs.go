package hostile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// certs are the TLS cases' certificates: a CA and leaves it signed (valid,
// expired, for another name) plus a self-signed leaf.
type certs struct {
	pool   *x509.CertPool
	byName map[string]*tls.Certificate
	self   *tls.Certificate
}

func newCerts() (*certs, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("hostile: ca key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hostile test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("hostile: ca: %w", err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	c := &certs{pool: x509.NewCertPool(), byName: map[string]*tls.Certificate{}}
	c.pool.AddCert(ca)
	leaf := func(serial int64, name string, from, to time.Time, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*tls.Certificate, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			DNSNames:     []string{name},
			NotBefore:    from,
			NotAfter:     to,
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			return nil, err
		}
		return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
	}
	type spec struct {
		host, certName string
		from, to       time.Time
	}
	for i, sp := range []spec{
		{Host("tls-ok"), Host("tls-ok"), now.Add(-time.Hour), now.Add(24 * time.Hour)},
		{Host("tls-expired"), Host("tls-expired"), now.Add(-48 * time.Hour), now.Add(-24 * time.Hour)},
		{Host("tls-wrong-host"), "elsewhere." + Domain, now.Add(-time.Hour), now.Add(24 * time.Hour)},
	} {
		cert, err := leaf(int64(10+i), sp.certName, sp.from, sp.to, ca, caKey)
		if err != nil {
			return nil, fmt.Errorf("hostile: certificate for %s: %w", sp.host, err)
		}
		c.byName[sp.host] = cert
	}
	if c.self, err = leaf(20, Host("tls-self-signed"), now.Add(-time.Hour), now.Add(24*time.Hour), nil, nil); err != nil {
		return nil, fmt.Errorf("hostile: self-signed certificate: %w", err)
	}
	return c, nil
}

func (c *certs) get(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if cert, ok := c.byName[strings.ToLower(hello.ServerName)]; ok {
		return cert, nil
	}
	return c.self, nil
}
