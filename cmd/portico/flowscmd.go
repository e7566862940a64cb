package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico"
	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/portal"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/flows/flowtest"
)

// builtinTests is where the built-in flows' transcript tests live in the
// embedded tree and in a flows directory.
const testsDir = "tests"

func (c *cli) flowsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "flows", Short: "Validate and test flow definitions"}
	cmd.AddCommand(c.flowsPushCmd(), c.flowsPullCmd()) // flows_remote.go
	cmd.AddCommand(&cobra.Command{
		Use:   "validate [DIR]",
		Short: "Validate the flows in DIR (default: the built-in flows)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fsys := flowsFS(dirArg(args))
			set, err := flows.ParseSet(fsys, bot.Catalog())
			if err != nil {
				fmt.Fprintln(c.out, err)
				return fmt.Errorf("flows are not valid")
			}
			fmt.Fprintf(c.out, "%d flows valid: %v\n", len(set.Names()), set.Names())
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "test [DIR]",
		Short: "Run the transcript tests in DIR/tests against the flows in DIR",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed, err := runFlowTests(cmd.Context(), flowsFS(dirArg(args)), c.out)
			if err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d flow tests failed", failed)
			}
			return nil
		},
	})
	return cmd
}

func dirArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return ""
}

// runFlowTests runs every transcript test and prints one line a case; it
// returns the number that failed.
func runFlowTests(ctx context.Context, fsys fs.FS, out interface{ Write([]byte) (int, error) }) (int, error) {
	files, err := flowtest.Load(fsys, testsDir)
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("no transcript tests in %s/", testsDir)
	}
	tmp, err := os.MkdirTemp("", "portico-flowtest-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	hash, err := portal.HashPassword(portal.DemoPassword)
	if err != nil {
		return 0, err
	}
	n := 0
	newEnv := func() (*flowtest.Env, error) {
		n++
		dir := filepath.Join(tmp, fmt.Sprint(n))
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, err
		}
		return flowtest.NewEnv(ctx, dir, flowtest.Options{
			Flows: fsys, Patients: portico.DemoPatients, PasswordHash: hash, Log: zerolog.Nop(),
		})
	}
	failed := 0
	results := flowtest.Run(ctx, files, newEnv)
	for _, r := range results {
		if r.OK() {
			fmt.Fprintf(out, "ok    %s:%d %s\n", r.File, r.Line, r.Case)
			continue
		}
		failed++
		fmt.Fprintf(out, "FAIL  %s:%d %s\n", r.File, r.Line, r.Case)
		for _, f := range r.Failures {
			fmt.Fprintf(out, "        %s\n", f)
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", len(results)-failed, failed)
	return failed, nil
}
