package flowadmin

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// Draft is an unpublished edit of a flow: its source and its transcript
// tests (bot/flowtest YAML).
type Draft struct {
	Name      string
	Source    []byte
	Tests     []byte
	Author    string // last editor, "admin:<id>" or "token:<id>"
	UpdatedAt time.Time
}

// Version is one published version of a flow, as stored.
type Version struct {
	Name        string
	Version     int
	Author      string // who wrote it
	PublishedBy string // who made it current ("" for versions older than publishing)
	CreatedAt   time.Time
	Source      []byte
	Tests       []byte
}

// Publication is what a store writes, in one transaction, to publish a
// version: the version numbered after the newest, the draft dropped when
// asked, and an audit event whose Subject the store sets to
// "flow:<name>/v<version>".
type Publication struct {
	Name        string
	Source      []byte
	Tests       []byte
	Author      string
	PublishedBy string
	DropDraft   bool
	Audit       bot.AuditEvent
}

// Published is the store Load reads and writes.
type Published interface {
	bot.FlowVersions
	// LatestFlowRelease returns a flow's newest version, or ENOTFOUND.
	LatestFlowRelease(ctx context.Context, name string) (Version, error)
	// FlowNames returns the names of the stored flows.
	FlowNames(ctx context.Context) ([]string, error)
}

// Load is bot.LoadFlows for a server whose admins publish flows: a flow
// whose newest stored version was published by someone other than author
// (through the admin API) keeps that version rather than the file's, and
// flows published only through the API are loaded too. The rest is as
// bot.LoadFlows: a file's source becomes a new version when it changed.
// The whole set is validated together.
func Load(ctx context.Context, store Published, fsys fs.FS, author string) (*bot.Flows, error) {
	files, err := flows.ParseSet(fsys, bot.Catalog())
	if err != nil {
		return nil, err
	}
	stored, err := store.FlowNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("load flows: %w", err)
	}
	names := append(files.Names(), stored...)
	sort.Strings(names)
	srcs := flows.Sources{}
	kept := map[string]int{} // flows taken from the store, by version
	for i, name := range names {
		if i > 0 && names[i-1] == name {
			continue
		}
		rel, err := store.LatestFlowRelease(ctx, name)
		switch {
		case err == nil && rel.PublishedBy != "" && rel.PublishedBy != author:
			kept[name] = rel.Version
			srcs[name+".yaml"] = rel.Source
			continue
		case err != nil && bot.ErrorCode(err) != bot.ENOTFOUND:
			return nil, fmt.Errorf("load flow %s: %w", name, err)
		}
		if f, ok := files.Get(name); ok {
			srcs[name+".yaml"] = f.Source
		}
	}
	set, err := flows.ParseSet(srcs, bot.Catalog())
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
	return bot.NewFlows(store, set), nil
}
