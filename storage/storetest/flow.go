package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/portico-chat/portico/bot"
)

func testFlows(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	f := need[FlowStore](t, s, "flow versions")

	if names, err := f.FlowNames(ctx); err != nil || len(names) != 0 {
		t.Errorf("FlowNames when empty: got %v, %v; want none", names, err)
	}
	_, _, err := f.LatestFlow(ctx, "reset_password")
	wantCode(t, "LatestFlow of unknown flow", err, bot.ENOTFOUND)

	v1 := []byte("name: reset_password\nstart: hello\n")
	v2 := []byte("name: reset_password\nstart: greet\n")
	saves := []struct {
		name   string
		source []byte
		want   int
	}{
		{"reset_password", v1, 1},
		{"reset_password", v1, 1}, // unchanged: no new version
		{"reset_password", v2, 2},
		{"reset_password", v1, 3}, // going back is a new version too
		{"activate_account", v1, 1},
	}
	for i, sv := range saves {
		got, err := f.SaveFlowVersion(ctx, sv.name, sv.source, "admin:alice")
		if err != nil || got != sv.want {
			t.Errorf("save #%d of %s: got version %d, %v; want %d", i+1, sv.name, got, err, sv.want)
		}
	}

	versions := []struct {
		version int
		want    []byte
	}{{1, v1}, {2, v2}, {3, v1}}
	for _, v := range versions {
		got, err := f.FlowVersion(ctx, "reset_password", v.version)
		if err != nil || string(got) != string(v.want) {
			t.Errorf("FlowVersion(reset_password, %d): got %q, %v; want %q", v.version, got, err, v.want)
		}
	}
	_, err = f.FlowVersion(ctx, "reset_password", 4)
	wantCode(t, "FlowVersion of unknown version", err, bot.ENOTFOUND)

	version, source, err := f.LatestFlow(ctx, "reset_password")
	if err != nil || version != 3 || string(source) != string(v1) {
		t.Errorf("LatestFlow: got %d, %q, %v; want 3 and v1", version, source, err)
	}
	names, err := f.FlowNames(ctx)
	if want := []string{"activate_account", "reset_password"}; err != nil || !reflect.DeepEqual(names, want) {
		t.Errorf("FlowNames: got %v, %v; want %v", names, err, want)
	}
}
