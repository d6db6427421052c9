package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEntityTextScan(t *testing.T) {
	driverBytes := []byte(`{"kind":"API"}`)
	tests := []struct {
		name    string
		src     any
		want    []byte
		wantErr bool
	}{
		{name: "string", src: `{"kind":"Component"}`, want: []byte(`{"kind":"Component"}`)},
		{name: "bytes", src: driverBytes, want: []byte(`{"kind":"API"}`)},
		{name: "null", src: nil, want: nil},
		{name: "number", src: int64(3), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entityText("stale")
			err := e.Scan(tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Scan(%v) error = %v, want error %v", tt.src, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, []byte(e)); diff != "" {
				t.Errorf("Scan(%v) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
	// A driver's []byte is reused for the next row, so it is copied.
	var e entityText
	if err := e.Scan(driverBytes); err != nil {
		t.Fatal(err)
	}
	driverBytes[2] = 'X'
	if string(e) != `{"kind":"API"}` {
		t.Errorf("scanned bytes follow the driver's buffer: %s", e)
	}
}
