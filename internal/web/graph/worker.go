package graph

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Graphviz's WebAssembly memory only grows (see layout), so a long-lived
// process would copy ever more of it on the slow drawings and, at the
// 4 GiB limit, fail every drawing. Layouts therefore run in a child
// process (callboard graphviz-worker) that is replaced before its memory
// gets large.
//
// The child talks over its stdin and stdout. Once its engine is up it
// writes workerReady. Then, for each request, a big-endian uint32 length
// and that many bytes of DOT, it answers one status byte, a uint32 length
// and the payload: the SVG document, or an error's text.
const workerReady = "callboard graphviz worker 1\n"

// warmUpDOT is drawn as a worker starts: a little of what drawings hold.
const warmUpDOT = `digraph { rankdir=LR; node [shape=box style="rounded,filled"];
  a [label="component\nA" URL="/a" tooltip="a"]; b [label="api\nB"]; c [shape=box];
  a -> b [label="providesApi"]; b -> c [style=dashed]; c -> a }`

const (
	// statusSVG answers a drawing.
	statusSVG = '+'
	// statusError answers a graph Graphviz rejected; the worker goes on.
	statusError = '-'
	// statusFault answers a fault inside Graphviz; the worker then exits,
	// since its engine's state is unknown.
	statusFault = '!'

	maxRequestBytes  = 64 << 20
	maxResponseBytes = 256 << 20
)

// ServeWorker is the worker process's loop: it starts Graphviz, says it
// is ready, and lays out each DOT graph read from r, writing the answers
// to w, until r ends (nil) or fails.
func ServeWorker(r io.Reader, w io.Writer) error {
	// A first small drawing brings Graphviz's code into memory before the
	// worker says it is ready, off any request's path.
	if _, err := layout(context.Background(), warmUpDOT); err != nil {
		return err
	}
	in, out := bufio.NewReader(r), bufio.NewWriter(w)
	if _, err := out.WriteString(workerReady); err != nil {
		return fmt.Errorf("write ready: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write ready: %w", err)
	}
	for {
		dot, err := readFrame(in, maxRequestBytes)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		status := byte(statusSVG)
		payload, err := layout(context.Background(), string(dot))
		if err != nil {
			status = statusError
			if errors.Is(err, errFault) {
				status = statusFault
			}
			// The parent wraps the text in errLayout again.
			payload = []byte(strings.TrimPrefix(err.Error(), errLayout.Error()+": "))
		}
		if err := writeFrame(out, status, payload); err != nil {
			return fmt.Errorf("write answer: %w", err)
		}
		if status == statusFault {
			return errFault
		}
	}
}

// writeFrame writes a status byte, the payload's length and the payload,
// and flushes.
func writeFrame(w *bufio.Writer, status byte, payload []byte) error {
	if err := w.WriteByte(status); err != nil {
		return err
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(payload)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(payload); err != nil {
		return err
	}
	return w.Flush()
}

// readFrame reads a length and that many bytes: io.EOF when r ends before
// the frame starts, io.ErrUnexpectedEOF when within it.
func readFrame(r io.Reader, limit int) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if uint64(size) > uint64(limit) {
		return nil, fmt.Errorf("frame of %d bytes is over the limit of %d", size, limit)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}
