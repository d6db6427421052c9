package bench

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChildEnviron(t *testing.T) {
	got := childEnviron([]string{"PATH=/bin", "APP_CONFIG_backend_listen_port=1", "HOME=/root", "APP_CONFIG_catalog_readonly=true"})
	want := []string{"PATH=/bin", "HOME=/root"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("childEnviron (-want +got):\n%s", diff)
	}
}
