package techdocs

import (
	"encoding/json"
	"fmt"
)

// MetadataFile is the site file Backstage's pipeline writes beside
// index.html.
const MetadataFile = "techdocs_metadata.json"

// Metadata is techdocs_metadata.json: written by mkdocs-techdocs-core
// (site_name, site_description) and updated by the build pipeline
// (build_timestamp in Unix milliseconds, files, etag of the source).
type Metadata struct {
	SiteName        string   `json:"site_name"`
	SiteDescription string   `json:"site_description"`
	Etag            string   `json:"etag"`
	BuildTimestamp  int64    `json:"build_timestamp"`
	Files           []string `json:"files,omitempty"`
}

// ParseMetadata decodes techdocs_metadata.json. Backstage reads it with
// JSON5; sites written by MkDocs hold plain JSON, which is what is
// accepted here, with the file named in the error.
func ParseMetadata(b []byte) (*Metadata, error) {
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", MetadataFile, err)
	}
	return &m, nil
}
