package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// These helpers write entity JSON exactly as the services return it: the
// stored bytes go to the client without being decoded and encoded again.

// jsonArray writes a JSON array item by item.
type jsonArray struct {
	w io.Writer
	n int
}

// open starts the array.
func (a *jsonArray) open() error {
	_, err := io.WriteString(a.w, "[")
	return err
}

// item appends one raw JSON value; nil is written as null.
func (a *jsonArray) item(raw json.RawMessage) error {
	if a.n > 0 {
		if _, err := io.WriteString(a.w, ","); err != nil {
			return err
		}
	}
	a.n++
	if raw == nil {
		_, err := io.WriteString(a.w, "null")
		return err
	}
	_, err := a.w.Write(raw)
	return err
}

// close ends the array.
func (a *jsonArray) close() error {
	_, err := io.WriteString(a.w, "]")
	return err
}

// writeRawArray writes items as one JSON array body.
func writeRawArray(w io.Writer, items []json.RawMessage) error {
	a := jsonArray{w: w}
	if err := a.open(); err != nil {
		return err
	}
	for _, it := range items {
		if err := a.item(it); err != nil {
			return err
		}
	}
	return a.close()
}

// bodies recycles the buffers whole responses are assembled in.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody keeps one huge response from pinning its buffer forever.
const maxPooledBody = 1 << 20

// writeArrayBody sends head, the items as a JSON array, then tail, as one
// body with a Content-Length. Assembling it first costs a copy but sends
// it in one write instead of a system call per few kilobytes, which is
// what a page of entities cost before.
func writeArrayBody(w http.ResponseWriter, head string, items []json.RawMessage, tail string) {
	size := len(head) + len(tail) + 2 + len(items)
	for _, it := range items {
		size += max(len(it), len("null"))
	}
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	buf.Grow(size)
	buf.WriteString(head)
	_ = writeRawArray(buf, items)
	buf.WriteString(tail)
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	if buf.Cap() <= maxPooledBody {
		bodies.Put(buf)
	}
}

// writeRaw sends a single raw JSON document.
func writeRaw(w http.ResponseWriter, status int, raw json.RawMessage) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// startJSON writes the headers of a JSON response whose body follows.
func startJSON(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
}

// writeItemsObject writes {"items":[...]<tail>} where tail is the rest of
// the object's members, already encoded (starting with a comma, or empty).
func writeItemsObject(w http.ResponseWriter, items []json.RawMessage, tail []byte) {
	writeArrayBody(w, `{"items":`, items, string(tail)+"}")
}
