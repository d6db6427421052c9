package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

// serveConfig is what the benchmark puts into the child's app-config.yaml.
type serveConfig struct {
	Port int
	// SQLitePath or PostgresURL selects the database.
	SQLitePath  string
	PostgresURL string
	// Root is the root Location file of the generated organisation.
	Root string
	// Token is a static external-access token the benchmark sends as a
	// bearer token, as a Backstage API client would.
	Token string
}

// allKinds are the kinds catalog.rules allows: every built-in kind.
var allKinds = []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}

// writeConfig writes a Backstage-shaped app-config.yaml for `callboard
// serve`: listening on 127.0.0.1 only, the chosen database, a static
// access token for the benchmark's requests, one file location, every kind
// allowed and a processing interval long enough that nothing is
// reprocessed on its own during a run.
func writeConfig(path string, c serveConfig) error {
	db := obj{{"client", "better-sqlite3"}, {"connection", obj{{"filename", c.SQLitePath}}}}
	if c.PostgresURL != "" {
		db = obj{{"client", "pg"}, {"connection", c.PostgresURL}}
	}
	doc := obj{
		{"backend", obj{
			{"baseUrl", "http://127.0.0.1:" + strconv.Itoa(c.Port)},
			{"listen", obj{{"host", "127.0.0.1"}, {"port", c.Port}}},
			{"database", db},
			{"auth", obj{{"externalAccess", []obj{{
				{"type", "static"},
				{"options", obj{{"token", c.Token}, {"subject", "callboard-bench"}}},
			}}}}},
		}},
		{"catalog", obj{
			{"locations", []obj{{{"type", "file"}, {"target", c.Root}}}},
			{"rules", []obj{{{"allow", allKinds}}}},
			{"processingInterval", obj{{"hours", 24}}},
		}},
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	w := bufio.NewWriter(f)
	err = writeDoc(w, doc)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write config %s: %w", path, err)
	}
	return nil
}
