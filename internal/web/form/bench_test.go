package form

import (
	"context"
	"testing"
)

// BenchmarkView renders a page with a field of every kind and conditions
// to resolve.
func BenchmarkView(b *testing.B) {
	f := New(schemaOf(b, fuzzPage))
	values := f.Defaults(map[string]any{"public": true, "size": "m"}, nil)
	for b.Loop() {
		if _, err := f.View(context.Background(), State{Values: values, Entities: &fakeEntities{}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse reads that page back.
func BenchmarkParse(b *testing.B) {
	f := New(schemaOf(b, fuzzPage))
	v, err := f.View(context.Background(), State{Values: f.Defaults(map[string]any{"public": true, "size": "m"}, nil)})
	if err != nil {
		b.Fatal(err)
	}
	posted := submit(b, string(v.HTML))
	for b.Loop() {
		f.Parse(posted, nil)
	}
}
