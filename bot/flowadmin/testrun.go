package flowadmin

import (
	"context"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/flows"
)

// maxTestRuns bounds the transcript test runs (each case opens a fresh
// store) going at once; more wait their turn.
const maxTestRuns = 2

// TestResult is one transcript test case.
type TestResult struct {
	Name     string   `json:"name"`
	Line     int      `json:"line"`
	OK       bool     `json:"ok"`
	Failures []string `json:"failures"` // "line N: what went wrong"
}

// TestReport is a run of a flow's transcript tests.
type TestReport struct {
	Passed  int          `json:"passed"`
	Failed  int          `json:"failed"`
	Results []TestResult `json:"results"`
}

// OK reports whether every test passed.
func (r TestReport) OK() bool { return r.Failed == 0 }

// loadTests parses a tests file.
func loadTests(name string, tests []byte) ([]flowtest.File, error) {
	files, err := flowtest.Load(flows.Sources{testsFile(name): tests}, testsDir)
	if err != nil {
		return nil, err
	}
	return files, nil
}

// RunTests runs the transcript tests of a flow's draft against the draft
// (with the other flows as published), or, without a draft, the published
// version's tests. Each case runs on a fresh database of test patients.
func (s *Service) RunTests(ctx context.Context, name string) (TestReport, []Problem, error) {
	d, err := s.store.FlowDraft(ctx, name)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		f, ok := s.fl.Current(name)
		if !ok {
			return TestReport{}, nil, bot.Errorf(bot.ENOTFOUND, "there is no flow %q", name)
		}
		tests, err := s.publishedTests(ctx, name, f.Version)
		if err != nil {
			return TestReport{}, nil, err
		}
		d = Draft{Name: name, Source: f.Source, Tests: tests}
	case err != nil:
		return TestReport{}, nil, err
	}
	if ps := append(s.Validate(name, d.Source), validateTests(name, d.Tests)...); len(ps) > 0 {
		return TestReport{}, ps, nil
	}
	rep, err := s.runTests(ctx, name, d.Source, d.Tests)
	return rep, nil, err
}

// runTests runs tests against the current set with src as flow name.
func (s *Service) runTests(ctx context.Context, name string, src, tests []byte) (TestReport, error) {
	rep := TestReport{Results: []TestResult{}}
	if len(tests) == 0 {
		return rep, nil
	}
	files, err := loadTests(name, tests)
	if err != nil {
		return rep, bot.Errorf(bot.EINVALID, "%s: %v", testsFile(name), err)
	}
	select {
	case s.runs <- struct{}{}:
		defer func() { <-s.runs }()
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	fsys := s.fl.Sources(map[string][]byte{name: src})
	newEnv := func() (*flowtest.Env, error) { return s.cfg.Envs(ctx, fsys) }
	for _, r := range flowtest.Run(ctx, files, newEnv) {
		tr := TestResult{Name: r.Case, Line: r.Line, OK: r.OK(), Failures: r.Failures}
		if tr.Failures == nil {
			tr.Failures = []string{}
		}
		if tr.OK {
			rep.Passed++
		} else {
			rep.Failed++
		}
		rep.Results = append(rep.Results, tr)
	}
	return rep, nil
}
