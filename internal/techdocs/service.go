package techdocs

import (
	"context"
	"io"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
)

// Service is TechDocs as the REST API and the portal's pages use it: the
// published sites, and the builder when techdocs.builder is local.
type Service struct {
	pub   *Publisher
	sites *Sites
	// builder is nil when sites are built elsewhere (builder: external).
	builder *Builder
	// redirectCase: the local publisher answers a mixed-case triplet with
	// a redirect to the lower-case one; remote ones serve it.
	redirectCase bool
}

// NewService serves the sites in pub. builder may be nil; redirectCase is
// true for the local publisher.
func NewService(pub *Publisher, builder *Builder, redirectCase bool) *Service {
	return &Service{pub: pub, sites: NewSites(pub), builder: builder, redirectCase: redirectCase && !pub.LegacyCase()}
}

// Publisher is where the sites are.
func (s *Service) Publisher() *Publisher { return s.pub }

// Sites reads pages and search indexes.
func (s *Service) Sites() *Sites { return s.sites }

// Builder is the background builder, nil when sites are built elsewhere.
func (s *Service) Builder() *Builder { return s.builder }

// RedirectMixedCase reports whether a mixed-case triplet in a static
// path is answered with a redirect to the lower-case path.
func (s *Service) RedirectMixedCase() bool { return s.redirectCase }

// Open reads a file of ref's site.
func (s *Service) Open(ctx context.Context, ref entity.Ref, file string) (io.ReadCloser, blob.Info, error) {
	return s.pub.Open(ctx, ref, file)
}

// MetadataRaw reads ref's techdocs_metadata.json.
func (s *Service) MetadataRaw(ctx context.Context, ref entity.Ref) ([]byte, error) {
	return s.pub.MetadataRaw(ctx, ref)
}

// Sync checks e's docs for an update as the sync endpoint does. Without
// a builder (sites built elsewhere) there is nothing to do.
func (s *Service) Sync(ctx context.Context, e *entity.Entity, logf func(string)) (bool, error) {
	if s.builder == nil {
		return false, nil
	}
	return s.builder.Sync(ctx, e, logf)
}

// Status is e's build state; zero without a builder.
func (s *Service) Status(ref entity.Ref) Status {
	if s.builder == nil {
		return Status{}
	}
	return s.builder.Status(ref)
}

// Request asks the builder to check e soon, without waiting.
func (s *Service) Request(e *entity.Entity) {
	if s.builder != nil {
		s.builder.Request(e)
	}
}

// Page reads one page of ref's site for the portal (Sites.Page).
func (s *Service) Page(ctx context.Context, ref entity.Ref, file, base string) (*Page, error) {
	return s.sites.Page(ctx, ref, file, base)
}

// Search queries ref's site (Sites.Search).
func (s *Service) Search(ctx context.Context, ref entity.Ref, q string, limit int) ([]SearchHit, error) {
	return s.sites.Search(ctx, ref, q, limit)
}

// Metadata reads ref's techdocs_metadata.json.
func (s *Service) Metadata(ctx context.Context, ref entity.Ref) (*Metadata, error) {
	return s.pub.Metadata(ctx, ref)
}
