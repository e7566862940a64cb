// Package slapdtest runs a real OpenLDAP slapd for tests: its own
// cn=config (ppolicy, slapo-unique, least-privilege access rules), the
// demo patients of testdata/ldap, on free loopback ports, stopped when the
// test ends. Only tests import it.
package slapdtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Limits of starting a server.
const (
	readyWithin  = 15 * time.Second      // slapd answers a search within this after start
	readyPoll    = 10 * time.Millisecond // how often readiness is polled
	startTries   = 3                     // fresh ports tried if another process took one
	commandLimit = 30 * time.Second      // slapadd runs at most this long
)

// Where Debian (and then other systems) install slapd's parts.
var (
	moduleDirs = []string{"/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap"}
	schemaDirs = []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/share/openldap/schema"}
)

// Options choose what a server offers.
type Options struct {
	// TLS makes the server listen on ldaps:// too, and accept StartTLS,
	// with a certificate from a throwaway CA (Server.CAFile).
	TLS bool
}

// Server is a running slapd.
type Server struct {
	URL      string // ldap://127.0.0.1:port
	LDAPSURL string // ldaps://127.0.0.1:port, with Options.TLS
	CAFile   string // PEM of the CA that signed the server's certificate, with Options.TLS

	t      testing.TB
	slapd  string
	dir    string
	urls   string
	rootPW string
	cmd    *exec.Cmd
	exited chan struct{}
}

// tools finds slapd, slapadd, the module and schema directories; a
// missing part skips the test, or fails it in CI (PORTICO_CI set).
func tools(t testing.TB) (slapd, slapadd, moduleDir, schemaDir string) {
	t.Helper()
	missing := func(what string) {
		msg := "slapdtest: " + what + " not found; install Debian's slapd and ldap-utils (apt-get install slapd ldap-utils) to run the LDAP tests"
		if os.Getenv("PORTICO_CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	find := func(name string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/libexec"} {
			if p := filepath.Join(dir, name); isFile(p) {
				return p
			}
		}
		missing(name)
		return ""
	}
	slapd, slapadd = find("slapd"), find("slapadd")
	for _, d := range moduleDirs {
		if isFile(filepath.Join(d, "ppolicy.so")) && isFile(filepath.Join(d, "back_mdb.so")) {
			moduleDir = d
		}
	}
	if moduleDir == "" {
		missing("slapd's modules (ppolicy.so, back_mdb.so)")
	}
	for _, d := range schemaDirs {
		if isFile(filepath.Join(d, "inetorgperson.ldif")) {
			schemaDir = d
		}
	}
	if schemaDir == "" {
		missing("OpenLDAP's schema files (inetorgperson.ldif)")
	}
	return slapd, slapadd, moduleDir, schemaDir
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// Start configures and starts a slapd in a temporary directory, waits
// until it answers, and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	slapd, slapadd, moduleDir, schemaDir := tools(t)
	s := &Server{t: t, slapd: slapd, dir: t.TempDir(), rootPW: randomHex(16)}
	if opts.TLS {
		s.CAFile = writeCertificates(t, s.dir)
	}
	if err := os.Mkdir(filepath.Join(s.dir, "data"), 0o700); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	conf, err := writeConfig(s.dir, configData{
		Dir: s.dir, ModuleDir: moduleDir, SchemaDir: schemaDir, Testdata: testdataDir(),
		RootPW: s.rootPW, TLS: opts.TLS,
	})
	if err != nil {
		t.Fatalf("slapdtest: write config: %v", err)
	}
	confDir := filepath.Join(s.dir, "slapd.d")
	if err := os.Mkdir(confDir, 0o700); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	run(t, slapadd, "-n0", "-F", confDir, "-l", conf)
	run(t, slapadd, "-n1", "-F", confDir, "-l", filepath.Join(testdataDir(), "patients.ldif"))
	t.Cleanup(s.Stop)
	for try := 1; ; try++ {
		s.URL = "ldap://" + freeAddr(t)
		s.urls = s.URL + "/"
		if opts.TLS {
			s.LDAPSURL = "ldaps://" + freeAddr(t)
			s.urls += " " + s.LDAPSURL + "/"
		}
		err := s.start()
		if err == nil {
			return s
		}
		if try == startTries {
			t.Fatalf("slapdtest: %v\n%s", err, s.Log())
		}
	}
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	timer := time.AfterFunc(commandLimit, func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	})
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("slapdtest: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs slapd in the foreground (-d 0 keeps it attached, logging
// nothing but start-up errors) and waits until it answers.
func (s *Server) start() error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "slapd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.slapd, "-F", filepath.Join(s.dir, "slapd.d"), "-h", s.urls, "-d", "0")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start slapd: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	return s.waitReady()
}

// waitReady polls until an anonymous search of the root DSE succeeds, the
// process exits, or readyWithin passes.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyWithin)
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		err := s.ping()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("slapd exited at start: %v", err)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("slapd not answering after %s: %v", readyWithin, err)
		}
	}
}

func (s *Server) ping() error {
	l, err := goldap.DialURL(s.URL, goldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return err
	}
	defer l.Close()
	l.SetTimeout(time.Second)
	_, err = l.Search(goldap.NewSearchRequest("", goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		1, 1, false, "(objectClass=*)", []string{"1.1"}, nil))
	return err
}

// Stop kills slapd and waits for it to exit. Stopping a stopped server
// does nothing.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts a stopped server again, on the same ports with the same
// data, and waits until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("slapdtest: Restart of a running server")
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("slapdtest: restart: %v\n%s", err, s.Log())
	}
}

// Pause freezes slapd (SIGSTOP): it keeps its sockets but answers
// nothing, like a hung server. Resume lets it go on.
func (s *Server) Pause() {
	s.signal(syscall.SIGSTOP)
	// A signal is delivered asynchronously: wait until every thread of
	// slapd has stopped, so that no request sent after Pause is answered.
	stat := fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(stat)
		// The state follows the parenthesised command name: "pid (slapd) T …".
		if i := bytes.LastIndexByte(b, ')'); err == nil && i+2 < len(b) && b[i+2] == 'T' {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("slapdtest: slapd did not stop within 5s (%s)", b)
		}
		time.Sleep(time.Millisecond) // poll: no event says "stopped"
	}
}

// Resume undoes Pause.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("slapdtest: server not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
}

// Log returns what slapd wrote, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "slapd.log"))
	return string(b)
}

// Bind makes a simple bind as dn with password on a new connection and
// returns the server's answer: nil when the password is right.
func (s *Server) Bind(dn, password string) error {
	l, err := goldap.DialURL(s.URL, goldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return err
	}
	defer l.Close()
	l.SetTimeout(5 * time.Second)
	return l.Bind(dn, password)
}

// IsInvalidCredentials reports whether err is the server's refusal of a
// bind's password (or of a locked account's bind).
func IsInvalidCredentials(err error) bool {
	return goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials)
}

// Read returns attrs of the entry at dn, read as the root DN (which sees
// operational attributes such as pwdAccountLockedTime).
func (s *Server) Read(dn string, attrs ...string) map[string][]string {
	s.t.Helper()
	l := s.root()
	defer l.Close()
	res, err := l.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		1, 5, false, "(objectClass=*)", attrs, nil))
	if err != nil {
		s.t.Fatalf("slapdtest: read %s: %v", dn, err)
	}
	out := map[string][]string{}
	for _, a := range res.Entries[0].Attributes {
		out[a.Name] = a.Values
	}
	return out
}

// Modify applies changes to dn as the root DN.
func (s *Server) Modify(dn string, change func(*goldap.ModifyRequest)) {
	s.t.Helper()
	l := s.root()
	defer l.Close()
	m := goldap.NewModifyRequest(dn, nil)
	change(m)
	if err := l.Modify(m); err != nil {
		s.t.Fatalf("slapdtest: modify %s: %v", dn, err)
	}
}

func (s *Server) root() *goldap.Conn {
	s.t.Helper()
	l, err := goldap.DialURL(s.URL, goldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		s.t.Fatalf("slapdtest: dial: %v", err)
	}
	l.SetTimeout(5 * time.Second)
	if err := l.Bind(rootDN, s.rootPW); err != nil {
		l.Close()
		s.t.Fatalf("slapdtest: bind as root: %v", err)
	}
	return l
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
