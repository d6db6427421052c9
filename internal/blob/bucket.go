package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotFound is returned (wrapped) when an object does not exist.
var ErrNotFound = errors.New("object not found")

// Info describes a stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
	// ETag changes whenever the object's content may have changed.
	ETag string
}

// Bucket is a flat store of objects named by key.
type Bucket interface {
	// Get opens an object for reading; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Put stores r under key, replacing any object there. size is the
	// number of bytes r yields, or -1 when unknown.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// List returns every object whose key starts with prefix, sorted by
	// key. An empty prefix lists the whole bucket.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

var (
	_ Bucket = (*Dir)(nil)
	_ Bucket = (*S3)(nil)
)

// KeyError is a malformed key or prefix.
type KeyError struct {
	Key    string
	Reason string
}

func (e *KeyError) Error() string { return fmt.Sprintf("invalid object key %q: %s", e.Key, e.Reason) }

// ValidKey checks that key is a clean relative slash-separated path: not
// empty, no leading or trailing slash, no empty, "." or ".." segments, no
// backslash or NUL, valid UTF-8, at most 1024 bytes (S3's limit).
func ValidKey(key string) error {
	if key == "" {
		return &KeyError{key, "empty"}
	}
	if strings.HasSuffix(key, "/") {
		return &KeyError{key, "ends with a slash"}
	}
	return validPath(key)
}

// ValidPrefix checks a List prefix: "" or a key, possibly ending with a
// slash or in the middle of a segment.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return validPath(strings.TrimSuffix(prefix, "/"))
}

func validPath(p string) error {
	switch {
	case p == "":
		return &KeyError{p, "empty"}
	case len(p) > 1024:
		return &KeyError{p[:64] + "...", "longer than 1024 bytes"}
	case !utf8.ValidString(p):
		return &KeyError{p, "not valid UTF-8"}
	case strings.ContainsAny(p, "\\\x00"):
		return &KeyError{p, "contains a backslash or NUL"}
	case strings.HasPrefix(p, "/"):
		return &KeyError{p, "starts with a slash"}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return &KeyError{p, "has an empty segment"}
		case ".", "..":
			return &KeyError{p, "has a " + seg + " segment"}
		}
	}
	return nil
}
