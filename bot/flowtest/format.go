// Package flowtest runs conversation tests written as YAML transcripts
// against the real engine, each case in a fresh environment (Env) that
// the caller supplies: `portico flows test` and flow publishing give it a
// temporary SQLite store and the local directory seeded with the demo
// patients (cmd/portico), Go tests the same through
// storage/sqlite/sqlitetest.
package flowtest

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is one file of transcript tests, for one flow.
type File struct {
	Name  string `yaml:"-"`
	Flow  string `yaml:"flow"`  // the flow the conversations start in
	Tests []Case `yaml:"tests"` // run in order, each in a fresh store
}

// Case is one conversation.
type Case struct {
	Name       string   `yaml:"name"`
	Locale     string   `yaml:"locale"` // default en
	Start      string   `yaml:"start"`  // overrides File.Flow; "greeting" for none
	Steps      []Step   `yaml:"steps"`
	Status     string   `yaml:"status"`     // the conversation's status at the end: bot, queued, closed
	Resolution string   `yaml:"resolution"` // when closed
	Reason     string   `yaml:"reason"`     // the handoff reason, when queued
	State      string   `yaml:"state"`      // flow.state at the end
	Audit      []string `yaml:"audit"`      // event types (or type:outcome) that must appear, in this order
	NoAudit    []string `yaml:"no_audit"`   // event types (or type:outcome) that must not appear
	Delivered  []string `yaml:"delivered"`  // deliveries, as channel:kind (email:otp, sms:password_changed …), in order
	Line       int      `yaml:"-"`
}

// Step is one turn: what the patient says and what must come back.
type Step struct {
	Say     string  `yaml:"say"`     // text; {otp} is the last code delivered to this conversation
	Reply   string  `yaml:"reply"`   // a quick reply's value
	Wait    string  `yaml:"wait"`    // move the clock on first, e.g. 11m
	Expect  Strings `yaml:"expect"`  // each must be in the bot's answer (case-insensitive)
	Reject  Strings `yaml:"reject"`  // none may be in the bot's answer
	Input   string  `yaml:"input"`   // the slot the answer asks for ("" = don't check, "-" = asks nothing)
	Replies Strings `yaml:"replies"` // the quick replies offered, in order
	State   string  `yaml:"state"`   // flow.state after the step
	Line    int     `yaml:"-"`
}

// Strings is one string or a list of them.
type Strings []string

// UnmarshalYAML accepts a scalar or a sequence.
func (ss *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*ss = Strings{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*ss = list
	return nil
}

// UnmarshalYAML remembers the step's line.
func (s *Step) UnmarshalYAML(n *yaml.Node) error {
	type plain Step
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*s = Step(p)
	s.Line = n.Line
	return nil
}

// UnmarshalYAML remembers the case's line.
func (c *Case) UnmarshalYAML(n *yaml.Node) error {
	type plain Case
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*c = Case(p)
	c.Line = n.Line
	return nil
}

// Load reads every *.yaml transcript file in dir of fsys, in name order.
func Load(fsys fs.FS, dir string) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var files []File
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(strings.NewReader(string(src)))
		dec.KnownFields(true)
		var f File
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		f.Name = name
		files = append(files, f)
	}
	return files, nil
}
