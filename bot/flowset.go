package bot

import (
	"context"
	"fmt"
	"io/fs"
	"sync"

	"github.com/portico-chat/portico/flows"
)

// FlowVersions keeps every version of every flow's source, so that a
// conversation can finish on the version it started with.
type FlowVersions interface {
	// SaveFlowVersion stores source as the flow's newest version and
	// returns its number; source equal to the newest returns that version.
	SaveFlowVersion(ctx context.Context, name string, source []byte, author string) (int, error)
	// FlowVersion returns one stored version's source, or ENOTFOUND.
	FlowVersion(ctx context.Context, name string, version int) ([]byte, error)
}

// Flows is the set of flows the engine runs: the current version of each,
// and earlier versions loaded on demand for conversations that started on
// them.
type Flows struct {
	store   FlowVersions
	catalog flows.Catalog

	publishing sync.Mutex // one Publish at a time (flowpublish.go)

	mu        sync.RWMutex
	current   *flows.Set
	old       map[flowKey]*flows.Flow
	published func(ctx context.Context, name string, version int) // after PublishWith; nil: nobody to tell
	// noSecrets are the channels that cannot take a secret: a flow asking
	// one is refused (channel.go RefuseSecretsOn).
	noSecrets []string
}

type flowKey struct {
	name    string
	version int
}

// LoadFlows validates every flow in fsys, records each as a version in
// store (a new version only when its source changed) and makes them current.
func LoadFlows(ctx context.Context, store FlowVersions, fsys fs.FS, author string) (*Flows, error) {
	set, err := flows.ParseSet(fsys, Catalog())
	if err != nil {
		return nil, err
	}
	for _, name := range set.Names() {
		f, _ := set.Get(name)
		v, err := store.SaveFlowVersion(ctx, name, f.Source, author)
		if err != nil {
			return nil, fmt.Errorf("save flow %s: %w", name, err)
		}
		f.Version = v
	}
	return NewFlows(store, set), nil
}

// Current returns the current version of a flow.
func (fl *Flows) Current(name string) (*flows.Flow, bool) {
	fl.mu.RLock()
	defer fl.mu.RUnlock()
	return fl.current.Get(name)
}

// Version returns a given version of a flow, loading it from the store if it
// is not the current one.
func (fl *Flows) Version(ctx context.Context, name string, version int) (*flows.Flow, error) {
	fl.mu.RLock()
	f, ok := fl.current.Get(name)
	old := fl.old[flowKey{name, version}]
	fl.mu.RUnlock()
	if ok && f.Version == version {
		return f, nil
	}
	if old != nil {
		return old, nil
	}
	src, err := fl.store.FlowVersion(ctx, name, version)
	if err != nil {
		return nil, fmt.Errorf("load flow %s version %d: %w", name, version, err)
	}
	// An old version was valid when it was published; parse it alone, as
	// the flows it calls are resolved at the time of the call.
	f, err = flows.Parse(name+".yaml", src, fl.catalog)
	if err != nil {
		return nil, fmt.Errorf("parse flow %s version %d: %w", name, version, err)
	}
	f.Version = version
	fl.mu.Lock()
	fl.old[flowKey{name, version}] = f
	fl.mu.Unlock()
	return f, nil
}

// Match finds the flow whose trigger phrases fit text.
func (fl *Flows) Match(text, locale string) (string, bool) {
	fl.mu.RLock()
	defer fl.mu.RUnlock()
	return fl.current.Match(text, locale)
}
