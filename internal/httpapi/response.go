package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
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
	startJSON(w, http.StatusOK)
	_, _ = io.WriteString(w, `{"items":`)
	_ = writeRawArray(w, items)
	_, _ = w.Write(tail)
	_, _ = io.WriteString(w, "}")
}
