package main

import (
	"context"
	"fmt"
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
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stderr, techdocsUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "build":
		return cmdTechdocsBuild(ctx, args[1:], stdout, stderr)
	case "publish":
		return cmdTechdocsPublish(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "callboard techdocs: unknown command %q\n\n%s", args[0], techdocsUsage)
		return 2
	}
}
