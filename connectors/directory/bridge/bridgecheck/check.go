// Package bridgecheck is the conformance suite for portal bridges
// (docs/bridge.md): it runs against any bridge URL holding the test
// records of a Fixture and says, operation by operation, what fails and
// why. `portico bridge check URL` prints its report.
package bridgecheck

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Config says which bridge to check and how to reach it: the same
// settings as the driver's (directory.bridge.*), and the fixture.
type Config struct {
	URL        string
	Secret     string
	Timeout    time.Duration // per request; 10 s if zero (a change hashes a password)
	CAFile     string
	ClientCert string
	ClientKey  string
	Fixture    *Fixture // DefaultFixture() if nil
}

const defaultTimeout = 10 * time.Second

// Operations, as Result.Operation names them: the API's operations, and
// "signing" for the authentication rules that apply to all.
const (
	OpHealth   = "health"
	OpSigning  = "signing"
	OpFind     = "find"
	OpMatches  = "matches"
	OpContacts = "contacts"
	OpAccount  = "account"
	OpUsername = "username-check"
	OpPassword = "password"
	OpActivate = "activate"
	OpUnlock   = "unlock"
)

// Result is one check.
type Result struct {
	Operation string // one of the Op constants
	Check     string // what was checked, in words
	Problem   string // why it failed; "" when it passed or was skipped
	Skipped   string // why it did not run; "" when it ran
}

// Failed reports whether the check ran and failed.
func (r Result) Failed() bool { return r.Problem != "" }

// Report is the outcome of a run, in the order the checks ran.
type Report struct {
	URL     string
	Results []Result
}

// OK reports whether no check failed.
func (r Report) OK() bool { return len(r.Failures()) == 0 }

// Failures returns the checks that failed.
func (r Report) Failures() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Failed() {
			out = append(out, res)
		}
	}
	return out
}

// Failed returns the operations with a failed check, each once, in order.
func (r Report) Failed() []string {
	var ops []string
	seen := map[string]bool{}
	for _, res := range r.Failures() {
		if !seen[res.Operation] {
			seen[res.Operation] = true
			ops = append(ops, res.Operation)
		}
	}
	return ops
}

// WriteText writes one line per check and a summary.
func (r Report) WriteText(w io.Writer) error {
	var pass, fail, skip int
	var b strings.Builder
	fmt.Fprintf(&b, "bridge conformance: %s\n", r.URL)
	for _, res := range r.Results {
		switch {
		case res.Failed():
			fail++
			fmt.Fprintf(&b, "FAIL  %-15s %s: %s\n", res.Operation, res.Check, res.Problem)
		case res.Skipped != "":
			skip++
			fmt.Fprintf(&b, "SKIP  %-15s %s: %s\n", res.Operation, res.Check, res.Skipped)
		default:
			pass++
			fmt.Fprintf(&b, "ok    %-15s %s\n", res.Operation, res.Check)
		}
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d skipped\n", pass, fail, skip)
	_, err := io.WriteString(w, b.String())
	return err
}

// Run checks the bridge at cfg.URL. The error is for what stopped the
// run from starting (a bad URL, unreadable TLS files); everything the
// bridge did wrong is in the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	rep := Report{URL: cfg.URL}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return rep, fmt.Errorf("bridge URL %q: want https://host[:port][/path]", cfg.URL)
	}
	if len(cfg.Secret) < bridge.MinSecretLen {
		return rep, fmt.Errorf("secret: want at least %d bytes", bridge.MinSecretLen)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	client, err := remote.HTTPClient(timeout, remote.TLSFiles{CAFile: cfg.CAFile, ClientCert: cfg.ClientCert, ClientKey: cfg.ClientKey})
	if err != nil {
		return rep, err
	}
	fx := DefaultFixture()
	if cfg.Fixture != nil {
		fx = *cfg.Fixture
	}
	s := &suite{
		p:  &probe{base: strings.TrimSuffix(cfg.URL, "/"), secret: []byte(cfg.Secret), http: client},
		fx: fx,
	}
	if !s.health(ctx) {
		rep.Results = s.results
		return rep, nil // nothing else can work
	}
	s.signing(ctx)
	s.find(ctx)
	s.matches(ctx)
	s.contacts(ctx)
	s.account(ctx)
	s.usernameCheck(ctx)
	s.password(ctx)
	s.activate(ctx)
	s.unlock(ctx)
	rep.Results = s.results
	return rep, nil
}

// suite is one run: the probe, the fixture, the record IDs found and
// the results so far.
type suite struct {
	p       *probe
	fx      Fixture
	ids     map[string]string // fixture MRN → record ID
	results []Result
}

// noSuchRecord is an ID no bridge should hold.
const noSuchRecord = "portico-bridgecheck-no-such-record"

func (s *suite) pass(op, check string) {
	s.results = append(s.results, Result{Operation: op, Check: check})
}

func (s *suite) failf(op, check, format string, args ...any) {
	s.results = append(s.results, Result{Operation: op, Check: check, Problem: fmt.Sprintf(format, args...)})
}

func (s *suite) skip(op, check, why string) {
	s.results = append(s.results, Result{Operation: op, Check: check, Skipped: why})
}

// expect records whether a request answered the wanted status (and, for
// an error, one of the wanted codes; none listed means any documented
// one).
func (s *suite) expect(op, check string, a answer, err error, status int, codes ...string) bool {
	switch {
	case err != nil:
		s.failf(op, check, "request failed: %v", err)
	case a.status != status:
		s.failf(op, check, "got %s, want %d%s", a, status, codeList(codes))
	case status >= 400 && a.code == "":
		s.failf(op, check, "got %d without the documented error body {\"error\":{\"code\":…}}", a.status)
	case len(codes) > 0 && !contains(codes, a.code):
		s.failf(op, check, "got %s, want %d%s", a, status, codeList(codes))
	default:
		s.pass(op, check)
		return true
	}
	return false
}

func codeList(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return " " + strings.Join(codes, " or ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
