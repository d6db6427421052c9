package opensearch_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"testing"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/opensearch"
	"github.com/callboard/callboard/internal/search/searchtest"
)

// EnvOpenSearch names the variable holding an OpenSearch (or
// Elasticsearch) URL for the conformance suite; without it the suite is
// skipped. Each test gets indexes of its own, deleted afterwards.
const EnvOpenSearch = "CALLBOARD_TEST_OPENSEARCH"

func TestConformance(t *testing.T) {
	base := os.Getenv(EnvOpenSearch)
	if base == "" {
		t.Skipf("%s not set", EnvOpenSearch)
	}
	searchtest.Run(t, func(t *testing.T) search.Engine {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		prefix := "cbtest-" + hex.EncodeToString(b)
		e, err := opensearch.New(opensearch.Options{URL: base, IndexPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodDelete, base+"/"+prefix+"-*", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		})
		return e
	})
}
