package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// command runs the rest of a command line, such as the flags of
// "callboard audit export".
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// groupHelp answers "callboard <group>" without a command, or asking for
// help, with usage on stderr: exit 2 without a command, 0 for help. done
// is false when args name a command.
func groupHelp(args []string, stderr io.Writer, usage string) (code int, done bool) {
	if len(args) > 0 && args[0] != "--help" && args[0] != "-h" && args[0] != "help" {
		return 0, false
	}
	fmt.Fprint(stderr, usage)
	if len(args) == 0 {
		return 2, true
	}
	return 0, true
}

// runOnly runs "callboard <group> <name>" for a group of one command;
// usage is the group's short help.
func runOnly(ctx context.Context, group, name, usage string, cmd command, args []string, stdout, stderr io.Writer) int {
	if code, done := groupHelp(args, stderr, usage); done {
		return code
	}
	if args[0] != name {
		fmt.Fprintf(stderr, "callboard %s: unknown command %q (try \"callboard %s %s\")\n", group, args[0], group, name)
		return 2
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// unknownCommand reports a command a group of several does not have.
func unknownCommand(stderr io.Writer, group, name, usage string) int {
	fmt.Fprintf(stderr, "callboard %s: unknown command %q\n\n%s", group, name, usage)
	return 2
}

// newFlagSet returns the flag set of "callboard <name>": errors and, for
// --help, usage followed by the flags' defaults go to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a command line of flags only: a positional argument
// is a usage mistake. ok is false when the command should exit with code.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		return exitForFlagError(err), false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "callboard %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// exitForFlagError maps a flag parsing error to an exit code: 0 for
// --help, 2 for a usage mistake (already printed by the flag package).
func exitForFlagError(err error) int {
	if err == flag.ErrHelp {
		return 0
	}
	return 2
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
