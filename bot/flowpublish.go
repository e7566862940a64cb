package bot

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"testing/fstest"
	"time"

	"github.com/portico-chat/portico/flows"
)

// FlowDraft is an unpublished edit of a flow: its source and its
// transcript tests (flows/flowtest YAML).
type FlowDraft struct {
	Name      string
	Source    []byte
	Tests     []byte
	Author    string // last editor, "admin:<id>" or "token:<id>"
	UpdatedAt time.Time
}

// FlowRelease is one published version of a flow.
type FlowRelease struct {
	Name        string
	Version     int
	Author      string // who wrote it
	PublishedBy string // who made it current ("" for versions older than publishing)
	CreatedAt   time.Time
	Source      []byte
	Tests       []byte
}

// FlowPublication is what a store writes, in one transaction, to publish a
// version: the version numbered after the newest, the draft dropped when
// asked, and an audit event whose Subject the store sets to
// "flow:<name>/v<version>".
type FlowPublication struct {
	Name        string
	Source      []byte
	Tests       []byte
	Author      string
	PublishedBy string
	DropDraft   bool
	Audit       AuditEvent
}

// flowNameRE is the shape of a flow's name, as the flow language requires
// of identifiers.
var flowNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ValidFlowName reports whether name can name a flow.
func ValidFlowName(name string) bool { return flowNameRE.MatchString(name) }

// Sources returns the source of every current flow, by name.
func (fl *Flows) Sources() map[string][]byte {
	fl.mu.RLock()
	defer fl.mu.RUnlock()
	out := map[string][]byte{}
	for _, name := range fl.current.Names() {
		f, _ := fl.current.Get(name)
		out[name] = f.Source
	}
	return out
}

// Names returns the current flows' names, sorted.
func (fl *Flows) Names() []string {
	fl.mu.RLock()
	defer fl.mu.RUnlock()
	return fl.current.Names()
}

// SetFS returns the current flows as files "<name>.yaml", with the source of
// each flow in replace put in place of (or beside) the current one.
func (fl *Flows) SetFS(replace map[string][]byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, src := range fl.Sources() {
		fsys[name+".yaml"] = &fstest.MapFile{Data: src, Mode: 0o644}
	}
	for name, src := range replace {
		fsys[name+".yaml"] = &fstest.MapFile{Data: src, Mode: 0o644}
	}
	return fsys
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
	return flows.ParseSet(fl.SetFS(map[string][]byte{name: src}), fl.catalog)
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

// Publish validates src as the next version of flow name (see Check),
// stores it with store's SaveFlowVersion and makes it current. A
// conversation already running keeps the version it started with (see
// Version); new ones take this one.
func (fl *Flows) Publish(ctx context.Context, name string, src []byte, author string) (int, error) {
	return fl.PublishWith(ctx, name, src, func(ctx context.Context) (int, error) {
		return fl.store.SaveFlowVersion(ctx, name, src, author)
	})
}

// PublishWith is Publish with the caller's store write, for one that also
// records tests, the publisher and the audit in the same transaction. save
// runs only when src is valid, and returns the new version's number. The
// set is swapped only after save succeeds; publishes are serialised.
func (fl *Flows) PublishWith(ctx context.Context, name string, src []byte, save func(context.Context) (int, error)) (int, error) {
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

// PublishedFlows is the store LoadPublishedFlows reads and writes.
type PublishedFlows interface {
	FlowVersions
	// LatestFlowRelease returns a flow's newest version, or ENOTFOUND.
	LatestFlowRelease(ctx context.Context, name string) (FlowRelease, error)
	// FlowNames returns the names of the stored flows.
	FlowNames(ctx context.Context) ([]string, error)
}

// LoadPublishedFlows is LoadFlows for a server whose admins publish flows:
// a flow whose newest stored version was published by someone other than
// author (through the admin API) keeps that version rather than the
// file's, and flows published only through the API are loaded too. The
// rest is as LoadFlows: a file's source becomes a new version when it
// changed. The whole set is validated together.
func LoadPublishedFlows(ctx context.Context, store PublishedFlows, fsys fs.FS, author string) (*Flows, error) {
	files, err := flows.ParseSet(fsys, Catalog())
	if err != nil {
		return nil, err
	}
	stored, err := store.FlowNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("load flows: %w", err)
	}
	names := append(files.Names(), stored...)
	sort.Strings(names)
	srcs := fstest.MapFS{}
	kept := map[string]int{} // flows taken from the store, by version
	for i, name := range names {
		if i > 0 && names[i-1] == name {
			continue
		}
		rel, err := store.LatestFlowRelease(ctx, name)
		switch {
		case err == nil && rel.PublishedBy != "" && rel.PublishedBy != author:
			kept[name] = rel.Version
			srcs[name+".yaml"] = &fstest.MapFile{Data: rel.Source, Mode: 0o644}
			continue
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return nil, fmt.Errorf("load flow %s: %w", name, err)
		}
		if f, ok := files.Get(name); ok {
			srcs[name+".yaml"] = &fstest.MapFile{Data: f.Source, Mode: 0o644}
		}
	}
	set, err := flows.ParseSet(srcs, Catalog())
	if err != nil {
		return nil, fmt.Errorf("the published flows and the flow files do not fit together: %w", err)
	}
	for _, name := range set.Names() {
		f, _ := set.Get(name)
		if v, ok := kept[name]; ok {
			f.Version = v
			continue
		}
		v, err := store.SaveFlowVersion(ctx, name, f.Source, author)
		if err != nil {
			return nil, fmt.Errorf("save flow %s: %w", name, err)
		}
		f.Version = v
	}
	return &Flows{store: store, catalog: Catalog(), current: set, old: map[flowKey]*flows.Flow{}}, nil
}
