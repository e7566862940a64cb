package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/flows"
)

// builtinTests is where the built-in flows' transcript tests live in the
// embedded tree and in a flows directory.
const testsDir = "tests"

func (c *cli) flowsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "flows", Short: "Validate and test flow definitions"}
	cmd.AddCommand(c.flowsPushCmd(), c.flowsPullCmd()) // flows_remote.go
	cmd.AddCommand(&cobra.Command{
		Use:   "validate [DIR | FILE]",
		Short: "Validate the flows in DIR, or the flow FILE with the other flows of its folder (default: the built-in flows)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.validateFlows(dirArg(args))
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "test [DIR]",
		Short: "Run the transcript tests in DIR/tests against the flows in DIR",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			if err := isDir(dir); err != nil {
				return err
			}
			failed, err := runFlowTests(cmd.Context(), flowsFS(dir), c.out)
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

// isDir checks that a flows folder given on the command line is one ("" is
// the built-in flows).
func isDir(dir string) error {
	if dir == "" {
		return nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is a file: give the folder of the flows (their tests are in FOLDER/%s)", dir, testsDir)
	}
	return nil
}

// validateFlows validates the flows of a folder, or one flow file, and
// prints every problem as path:line:column: message.
func (c *cli) validateFlows(path string) error {
	if path != "" {
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if !info.IsDir() {
			return c.validateFlowFile(path)
		}
	}
	set, err := flows.ParseSet(flowsFS(path), bot.Catalog())
	if err != nil {
		c.printFlowProblems(path, err)
		return fmt.Errorf("flows are not valid")
	}
	if len(set.Names()) == 0 {
		return fmt.Errorf("%s holds no flow files (*.yaml)", path)
	}
	fmt.Fprintf(c.out, "%d flows valid: %v\n", len(set.Names()), set.Names())
	return nil
}

// validateFlowFile validates one flow file: alone first, then with the
// other flows of its folder, which its calls and gotos name (the folder
// is what flows.dir would load).
func (c *cli) validateFlowFile(path string) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if filepath.Ext(base) != ".yaml" {
		return fmt.Errorf("%s: flow files end in .yaml", path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if _, err := flows.Parse(base, src, bot.Catalog()); err != nil {
		c.printFlowProblems(dir, err)
		return fmt.Errorf("%s is not valid", path)
	}
	set, err := flows.ParseSet(os.DirFS(dir), bot.Catalog())
	var ps flows.Problems
	switch {
	case err == nil:
		fmt.Fprintf(c.out, "%s is valid, with the %d flows of %s: %v\n", path, len(set.Names()), dir, set.Names())
		return nil
	case !errors.As(err, &ps):
		return err
	}
	var own flows.Problems
	for _, p := range ps {
		if p.File == base {
			own = append(own, p)
		}
	}
	if len(own) > 0 {
		c.printFlowProblems(dir, own)
		return fmt.Errorf("%s is not valid", path)
	}
	c.printFlowProblems(dir, ps)
	return fmt.Errorf("%s is valid on its own, but its calls and gotos could not be checked: other flows in %s have the problems above", path, dir)
}

// printFlowProblems writes a validation error, each problem on its own line
// with the file's path under dir.
func (c *cli) printFlowProblems(dir string, err error) {
	var ps flows.Problems
	if !errors.As(err, &ps) {
		fmt.Fprintln(c.out, err)
		return
	}
	for _, p := range ps {
		if dir != "" {
			p.File = filepath.Join(dir, p.File)
		}
		fmt.Fprintln(c.out, p)
	}
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
	envs := flowEnvs("", zerolog.Nop())
	newEnv := func() (*flowtest.Env, error) { return envs(ctx, fsys) }
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
