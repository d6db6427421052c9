package graph

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// workerEnv makes the test binary a Graphviz worker, so the tests and the
// benchmark lay out in child processes as callboard serve does.
const workerEnv = "CALLBOARD_GRAPHVIZ_WORKER"

func TestMain(m *testing.M) {
	switch mode := os.Getenv(workerEnv); mode {
	case "":
		os.Exit(m.Run())
	case "1":
		if err := ServeWorker(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "graphviz worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		os.Exit(brokenWorker(mode, os.Stdin, os.Stdout))
	}
}

// testWorker is the command line and environment of a worker: this test
// binary.
func testWorker(o RendererOptions) RendererOptions {
	o.Worker = []string{os.Args[0]}
	o.Env = append(o.Env, workerEnv+"=1")
	return o
}
