package bot

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"regexp"

	"github.com/portico-chat/portico/flows"
)

// The set of flows the engine runs changes only here: bot/flowadmin
// decides what to publish (drafts, tests, rollback, audit) and calls
// Check and PublishWith; the swap itself belongs to Flows.

// MaxFlowNameLen bounds a flow's name.
const MaxFlowNameLen = 64

// FlowNamePattern is the shape of a flow's name, as the flow language
// requires of identifiers. The admin's new-flow form uses it as its HTML
// pattern.
var FlowNamePattern = fmt.Sprintf(`[a-z][a-z0-9_]{0,%d}`, MaxFlowNameLen-1)

var flowNameRE = regexp.MustCompile(`^` + FlowNamePattern + `$`)

// ValidFlowName reports whether name can name a flow.
func ValidFlowName(name string) bool { return flowNameRE.MatchString(name) }

// NewFlows returns the flows of set, each at the version it carries, as
// the set the engine runs; earlier versions are read from store on demand.
func NewFlows(store FlowVersions, set *flows.Set) *Flows {
	return &Flows{store: store, catalog: Catalog(), current: set, old: map[flowKey]*flows.Flow{}}
}

// Sources returns the source of every current flow, as files
// "<name>.yaml", with the source of each flow in replace put in place of
// (or beside) the current one.
func (fl *Flows) Sources(replace map[string][]byte) flows.Sources {
	fl.mu.RLock()
	defer fl.mu.RUnlock()
	out := flows.Sources{}
	for _, name := range fl.current.Names() {
		f, _ := fl.current.Get(name)
		out[name+".yaml"] = f.Source
	}
	for name, src := range replace {
		out[name+".yaml"] = src
	}
	return out
}

// Names returns the current flows' names, sorted.
func (fl *Flows) Names() []string {
	fl.mu.RLock()
	defer fl.mu.RUnlock()
	return fl.current.Names()
}

// Check validates src as the next version of flow name: alone (every
// problem at its line and column) and within the current set, src taking
// the current version's place (calls, gotos, call outcomes, cycles and the
// verification property). Problems in other flows that src would break
// are reported in their own files. The error is flows.Problems, or
// EINVALID for a bad name.
func (fl *Flows) Check(name string, src []byte) (*flows.Set, error) {
	if !ValidFlowName(name) {
		return nil, Errorf(EINVALID, "%q is not a flow name: use lower-case letters, digits and _", name)
	}
	file := name + ".yaml"
	f, err := flows.Parse(file, src, fl.catalog)
	if err != nil {
		return nil, err
	}
	if f.Name != name {
		return nil, flows.Problems{{File: file, Pos: flows.Pos{Line: keyLine(src, "name"), Col: 1},
			Msg: fmt.Sprintf("this is flow %q, but it is saved as %q; a flow cannot be renamed", f.Name, name)}}
	}
	set, err := flows.ParseSet(fl.Sources(map[string][]byte{name: src}), fl.catalog)
	if err != nil {
		return nil, err
	}
	if ps := fl.secretProblems(set); len(ps) > 0 {
		return nil, ps // channels.go RefuseSecretsOn
	}
	return set, nil
}

// keyLine returns the line of a top-level key in a YAML source, or 1.
func keyLine(src []byte, key string) int {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		if bytes.HasPrefix(sc.Bytes(), []byte(key+":")) {
			return n
		}
	}
	return 1
}

// PublishWith validates src as the next version of flow name (see Check),
// lets save store it (with its tests, the publisher and the audit, in one
// transaction) and makes it current. save runs only when src is valid, and
// returns the new version's number. The set is swapped only after save
// succeeds; publishes are serialised. A conversation already running keeps
// the version it started with (see Version); new ones take this one.
func (fl *Flows) PublishWith(ctx context.Context, name string, src []byte, save func(context.Context) (int, error)) (int, error) {
	v, err := fl.publish(ctx, name, src, save)
	if err == nil {
		fl.mu.RLock()
		published := fl.published
		fl.mu.RUnlock()
		if published != nil {
			published(ctx, name, v)
		}
	}
	return v, err
}

// Adopt makes a version another node published current here, read from
// the store; a version already current is left alone.
func (fl *Flows) Adopt(ctx context.Context, name string, version int) error {
	if f, ok := fl.Current(name); ok && f.Version == version {
		return nil
	}
	src, err := fl.store.FlowVersion(ctx, name, version)
	if err != nil {
		return fmt.Errorf("adopt flow %s v%d: %w", name, version, err)
	}
	_, err = fl.publish(ctx, name, src, func(context.Context) (int, error) { return version, nil })
	return err
}

// onPublished sets what PublishWith tells after a publish (the engine's
// notice to the other nodes).
func (fl *Flows) onPublished(fn func(ctx context.Context, name string, version int)) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.published = fn
}

func (fl *Flows) publish(ctx context.Context, name string, src []byte, save func(context.Context) (int, error)) (int, error) {
	fl.publishing.Lock()
	defer fl.publishing.Unlock()
	set, err := fl.Check(name, src)
	if err != nil {
		return 0, err
	}
	v, err := save(ctx)
	if err != nil {
		return 0, fmt.Errorf("publish flow %s: %w", name, err)
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	for _, n := range set.Names() {
		f, _ := set.Get(n)
		if n == name {
			f.Version = v
		} else if cur, ok := fl.current.Get(n); ok {
			f.Version = cur.Version
		}
	}
	fl.current = set
	return v, nil
}
