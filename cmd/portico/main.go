// Command portico is the Portico server and its administration commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/portico-chat/portico/flows"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "portico:", err)
		os.Exit(1)
	}
}

// cli carries what every sub-command shares.
type cli struct {
	in       io.Reader
	out, err io.Writer
	file     string // --config
	v        *viper.Viper
}

// config loads and validates the configuration for a command.
func (c *cli) config(cmd *cobra.Command) (*Config, error) {
	c.v = newViper(cmd.Flags())
	return loadConfig(c.v, c.file)
}

func newRoot(in io.Reader, out, errw io.Writer) *cobra.Command {
	c := &cli{in: in, out: out, err: errw}
	root := &cobra.Command{
		Use:           "portico",
		Short:         "Self-service chat for patient portal accounts",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errw)
	root.PersistentFlags().StringVar(&c.file, "config", "", "configuration file (default ./portico.yaml if present)")
	root.AddCommand(
		c.serveCmd(),
		c.migrateCmd(),
		c.configCmd(),
		c.patientsCmd(),
		c.flowsCmd(),
		c.auditCmd(),
		c.usersCmd(),
		c.tokensCmd(),
		c.bridgeCmd(),
		c.finderCmd(),
	)
	for _, cmd := range root.Commands() {
		refuseUnknown(cmd)
	}
	return root
}

// refuseUnknown makes cmd, and every command under it that only groups
// sub-commands, fail on an unknown sub-command with a suggestion. Cobra
// checks the root's sub-commands itself but, below the root, prints the
// group's help and succeeds (exit status 0).
func refuseUnknown(cmd *cobra.Command) {
	for _, sub := range cmd.Commands() {
		refuseUnknown(sub)
	}
	if !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		if near, ok := flows.Closest(args[0], names); ok {
			msg += "\n\nDid you mean this?\n\t" + near
		}
		return fmt.Errorf("%s\n\nRun '%s --help' for its commands", msg, cmd.CommandPath())
	}
}

func (c *cli) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	print := &cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration, secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.config(cmd)
			if err != nil {
				return err
			}
			var b strings.Builder
			printConfig(c.v, cfg, &b)
			printChannels(&b, cfg)
			_, err = io.WriteString(c.out, b.String())
			return err
		},
	}
	print.Flags().Bool("demo", false, "demo mode")
	cmd.AddCommand(print)
	return cmd
}
