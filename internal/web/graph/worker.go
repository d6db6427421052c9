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

// Graphviz's WebAssembly memory only grows (see runThen), so a long-lived
// process would copy ever more of it on the slow drawings and, at the
// 4 GiB limit, fail every drawing. Layouts therefore run in a child
// process (callboard graphviz-worker) that is replaced before its memory
// gets large.
//
// The child talks over its stdin and stdout. Once its engine is up it
// writes workerReady. Then, for each request, a big-endian uint32 length
// and that many bytes: the output format (formatPlain or formatSVG) and
// the DOT text, it answers one status byte, a uint32 length and the
// payload: Graphviz's output, or an error's text.
const workerReady = "callboard graphviz worker 2\n"

// warmUpDOT is drawn as a worker starts: a little of what drawings hold,
// so that Graphviz's code for each is in memory before the first request.
const warmUpDOT = `digraph { graph [rankdir=LR, fontsize=11]; node [shape=box, margin="0.14,0.05"];
  n0 [label="component\nA"]; n1 [label="api\nB"]; b0 [label="", fixedsize=true, width=1, height=0.6];
  n0 -> n1 [label="providesApi"]; n1 -> b0; b0 -> n0; { rank=same; n1; b0 } }`

const (
	// statusOK answers Graphviz's output.
	statusOK = '+'
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
	for _, format := range []byte{formatPlain, formatSVG} {
		if _, err := run(context.Background(), format, warmUpDOT); err != nil {
			return err
		}
	}
	in, out := bufio.NewReader(r), bufio.NewWriter(w)
	if _, err := out.WriteString(workerReady); err != nil {
		return fmt.Errorf("write ready: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write ready: %w", err)
	}
	for {
		req, err := readFrame(in, maxRequestBytes)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if len(req) == 0 {
			return errors.New("read request: no output format")
		}
		// The answer goes out before Graphviz frees the layout.
		var answered bool
		var werr error
		err = runThen(context.Background(), req[0], string(req[1:]), func(b []byte) {
			answered, werr = true, writeFrame(out, statusOK, b)
		})
		if werr != nil {
			return fmt.Errorf("write answer: %w", werr)
		}
		if answered {
			if errors.Is(err, errFault) {
				// Freeing the layout faulted: the engine's state is
				// unknown, and the next request must find the worker gone.
				return err
			}
			continue
		}
		status := byte(statusError)
		if errors.Is(err, errFault) {
			status = statusFault
		}
		// The parent wraps the text in errLayout again.
		payload := []byte(strings.TrimPrefix(err.Error(), errLayout.Error()+": "))
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
