package search

import (
	"encoding/base64"
	"strconv"

	"github.com/callboard/callboard/internal/problem"
)

// Page cursors are Backstage's: the base64 of the page number, counted
// from 0 ("1" → "MQ=="). No cursor means page 0.

// maxPage bounds the pages a cursor may name, so that a forged cursor
// cannot ask an engine to skip billions of documents.
const maxPage = 100000

// EncodeCursor returns the cursor of page n.
func EncodeCursor(n int) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(n)))
}

// DecodeCursor returns the page a cursor names; "" is page 0. A cursor
// that is not one is an InputError.
func DecodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, problem.Input("Invalid page cursor %q", c)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n > maxPage {
		return 0, problem.Input("Invalid page cursor %q", c)
	}
	return n, nil
}
