package main

import (
	"context"
	"io"
)

const techdocsUsage = `Usage: callboard techdocs <command> [flags]

Commands:
  build     build a TechDocs site (mkdocs.yml and docs/) into static HTML
  publish   publish a built site for an entity to a local folder or S3

Run "callboard techdocs <command> --help" for a command's flags.
`

// cmdTechdocs runs "callboard techdocs <command>".
func cmdTechdocs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, done := groupHelp(args, stderr, techdocsUsage); done {
		return code
	}
	switch args[0] {
	case "build":
		return cmdTechdocsBuild(ctx, args[1:], stdout, stderr)
	case "publish":
		return cmdTechdocsPublish(ctx, args[1:], stdout, stderr)
	default:
		return unknownCommand(stderr, "techdocs", args[0], techdocsUsage)
	}
}
