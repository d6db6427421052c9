package catalog

import (
	"context"
	"log/slog"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// OrchestratorOptions configures an Orchestrator.
type OrchestratorOptions struct {
	// Processors run in this order in every stage they take part in.
	Processors []plugin.Processor
	// Rules decide which kinds a location may emit; nil applies DefaultRules.
	Rules  *Rules
	Logger *slog.Logger
}

// Orchestrator processes one unprocessed entity at a time through the
// stages of Backstage's DefaultCatalogProcessingOrchestrator: envelope
// check, pre-processing, policies, kind validation, location reading,
// post-processing and the catalog.rules check of what was emitted. It holds
// no per-entity state and is safe for concurrent use.
type Orchestrator struct {
	procs   []plugin.Processor
	pre     []stage[plugin.PreProcessor]
	kinds   []stage[plugin.KindValidator]
	readers []stage[plugin.LocationReader]
	post    []stage[plugin.PostProcessor]
	rules   *Rules
	log     *slog.Logger
	// fp is the fingerprint of everything but an entity's input that
	// processing depends on; "" when results are never reused.
	fp string
	// replayScope is what a file's children depend on besides its bytes
	// and the origin (the build and the rules); "" when files are never
	// replayed.
	replayScope string
}

// stage is a processor taking part in one stage, with its name and its
// index in the processor list (which picks its cache).
type stage[T any] struct {
	name string
	idx  int
	p    T
}

// NewOrchestrator returns an orchestrator running o.Processors.
func NewOrchestrator(o OrchestratorOptions) *Orchestrator {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	orc := &Orchestrator{procs: o.Processors, rules: o.Rules, log: log, fp: fingerprint(o.Processors, o.Rules)}
	if build := buildID(); build != "" {
		orc.replayScope = build + "/" + o.Rules.fingerprint()
	}
	for i, p := range o.Processors {
		name := p.Name()
		if s, ok := p.(plugin.PreProcessor); ok {
			orc.pre = append(orc.pre, stage[plugin.PreProcessor]{name, i, s})
		}
		if s, ok := p.(plugin.KindValidator); ok {
			orc.kinds = append(orc.kinds, stage[plugin.KindValidator]{name, i, s})
		}
		if s, ok := p.(plugin.LocationReader); ok {
			orc.readers = append(orc.readers, stage[plugin.LocationReader]{name, i, s})
		}
		if s, ok := p.(plugin.PostProcessor); ok {
			orc.post = append(orc.post, stage[plugin.PostProcessor]{name, i, s})
		}
	}
	return orc
}

// Process runs every stage over req.Entity. The result is OK only when no
// stage failed and no processor reported an error; otherwise it carries the
// errors and the processor cache state, and the caller keeps what it had.
// The built-in stages and processors do not modify req.Entity.
func (o *Orchestrator) Process(ctx context.Context, req ProcessRequest) ProcessResult {
	r := &run{o: o, cache: newCacheSet(req.State, len(o.procs)), encode: req.EncodeChildren, noReplay: req.NoReplay}
	e, err := o.process(ctx, req.Entity, r)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	if len(r.errs) > 0 {
		return ProcessResult{Errors: serializeErrors(r.errs), State: r.cache.failed()}
	}
	return ProcessResult{
		OK:          true,
		Entity:      e,
		Deferred:    r.deferred,
		Children:    r.children,
		Relations:   r.relations,
		RefreshKeys: r.refreshKeys,
		State:       r.cache.succeeded(),
		Reusable:    o.fp != "" && !r.external,
		Replayed:    r.replayed,
	}
}

// Fingerprint identifies everything besides an entity's own input that
// processing depends on: the build, the processors and their
// configuration, and catalog.rules. It is "" when some processor is not a
// plugin.DeterministicProcessor or the build cannot be identified.
func (o *Orchestrator) Fingerprint() string { return o.fp }

func (o *Orchestrator) process(ctx context.Context, data map[string]any, r *run) (*entity.Entity, error) {
	if err := entity.ValidateEnvelope(data); err != nil {
		return nil, problem.Input("Entity envelope failed validation before processing").WithCause(err)
	}
	r.ref = mapRef(data)
	var err error
	if r.loc, r.origin, err = entityLocations(data, r.ref); err != nil {
		return nil, err
	}

	for _, s := range o.pre {
		out, err := s.p.PreProcessEntity(ctx, data, r.loc, r, r.cache.forProcessor(s.idx, s.name))
		if err != nil {
			return nil, problem.Input("Processor %s threw an error while preprocessing", s.name).WithCause(err)
		}
		if out != nil {
			data = out
		}
	}

	e, err := entity.EnforcePolicies(data)
	if err != nil {
		return nil, problem.Input("Policy check failed for %s", mapRef(data)).WithCause(err)
	}

	if e.Ref().String() != r.ref {
		return nil, problem.Conflict("Fatal: The entity kind, namespace, or name changed during processing")
	}
	if err := o.validateKind(e, r.ref); err != nil {
		return nil, err
	}

	if strings.EqualFold(e.Kind, "Location") {
		if err := o.readLocation(ctx, e, r); err != nil {
			return nil, err
		}
	}

	for _, s := range o.post {
		if err := s.p.PostProcessEntity(ctx, e, r.loc, r, r.cache.forProcessor(s.idx, s.name)); err != nil {
			return nil, problem.Input("Processor %s threw an error while postprocessing", s.name).WithCause(err)
		}
	}

	for _, d := range r.deferred {
		if !o.rules.IsAllowed(d.Entity, r.origin) {
			return nil, problem.NotAllowed("Entity %s at %s, originated at %s, is not of an allowed kind for that location",
				mapRef(d.Entity), r.loc, r.origin)
		}
	}
	return e, nil
}

func (o *Orchestrator) validateKind(e *entity.Entity, ref string) error {
	for _, s := range o.kinds {
		ok, err := s.p.ValidateEntityKind(e)
		if err != nil {
			return problem.Input("Processor %s threw an error while validating the entity %s", s.name, ref).WithCause(err)
		}
		if ok {
			return nil
		}
	}
	return problem.Input("No processor recognized the entity %s as valid, possibly caused by a foreign kind or apiVersion", ref)
}

// entityLocations reads the managed-by-location and
// managed-by-origin-location annotations, which every entity must have.
func entityLocations(data map[string]any, ref string) (loc, origin plugin.Location, err error) {
	meta, _ := data["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	locRef, _ := ann[entity.AnnotationManagedByLocation].(string)
	if locRef == "" {
		return loc, origin, problem.Input("Entity '%s' is missing location", ref)
	}
	originRef, _ := ann[entity.AnnotationManagedByOriginLocation].(string)
	if originRef == "" {
		return loc, origin, problem.Input("Entity '%s' is missing origin location", ref)
	}
	if loc, err = parseLocationRef(locRef); err != nil {
		return loc, origin, problem.Input("Entity '%s' has an invalid location", ref).WithCause(err)
	}
	if origin, err = parseLocationRef(originRef); err != nil {
		return loc, origin, problem.Input("Entity '%s' has an invalid origin location", ref).WithCause(err)
	}
	return loc, origin, nil
}

func parseLocationRef(s string) (plugin.Location, error) {
	typ, target, err := entity.ParseLocationRef(s)
	if err != nil {
		return plugin.Location{}, err
	}
	return plugin.Location{Type: typ, Target: target}, nil
}

// mapRef returns the canonical ref of an entity still in map form.
func mapRef(data map[string]any) string {
	kind, _ := data["kind"].(string)
	meta, _ := data["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	name, _ := meta["name"].(string)
	return entity.Ref{Kind: kind, Namespace: ns, Name: name}.String()
}
