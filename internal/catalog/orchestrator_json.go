package catalog

import "sync"

// jsonBuffers holds the buffers children are encoded in before their
// JSON is copied into a string; one that grew beyond maxPooledJSON for a
// rare large entity is left to the garbage collector.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledJSON = 256 << 10
