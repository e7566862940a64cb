package flowadmin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/portico-chat/portico/bot"
)

// PublishResult says what a publish or rollback did, or why it was
// refused: the draft's problems or its failing tests.
type PublishResult struct {
	Version    int         `json:"version,omitempty"` // the new version
	DiffSHA256 string      `json:"diff_sha256,omitempty"`
	Problems   []Problem   `json:"problems"`
	Tests      *TestReport `json:"tests,omitempty"`
}

// Publish validates the draft of flow name within the current set, runs
// its transcript tests, and, when there are no problems and no failures,
// stores it as the next version, makes it current and drops the draft.
// Conversations already running finish on the version they started with.
// It is refused (EINVALID, with the result saying why) while the draft has
// problems or failing tests, and (ECONFLICT) when it changes nothing.
func (s *Service) Publish(ctx context.Context, name string, who Actor) (PublishResult, error) {
	d, err := s.draft(ctx, name)
	if err != nil {
		return PublishResult{}, err
	}
	res := PublishResult{Problems: append(s.Validate(name, d.Source), validateTests(name, d.Tests)...)}
	if len(res.Problems) > 0 {
		return res, bot.Errorf(bot.EINVALID, "the draft has %d problems; fix them first", len(res.Problems))
	}
	res.Problems = []Problem{}
	from, fromTests := s.published(ctx, name)
	if from != nil && bytes.Equal(from.Source, d.Source) && bytes.Equal(fromTests, d.Tests) {
		return res, bot.Errorf(bot.ECONFLICT, "the draft is the same as version %d", from.Version)
	}
	rep, err := s.runTests(ctx, name, d.Source, d.Tests)
	if err != nil {
		return res, err
	}
	res.Tests = &rep
	if !rep.OK() {
		return res, bot.Errorf(bot.EINVALID, "%d of the draft's tests fail; fix them first", rep.Failed)
	}
	fromVersion, fromSource := 0, []byte(nil)
	if from != nil {
		fromVersion, fromSource = from.Version, from.Source
	}
	diff := unified(name, label(fromVersion), fromSource, "draft", d.Source)
	res.DiffSHA256 = digest(diff)
	detail := fmt.Sprintf("from=v%d diff_sha256=%s", fromVersion, res.DiffSHA256)
	res.Version, err = s.fl.PublishWith(ctx, name, d.Source, func(ctx context.Context) (int, error) {
		return s.store.PublishFlow(ctx, Publication{
			Name: name, Source: d.Source, Tests: d.Tests, Author: d.Author, PublishedBy: who.Who,
			DropDraft: true, Audit: s.event(AuditPublish, who, detail),
		})
	})
	if err != nil {
		res.Problems = problemsOf(err, name+".yaml") // the set changed under the draft
		return res, err
	}
	return res, nil
}

// Rollback publishes version's source and tests again as the next version
// of flow name, after checking it still fits the current set. The draft,
// if any, is kept. ECONFLICT when that source is already current.
func (s *Service) Rollback(ctx context.Context, name string, version int, who Actor) (PublishResult, error) {
	rel, err := s.store.FlowRelease(ctx, name, version)
	if err != nil {
		return PublishResult{}, err
	}
	res := PublishResult{Problems: s.Validate(name, rel.Source)}
	if len(res.Problems) > 0 {
		return res, bot.Errorf(bot.EINVALID, "version %d no longer fits the other flows", version)
	}
	from, _ := s.published(ctx, name)
	fromVersion, fromSource := 0, []byte(nil)
	if from != nil {
		fromVersion, fromSource = from.Version, from.Source
	}
	if from != nil && bytes.Equal(from.Source, rel.Source) {
		return res, bot.Errorf(bot.ECONFLICT, "version %d already runs the source of version %d", from.Version, version)
	}
	diff := unified(name, label(fromVersion), fromSource, label(version), rel.Source)
	res.DiffSHA256 = digest(diff)
	detail := fmt.Sprintf("to=v%d from=v%d diff_sha256=%s", version, fromVersion, res.DiffSHA256)
	res.Version, err = s.fl.PublishWith(ctx, name, rel.Source, func(ctx context.Context) (int, error) {
		return s.store.PublishFlow(ctx, Publication{
			Name: name, Source: rel.Source, Tests: rel.Tests, Author: rel.Author, PublishedBy: who.Who,
			Audit: s.event(AuditRollback, who, detail),
		})
	})
	if err != nil {
		res.Problems = problemsOf(err, name+".yaml")
		return res, err
	}
	return res, nil
}

func (s *Service) event(typ string, who Actor, detail string) bot.AuditEvent {
	return bot.AuditEvent{Type: typ, At: s.cfg.Now().UTC(), Node: s.cfg.Node, Source: who.Source,
		Actor: who.Who, Outcome: "ok", Detail: detail}
}

// published returns the current version of a flow and its tests, or nil.
func (s *Service) published(ctx context.Context, name string) (*Version, []byte) {
	f, ok := s.fl.Current(name)
	if !ok {
		return nil, nil
	}
	tests, _ := s.publishedTests(ctx, name, f.Version)
	return &Version{Name: name, Version: f.Version, Source: f.Source}, tests
}

// Release is a version in a flow's history.
type Release struct {
	Version     int       `json:"version"`
	Author      string    `json:"author"`
	PublishedBy string    `json:"published_by"`
	CreatedAt   time.Time `json:"created_at"`
	Current     bool      `json:"current"`
}

// Versions lists a flow's versions, newest first.
func (s *Service) Versions(ctx context.Context, name string) ([]Release, error) {
	hist, err := s.store.FlowHistory(ctx, name)
	if err != nil {
		return nil, err
	}
	cur := 0
	if f, ok := s.fl.Current(name); ok {
		cur = f.Version
	}
	out := make([]Release, len(hist))
	for i, r := range hist {
		out[i] = Release{Version: r.Version, Author: r.Author, PublishedBy: r.PublishedBy,
			CreatedAt: r.CreatedAt, Current: r.Version == cur}
	}
	return out, nil
}

// Diff is a unified diff between two versions of a flow.
type Diff struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Unified string `json:"unified"`
	SHA256  string `json:"sha256"` // of Unified, as audited on publish
}

// Diff compares two versions of a flow's source; from and to are version
// numbers, "current" or "draft". An empty from compares with nothing.
func (s *Service) Diff(ctx context.Context, name, from, to string) (Diff, error) {
	a, err := s.sourceOf(ctx, name, from)
	if err != nil {
		return Diff{}, err
	}
	b, err := s.sourceOf(ctx, name, to)
	if err != nil {
		return Diff{}, err
	}
	u := unified(name, a.label, a.src, b.label, b.src)
	return Diff{From: a.label, To: b.label, Unified: u, SHA256: digest(u)}, nil
}

type labelled struct {
	label string
	src   []byte
}

// sourceOf resolves "", "current", "draft" or a version number.
func (s *Service) sourceOf(ctx context.Context, name, which string) (labelled, error) {
	switch which {
	case "":
		return labelled{label: label(0)}, nil
	case "draft":
		d, err := s.draft(ctx, name)
		return labelled{"draft", d.Source}, err
	case "current":
		f, ok := s.fl.Current(name)
		if !ok {
			return labelled{}, bot.Errorf(bot.ENOTFOUND, "flow %q has no published version", name)
		}
		return labelled{label(f.Version), f.Source}, nil
	}
	v, err := strconv.Atoi(which)
	if err != nil || v < 1 {
		return labelled{}, bot.Errorf(bot.EINVALID, "%q is not a version: give a number, current or draft", which)
	}
	rel, err := s.store.FlowRelease(ctx, name, v)
	if err != nil {
		return labelled{}, err
	}
	return labelled{label(v), rel.Source}, nil
}

func label(version int) string {
	if version == 0 {
		return "none"
	}
	return "v" + strconv.Itoa(version)
}

// unified is a unified diff with three lines of context (go-difflib, see
// docs/decisions.md).
func unified(name, fromLabel string, a []byte, toLabel string, b []byte) string {
	d := difflib.UnifiedDiff{
		A: difflib.SplitLines(string(a)), B: difflib.SplitLines(string(b)),
		FromFile: name + ".yaml@" + fromLabel, ToFile: name + ".yaml@" + toLabel, Context: 3,
	}
	if len(a) == 0 {
		d.A = nil
	}
	if len(b) == 0 {
		d.B = nil
	}
	out, err := difflib.GetUnifiedDiffString(d)
	if err != nil { // only a failing writer errs, and a strings.Builder does not fail
		return ""
	}
	return out
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
