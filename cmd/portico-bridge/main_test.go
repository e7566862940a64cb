package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

func env(secret string) func(string) string {
	return func(k string) string {
		if k == "PORTICO_BRIDGE_SECRET" {
			return secret
		}
		return ""
	}
}

// startRun runs the command with args until the test ends and returns
// the address it listens on.
func startRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, env(testSecret), pw)
		pw.CloseWithError(errors.New("run returned"))
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after cancel: %v, want nil", err)
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			return addr
		}
	}
	t.Fatalf("run stopped before listening: %v", <-done)
	return ""
}

// TestRunServesTheSeededBridgeAndStops: the command starts with a seed
// file, answers the driver, and returns nil when its context ends.
func TestRunServesTheSeededBridgeAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "b.db")
	addr := startRun(t, "-addr", "127.0.0.1:0", "-db", db, "-seed", fixtureFile(t), "-prefix", "/portico-bridge/v1")
	d, err := bridge.New(bridge.Config{URL: "http://" + addr + "/portico-bridge/v1", Secret: testSecret}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Health(context.Background()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	if _, err := d.Find(context.Background(), remote.Lookup{MRN: "PORTICO-CHECK-1"}); err != nil {
		t.Errorf("Find under the prefix: %v", err)
	}
}

func TestRunRefusesBadSetUps(t *testing.T) {
	db := filepath.Join(t.TempDir(), "b.db")
	for _, tc := range []struct {
		name   string
		args   []string
		secret string
		want   string
	}{
		{"short secret", []string{"-db", db}, "short", "PORTICO_BRIDGE_SECRET"},
		{"plain HTTP on all interfaces", []string{"-db", db, "-addr", "0.0.0.0:0"}, testSecret, "refusing plain HTTP"},
		{"client CA without TLS", []string{"-db", db, "-client-ca", "ca.pem"}, testSecret, "-client-ca needs"},
		{"cert without key", []string{"-db", db, "-tls-cert", "c.pem"}, testSecret, "both or neither"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, env(tc.secret), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestMutualTLS: with -client-ca the bridge answers only a driver that
// presents a certificate that CA signed.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t)
	serverCert, serverKey := ca.issue(t, dir, "server", true)
	clientCert, clientKey := ca.issue(t, dir, "client", false)
	caFile := filepath.Join(dir, "ca.pem")
	writePEM(t, caFile, "CERTIFICATE", ca.cert.Raw)

	addr := startRun(t, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "b.db"),
		"-tls-cert", serverCert, "-tls-key", serverKey, "-client-ca", caFile)
	url := "https://" + addr
	for _, tc := range []struct {
		name string
		cfg  bridge.Config
		ok   bool
	}{
		{"with client certificate", bridge.Config{CAFile: caFile, ClientCert: clientCert, ClientKey: clientKey}, true},
		{"without client certificate", bridge.Config{CAFile: caFile}, false},
		{"without the CA (server not trusted)", bridge.Config{ClientCert: clientCert, ClientKey: clientKey}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.URL, tc.cfg.Secret, tc.cfg.Timeout = url, testSecret, 2*time.Second
			d, err := bridge.New(tc.cfg, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			err = d.Health(context.Background())
			if tc.ok && err != nil {
				t.Errorf("Health: %v, want nil", err)
			}
			if !tc.ok && !errors.Is(err, remote.ErrUnavailable) {
				t.Errorf("Health: %v, want ErrUnavailable", err)
			}
		})
	}
}

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key}
}

// issue writes a certificate and key for 127.0.0.1 signed by the CA.
func (ca testCA) issue(t *testing.T, dir, name string, server bool) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	usage := x509.ExtKeyUsageClientAuth
	if server {
		usage = x509.ExtKeyUsageServerAuth
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
