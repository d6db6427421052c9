package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/techdocs"
	sitebuild "github.com/callboard/callboard/internal/techdocs/build"
	"github.com/callboard/callboard/internal/techdocs/markdown"
	"github.com/callboard/callboard/internal/web"
)

// techdocsConfig is the techdocs section, with Backstage's keys.
type techdocsConfig struct {
	// Builder is local (build in the background, the default) or
	// external (CI publishes with callboard techdocs publish).
	Builder   string `config:"builder,oneof=local|external"`
	Publisher struct {
		Type  string `config:"type,oneof=local|awsS3"`
		Local struct {
			PublishDirectory string `config:"publishDirectory"`
		} `config:"local"`
		AwsS3 struct {
			BucketName       string `config:"bucketName"`
			BucketRootPath   string `config:"bucketRootPath"`
			Region           string `config:"region"`
			Endpoint         string `config:"endpoint"`
			S3ForcePathStyle bool   `config:"s3ForcePathStyle"`
			SSE              string `config:"sse"`
			HTTPSProxy       string `config:"httpsProxy"`
			Credentials      struct {
				AccessKeyID     string `config:"accessKeyId"`
				SecretAccessKey string `config:"secretAccessKey"`
				RoleArn         string `config:"roleArn"`
			} `config:"credentials"`
		} `config:"awsS3"`
	} `config:"publisher"`
	Cache struct {
		// TTL bounds how long a read from S3 is reused (milliseconds, or
		// any duration form).
		TTL time.Duration `config:"ttl"`
	} `config:"cache"`
	Mermaid struct {
		ScriptURL string `config:"scriptUrl"`
	} `config:"mermaid"`
	LegacyUseCaseSensitiveTripletPaths bool `config:"legacyUseCaseSensitiveTripletPaths"`
}

// defaultPublishDirectory is where the local publisher keeps sites when
// techdocs.publisher.local.publishDirectory is not set: the system's
// temporary folder, as Backstage falls back to. The local builder builds
// them again after a reboot.
func defaultPublishDirectory() string { return filepath.Join(os.TempDir(), "callboard-techdocs") }

// techdocsParts is TechDocs as built from configuration.
type techdocsParts struct {
	service *techdocs.Service
	builder *techdocs.Builder
	mermaid string
}

// newTechDocs builds the publisher from techdocs.publisher (with a read
// cache in front of S3) and, with techdocs.builder local, the background
// builder, which lists entities with docs through query, reads url
// sources through urls and renders dot fences with dot.
func newTechDocs(cfg *config.Config, log *slog.Logger, query *catalog.Query, urls builtin.URLReader, dot markdown.DotRenderer,
	published *sitesPublished, firstLoad func() bool) (*techdocsParts, error) {
	var tc techdocsConfig
	if err := cfg.Decode("techdocs", &tc); err != nil {
		return nil, err
	}
	if s := tc.Mermaid.ScriptURL; s != "" {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && !(u.Scheme == "" && strings.HasPrefix(s, "/"))) {
			return nil, fmt.Errorf("techdocs.mermaid.scriptUrl %q must be an https URL or a path on this site", s)
		}
	}
	bucket, local, err := techdocsBucket(tc)
	if err != nil {
		return nil, err
	}
	bucket = published.watch(bucket) // search indexes each site as it is published
	pub := techdocs.NewPublisher(bucket, techdocs.PublisherOptions{LegacyCase: tc.LegacyUseCaseSensitiveTripletPaths})
	parts := &techdocsParts{mermaid: tc.Mermaid.ScriptURL}
	if tc.Builder != "external" {
		var workdir string
		if err := cfg.Decode("backend.workingDirectory", &workdir); err != nil {
			return nil, err
		}
		var trees techdocs.TreeReader
		if s, ok := urls.(builtin.URLSearcher); ok {
			trees = treeReader{s}
		}
		parts.builder, err = techdocs.NewBuilder(techdocs.BuilderOptions{
			Catalog:   docsEntities{query},
			Publisher: pub,
			Generate:  generator(tc.Mermaid.ScriptURL, dot),
			URLReader: trees,
			TempDir:   workdir,
			Hold:      firstLoad,
			Logger:    log.With("component", "techdocs-builder"),
		})
		if err != nil {
			return nil, err
		}
	}
	parts.service = techdocs.NewService(pub, parts.builder, local)
	return parts, nil
}

// techdocsBucket opens the configured publisher's bucket; local reports
// whether it is the local directory.
func techdocsBucket(tc techdocsConfig) (blob.Bucket, bool, error) {
	switch tc.Publisher.Type {
	case "", "local":
		dir := tc.Publisher.Local.PublishDirectory
		if dir == "" {
			dir = defaultPublishDirectory()
		}
		d, err := blob.NewDir(dir)
		if err != nil {
			return nil, false, fmt.Errorf("techdocs.publisher.local.publishDirectory: %w", err)
		}
		return d, true, nil
	default: // awsS3
		s3 := tc.Publisher.AwsS3
		if s3.BucketName == "" {
			return nil, false, errors.New("techdocs.publisher.awsS3.bucketName is required")
		}
		if s3.Credentials.RoleArn != "" {
			return nil, false, errors.New("techdocs.publisher.awsS3.credentials.roleArn is not supported: give the role to the instance or task (its credentials are used when no keys are set), or set accessKeyId and secretAccessKey")
		}
		var transport http.RoundTripper
		if s3.HTTPSProxy != "" {
			proxy, err := url.Parse(s3.HTTPSProxy)
			if err != nil || proxy.Host == "" {
				return nil, false, fmt.Errorf("techdocs.publisher.awsS3.httpsProxy %q is not a URL", s3.HTTPSProxy)
			}
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.Proxy = http.ProxyURL(proxy)
			transport = t
		}
		b, err := blob.NewS3(blob.S3Options{
			Bucket:          s3.BucketName,
			RootPath:        s3.BucketRootPath,
			Region:          s3.Region,
			Endpoint:        s3.Endpoint,
			ForcePathStyle:  s3.S3ForcePathStyle,
			AccessKeyID:     s3.Credentials.AccessKeyID,
			SecretAccessKey: s3.Credentials.SecretAccessKey,
			SSE:             s3.SSE,
			Transport:       transport,
		})
		if err != nil {
			return nil, false, fmt.Errorf("techdocs.publisher.awsS3: %w", err)
		}
		return techdocs.NewCache(b, 0, tc.Cache.TTL), false, nil
	}
}

// generator adapts the site builder to the background builder.
func generator(mermaid string, dot markdown.DotRenderer) techdocs.Generator {
	return func(ctx context.Context, src, out string, o techdocs.GenerateOptions) error {
		_, err := sitebuild.Build(ctx, src, out, sitebuild.Options{
			SiteName: o.SiteName,
			RepoURL:  o.RepoURL,
			EditURI:  o.EditURI,
			Etag:     o.Etag,
			Mermaid:  mermaid,
			Dot:      dot,
			Logger:   o.Logger,
		})
		return err
	}
}

// docsPages are the docs index, reader and tab in the portal's layout.
func (a *App) docsPages(readerFor func(context.Context) (web.CatalogReader, error), o Options, title string) *web.Docs {
	return web.NewDocs(web.DocsOptions{
		Docs:          a.techdocs.service,
		Catalog:       a.query,
		ReaderFor:     readerFor,
		MermaidScript: a.techdocs.mermaid,
		Logger:        a.log.With("component", "web"),
		Dev:           o.Dev,
		DevDir:        o.WebDir,
		Title:         title,
	})
}

// startTechDocs runs the background builder, if there is one, until ctx
// ends; the function it returns waits for the builder to stop.
func (a *App) startTechDocs(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	b := a.techdocs.builder
	if b == nil {
		close(done)
	} else {
		go func() {
			defer close(done)
			_ = b.Run(ctx)
		}()
	}
	return func() { <-done }
}

// TechDocs is the docs service: published sites and the builder.
func (a *App) TechDocs() *techdocs.Service { return a.techdocs.service }

// docsEntities lists the entities with docs for the builder, through the
// whole catalog (the builder acts for nobody in particular), a page at a
// time, reading only their kind and metadata.
type docsEntities struct{ q *catalog.Query }

var _ techdocs.EntityLister = docsEntities{}

// docsPage is how many entities one read of docsEntities asks for.
const docsPage = 500

func (d docsEntities) EntitiesWithDocs(ctx context.Context, fn func(*entity.Entity) error) error {
	filter, err := catalog.ParseFilterParams([]string{"metadata.annotations." + entity.AnnotationTechDocsRef})
	if err != nil {
		return err
	}
	limit := docsPage
	fields := []string{"kind", "metadata"}
	req := catalog.QueryRequest{Filter: filter, Limit: &limit, Fields: fields, SkipTotal: true}
	for {
		res, err := d.q.QueryEntities(ctx, req)
		if err != nil {
			return err
		}
		for _, raw := range res.Items {
			var e entity.Entity
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("decode entity: %w", err)
			}
			if err := fn(&e); err != nil {
				return err
			}
		}
		if res.NextCursor == "" {
			return nil
		}
		req = catalog.QueryRequest{Cursor: res.NextCursor, Limit: &limit, Fields: fields, SkipTotal: true}
	}
}
