package builtin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// file is what the test server answers for one path.
type file struct {
	body   string
	etag   string
	status int // 200 when 0
}

// fileServer serves files by path, answers If-None-Match with 304 and
// counts requests.
type fileServer struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string]file
	requests map[string]int
	inm      []string // If-None-Match headers received
}

func newFileServer(t *testing.T, files map[string]file) *fileServer {
	fs := &fileServer{files: files, requests: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.requests[r.URL.Path]++
		if v := r.Header.Get("If-None-Match"); v != "" {
			fs.inm = append(fs.inm, v)
		}
		f, ok := fs.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if f.etag != "" {
			w.Header().Set("ETag", f.etag)
			if r.Header.Get("If-None-Match") == f.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		if f.status != 0 {
			w.WriteHeader(f.status)
		}
		w.Write([]byte(f.body))
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) set(path string, f file) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.files[path] = f
}

func (fs *fileServer) count(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[path]
}

// allowServer returns the allow rule for the test server's host and port.
func allowServer(fs *fileServer) AllowRule {
	u, _ := url.Parse(fs.URL)
	return AllowRule{Host: u.Host}
}

var allKinds = []catalog.Rule{{Allow: []catalog.RuleKind{
	{Kind: "Component"}, {Kind: "API"}, {Kind: "Location"}, {Kind: "System"}, {Kind: "Domain"},
	{Kind: "Resource"}, {Kind: "Group"}, {Kind: "User"}, {Kind: "Template"}, {Kind: "AiResource"},
}}}

func newOrchestrator(t *testing.T, o Options) *catalog.Orchestrator {
	t.Helper()
	rules, err := catalog.NewRules(allKinds, nil)
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewOrchestrator(catalog.OrchestratorOptions{Processors: Processors(o), Rules: rules})
}

// locationEntity is the Location entity the engine makes for a registered
// location.
func locationEntity(typ, target string) map[string]any {
	ref := typ + ":" + target
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Location",
		"metadata": map[string]any{
			"name":      "generated-root",
			"namespace": "default",
			"annotations": map[string]any{
				entity.AnnotationManagedByLocation:       ref,
				entity.AnnotationManagedByOriginLocation: ref,
			},
		},
		"spec": map[string]any{"type": typ, "target": target},
	}
}

// componentAt is a Component as emitted from a file at locRef.
func componentAt(locRef string, spec map[string]any, annotations map[string]any) map[string]any {
	ann := map[string]any{
		entity.AnnotationManagedByLocation:       locRef,
		entity.AnnotationManagedByOriginLocation: locRef,
	}
	for k, v := range annotations {
		ann[k] = v
	}
	if spec == nil {
		spec = map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"}
	}
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata":   map[string]any{"name": "c", "annotations": ann},
		"spec":       spec,
	}
}

func errorTexts(errs []entity.SerializedError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Name+": "+e.Message)
	}
	return out
}

func deferredRefs(res catalog.ProcessResult) []string {
	var out []string
	for _, d := range res.Deferred {
		meta := d.Entity["metadata"].(map[string]any)
		out = append(out, d.Entity["kind"].(string)+":"+meta["name"].(string)+"@"+d.LocationKey)
	}
	return out
}

type recordingRegistrar struct {
	procs []plugin.Processor
}

func (r *recordingRegistrar) Logger() *slog.Logger                    { return slog.New(slog.DiscardHandler) }
func (r *recordingRegistrar) DecodeConfig(any) error                  { return nil }
func (r *recordingRegistrar) AddEntityProvider(plugin.EntityProvider) {}
func (r *recordingRegistrar) AddProcessor(p plugin.Processor)         { r.procs = append(r.procs, p) }
func (r *recordingRegistrar) AddEntityCard(plugin.EntityCard)         {}
func (r *recordingRegistrar) AddEntityTab(plugin.EntityTab)           {}
func (r *recordingRegistrar) AddAction(plugin.Action)                 {}

func TestPluginRegistersInBackstageOrder(t *testing.T) {
	p := New(Options{})
	if p.ID() != "catalog-builtin" {
		t.Errorf("ID = %q", p.ID())
	}
	var r recordingRegistrar
	if err := p.Register(&r); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, proc := range r.procs {
		names = append(names, proc.Name())
	}
	want := []string{"PlaceholderProcessor", "BuiltinKindsEntityProcessor", "FileReaderProcessor", "UrlReaderProcessor", "AnnotateLocationEntityProcessor"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("processors (-want +got):\n%s", diff)
	}
	err := New(Options{ReadingAllow: []AllowRule{{Host: "example.com:99999"}}}).Register(&r)
	if err == nil || !strings.Contains(err.Error(), "invalid port") {
		t.Errorf("invalid reading.allow: err = %v", err)
	}
}

func process(t *testing.T, o *catalog.Orchestrator, data map[string]any, state []byte) catalog.ProcessResult {
	t.Helper()
	return o.Process(context.Background(), catalog.ProcessRequest{Entity: data, State: state})
}
