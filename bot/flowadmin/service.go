// Package flowadmin is the one home of flow publishing, behind the admin
// console and `portico flows push/pull`: loading the published flows at
// start, drafts beside the immutable published versions, validation with
// the server's own loader, transcript tests, publishing and rollback
// (audited with the diff's hash), diffs, diagrams and sandbox
// conversations on a throw-away store of test patients.
package flowadmin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/flows"
)

// Limits of flow administration.
const (
	// MaxTestsBytes bounds a flow's transcript tests file.
	MaxTestsBytes = 256 << 10
	// testsDir is where a flow's tests live beside it: tests/<name>.yaml.
	testsDir = "tests"
)

// Audit event types.
const (
	AuditPublish  = "flow.publish"
	AuditRollback = "flow.rollback"
)

// Draft status in a listing.
const (
	DraftNone     = "none"
	DraftClean    = "clean"
	DraftProblems = "problems"
)

// Store is what the service needs from storage (storage/sqlite's DB has it).
type Store interface {
	SaveFlowDraft(ctx context.Context, d Draft) error
	FlowDraft(ctx context.Context, name string) (Draft, error)
	FlowDrafts(ctx context.Context) ([]Draft, error)
	DeleteFlowDraft(ctx context.Context, name string) error
	PublishFlow(ctx context.Context, p Publication) (int, error)
	FlowRelease(ctx context.Context, name string, version int) (Version, error)
	FlowHistory(ctx context.Context, name string) ([]Version, error)
}

// Config wires a Service.
type Config struct {
	Store Store
	Flows *bot.Flows // the set the engine runs; publishing swaps into it
	// Files are the flow files the server loaded; tests/<name>.yaml in them
	// are the tests of a flow published without any (the built-ins).
	Files fs.FS
	// Envs opens the throw-away environment, on test patients and never
	// the real directory, that a transcript test case or a sandbox runs in
	// (cmd/portico: a temporary SQLite file with the demo patients).
	Envs flowtest.Factory
	Node string // for audit events
	Log  zerolog.Logger
	Now  func() time.Time // nil for time.Now
}

// Actor is who asks, for the audit log.
type Actor struct {
	Who    string // "admin:<id>" or "token:<id>"
	Source string // client IP
}

// Service manages flows. It is safe for concurrent use.
type Service struct {
	cfg       Config
	store     Store
	fl        *bot.Flows
	runs      chan struct{} // test runs at once
	diagrams  *renderer
	sandboxes *sandboxes
}

// New returns a Service. Close it to remove its sandboxes.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, store: cfg.Store, fl: cfg.Flows, runs: make(chan struct{}, maxTestRuns),
		diagrams: newRenderer()}
	s.sandboxes = newSandboxes(s)
	return s
}

// Close ends every sandbox and frees the diagram renderer.
func (s *Service) Close() error {
	s.sandboxes.closeAll()
	return s.diagrams.close()
}

// Problem is one thing wrong with a flow or its tests, at its place.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// problemsOf turns a validation error into problems; an error that is
// not about the source (a bad name) becomes one problem at 1:1.
func problemsOf(err error, file string) []Problem {
	if err == nil {
		return nil
	}
	var ps flows.Problems
	if errors.As(err, &ps) {
		out := make([]Problem, len(ps))
		for i, p := range ps {
			out[i] = Problem{File: p.File, Line: p.Line, Column: p.Col, Message: p.Msg}
		}
		return out
	}
	msg := err.Error()
	var be *bot.Error
	if errors.As(err, &be) {
		msg = be.Message
	}
	return []Problem{{File: file, Line: 1, Column: 1, Message: msg}}
}

// Validate checks src as the next version of flow name with the loader the
// server uses, within the current set. It returns every problem, in the
// draft's file and in any other flow the draft would break; none means
// valid. It is quick enough to run as an admin types.
func (s *Service) Validate(name string, src []byte) []Problem {
	_, err := s.fl.Check(name, src)
	return problemsOf(err, name+".yaml")
}

// validateTests checks a tests file parses as transcript tests for name.
func validateTests(name string, tests []byte) []Problem {
	if len(tests) == 0 {
		return nil
	}
	if _, err := loadTests(name, tests); err != nil {
		return []Problem{{File: testsFile(name), Line: 1, Column: 1, Message: err.Error()}}
	}
	return nil
}

func testsFile(name string) string { return testsDir + "/" + name + ".yaml" }

// Summary is one flow in the list.
type Summary struct {
	Name     string    `json:"name"`
	Version  int       `json:"version"`  // published version; 0 for a flow never published
	Draft    string    `json:"draft"`    // DraftNone, DraftClean or DraftProblems
	Problems int       `json:"problems"` // of the draft
	Editor   string    `json:"editor"`   // who last changed it (draft or version)
	Edited   time.Time `json:"edited"`
}

// List returns every flow, published or only drafted, by name.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	drafts, err := s.store.FlowDrafts(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Summary{}
	for _, name := range s.fl.Names() {
		f, _ := s.fl.Current(name)
		sum := &Summary{Name: name, Version: f.Version, Draft: DraftNone}
		if rel, err := s.store.FlowRelease(ctx, name, f.Version); err == nil {
			sum.Editor, sum.Edited = orString(rel.PublishedBy, rel.Author), rel.CreatedAt
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return nil, err
		}
		byName[name] = sum
	}
	for _, d := range drafts {
		sum := byName[d.Name]
		if sum == nil {
			sum = &Summary{Name: d.Name}
			byName[d.Name] = sum
		}
		ps := append(s.Validate(d.Name, d.Source), validateTests(d.Name, d.Tests)...)
		sum.Draft, sum.Problems = DraftClean, len(ps)
		if len(ps) > 0 {
			sum.Draft = DraftProblems
		}
		sum.Editor, sum.Edited = d.Author, d.UpdatedAt
	}
	out := make([]Summary, 0, len(byName))
	for _, sum := range byName {
		out = append(out, *sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DraftView is a draft with its problems.
type DraftView struct {
	Source    string    `json:"source"`
	Tests     string    `json:"tests"`
	Author    string    `json:"author"`
	UpdatedAt time.Time `json:"updated_at"`
	Problems  []Problem `json:"problems"`
}

// Detail is one flow: its published version, with tests, and its draft.
type Detail struct {
	Name    string     `json:"name"`
	Version int        `json:"version"` // 0 when never published
	Source  string     `json:"source"`
	Tests   string     `json:"tests"`
	Draft   *DraftView `json:"draft"` // nil without one
}

// Get returns a flow's published source and tests and its draft;
// ENOTFOUND when it has neither.
func (s *Service) Get(ctx context.Context, name string) (Detail, error) {
	d := Detail{Name: name}
	if f, ok := s.fl.Current(name); ok {
		d.Version, d.Source = f.Version, string(f.Source)
		tests, err := s.publishedTests(ctx, name, f.Version)
		if err != nil {
			return Detail{}, err
		}
		d.Tests = string(tests)
	}
	draft, err := s.store.FlowDraft(ctx, name)
	switch {
	case err == nil:
		d.Draft = s.view(draft)
	case bot.ErrorCode(err) != bot.ENOTFOUND:
		return Detail{}, err
	case d.Version == 0:
		return Detail{}, bot.Errorf(bot.ENOTFOUND, "there is no flow %q", name)
	}
	return d, nil
}

func (s *Service) view(d Draft) *DraftView {
	ps := append(s.Validate(d.Name, d.Source), validateTests(d.Name, d.Tests)...)
	return &DraftView{Source: string(d.Source), Tests: string(d.Tests), Author: d.Author,
		UpdatedAt: d.UpdatedAt, Problems: nonNilProblems(ps)}
}

func nonNilProblems(ps []Problem) []Problem {
	if ps == nil {
		return []Problem{}
	}
	return ps
}

// publishedTests returns the tests a version was published with, or, for a
// version published without any, the flow's tests in the loaded files.
func (s *Service) publishedTests(ctx context.Context, name string, version int) ([]byte, error) {
	rel, err := s.store.FlowRelease(ctx, name, version)
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return nil, err
	}
	if len(rel.Tests) > 0 || s.cfg.Files == nil {
		return rel.Tests, nil
	}
	b, err := fs.ReadFile(s.cfg.Files, testsFile(name))
	if err != nil {
		return nil, nil // the flow has no tests
	}
	return b, nil
}

// SaveDraft stores a flow's draft, problems or not (a draft may be saved
// half-written), and returns it with its problems. A draft for a flow
// that does not exist yet starts a new flow.
func (s *Service) SaveDraft(ctx context.Context, name string, src, tests []byte, who Actor) (*DraftView, error) {
	switch {
	case !bot.ValidFlowName(name):
		return nil, bot.Errorf(bot.EINVALID, "%q is not a flow name: use lower-case letters, digits and _", name)
	case len(src) > flows.MaxSourceBytes:
		return nil, bot.Errorf(bot.EINVALID, "the flow is %d bytes; flows are at most %d", len(src), flows.MaxSourceBytes)
	case len(tests) > MaxTestsBytes:
		return nil, bot.Errorf(bot.EINVALID, "the tests are %d bytes; at most %d", len(tests), MaxTestsBytes)
	}
	d := Draft{Name: name, Source: src, Tests: tests, Author: who.Who, UpdatedAt: s.cfg.Now().UTC()}
	if err := s.store.SaveFlowDraft(ctx, d); err != nil {
		return nil, err
	}
	return s.view(d), nil
}

// DiscardDraft drops a flow's draft.
func (s *Service) DiscardDraft(ctx context.Context, name string) error {
	return s.store.DeleteFlowDraft(ctx, name)
}

// draft returns a flow's draft, or ENOTFOUND saying so plainly.
func (s *Service) draft(ctx context.Context, name string) (Draft, error) {
	d, err := s.store.FlowDraft(ctx, name)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return d, bot.Errorf(bot.ENOTFOUND, "flow %q has no draft; save one first", name)
	}
	if err != nil {
		return d, fmt.Errorf("load draft: %w", err)
	}
	return d, nil
}
