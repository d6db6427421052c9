package builtin

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/bench"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

const typicalComponent = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-service
  title: Payments Service
  description: Takes payments for tickets and refunds cancelled trips.
  tags: [java, payments, grpc]
  links:
    - url: https://dashboards.example.com/payments
      title: Dashboard
      icon: dashboard
  annotations:
    github.com/project-slug: example/payments-service
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: team-payments
  system: ticketing
  providesApis: [payments-api]
  consumesApis: [ledger-api, customers-api]
  dependsOn: [resource:payments-db, component:fraud-check]
`

// BenchmarkParseAndProcess measures what a cold start costs per entity:
// parsing a catalog file's document and processing the Component with the
// built-in processors (placeholders, policies, kind validation, relations).
func BenchmarkParseAndProcess(b *testing.B) {
	o := newOrchestrator(&testing.T{}, Options{})
	loc := plugin.Location{Type: "file", Target: "/srv/catalog/payments/catalog-info.yaml"}
	data := []byte(typicalComponent)
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		ents, errs := catalog.ParseEntityYAML(data, loc)
		if len(errs) > 0 || len(ents) != 1 {
			b.Fatalf("parse: %v", errs)
		}
		e := ents[0].Data
		ann := e["metadata"].(map[string]any)["annotations"].(map[string]any)
		ann[entity.AnnotationManagedByLocation] = loc.String()
		ann[entity.AnnotationManagedByOriginLocation] = "file:/srv/catalog/all.yaml"
		res := o.Process(ctx, catalog.ProcessRequest{Entity: e})
		if !res.OK {
			b.Fatalf("process: %v", res.Errors)
		}
	}
}

// BenchmarkProcess measures processing alone.
func BenchmarkProcess(b *testing.B) {
	o := newOrchestrator(&testing.T{}, Options{})
	loc := plugin.Location{Type: "file", Target: "/srv/catalog/payments/catalog-info.yaml"}
	ents, _ := catalog.ParseEntityYAML([]byte(typicalComponent), loc)
	e := ents[0].Data
	ann := e["metadata"].(map[string]any)["annotations"].(map[string]any)
	ann[entity.AnnotationManagedByLocation] = loc.String()
	ann[entity.AnnotationManagedByOriginLocation] = "file:/srv/catalog/all.yaml"
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if res := o.Process(ctx, catalog.ProcessRequest{Entity: e}); !res.OK {
			b.Fatalf("process: %v", res.Errors)
		}
	}
}

// BenchmarkParse measures parsing alone.
func BenchmarkParse(b *testing.B) {
	loc := plugin.Location{Type: "file", Target: "/srv/catalog/payments/catalog-info.yaml"}
	data := []byte(typicalComponent)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if ents, _ := catalog.ParseEntityYAML(data, loc); len(ents) != 1 {
			b.Fatal("parse failed")
		}
	}
}

// reportCPU adds the process CPU time per operation to the results: on a
// shared machine wall-clock time says more about the neighbours than about
// the code. Call as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParseMultiDocument parses a file of 100 Components, as catalog
// generators write them; per document cost is b's time divided by 100.
func BenchmarkParseMultiDocument(b *testing.B) {
	loc := plugin.Location{Type: "file", Target: "/srv/catalog/all-components.yaml"}
	var data []byte
	for i := 0; i < 100; i++ {
		data = append(data, "---\n"+typicalComponent...)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if ents, _ := catalog.ParseEntityYAML(data, loc); len(ents) != 100 {
			b.Fatal("parse failed")
		}
	}
}

// fileRoot is a Location entity whose target is the file root.
func fileRoot(root string) map[string]any {
	loc := locationEntity("file", root)
	loc["spec"] = map[string]any{"target": root}
	return loc
}

// fileOrganisation generates an organisation of 10,000 entities and
// returns an orchestrator and the organisation's Location, read from the
// files' root.
func fileOrganisation(b *testing.B) (*catalog.Orchestrator, map[string]any, bench.Summary) {
	b.Helper()
	sum, err := bench.Generate(b.TempDir(), 10_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	o := newOrchestrator(&testing.T{}, Options{})
	return o, organisation(b, o, fileRoot(sum.Root)), sum
}

// organisation processes the root Location of a generated organisation and
// returns the one child it emits, the organisation's own Location.
func organisation(b *testing.B, o *catalog.Orchestrator, root map[string]any) map[string]any {
	b.Helper()
	res := o.Process(context.Background(), catalog.ProcessRequest{Entity: root, EncodeChildren: true})
	if !res.OK || len(res.Children) != 1 {
		b.Fatalf("root: OK=%v %v", res.OK, res.Errors)
	}
	var org map[string]any
	if err := json.Unmarshal([]byte(res.Children[0].JSON), &org); err != nil {
		b.Fatal(err)
	}
	return org
}

// BenchmarkReadOrganisation processes the Location of a generated
// organisation of 10,000 entities in 80 files, as the first step of a
// cold start does: its files are read and parsed and their entities
// emitted, encoded as the engine stores them.
func BenchmarkReadOrganisation(b *testing.B) {
	o, org, sum := fileOrganisation(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		res := o.Process(ctx, catalog.ProcessRequest{Entity: org, EncodeChildren: true})
		if !res.OK || len(res.Children) != sum.Total-1 { // the organisation's Location counts too
			b.Fatalf("organisation: OK=%v, %d entities, %v", res.OK, len(res.Children), res.Errors)
		}
	}
}

// BenchmarkReplayOrganisation processes the Location of the generated
// organisation again with the cache of its last read, as a second pass
// over unchanged files does: the files are read and hashed, not parsed.
func BenchmarkReplayOrganisation(b *testing.B) {
	o, org, sum := fileOrganisation(b)
	ctx := context.Background()
	first := o.Process(ctx, catalog.ProcessRequest{Entity: org, EncodeChildren: true})
	b.ReportMetric(float64(len(first.State)), "state-bytes")
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		res := o.Process(ctx, catalog.ProcessRequest{Entity: org, State: first.State, EncodeChildren: true})
		if !res.OK || !res.Replayed || len(res.Children) != sum.Total-1 {
			b.Fatalf("organisation: OK=%v, replayed %v, %d entities, %v", res.OK, res.Replayed, len(res.Children), res.Errors)
		}
	}
}

// dirURLs serves the files of a folder at https://files.example.com/,
// each with an ETag of its size, answering 304 when the ETag is sent.
type dirURLs struct{ dir string }

func (d dirURLs) Read(_ context.Context, url, etag string) ([]byte, string, bool, error) {
	body, err := os.ReadFile(filepath.Join(d.dir, strings.TrimPrefix(url, "https://files.example.com/")))
	if err != nil {
		return nil, "", false, err
	}
	tag := fmt.Sprintf(`"%d"`, len(body))
	if etag == tag {
		return nil, tag, true, nil
	}
	return body, tag, false, nil
}

// BenchmarkReplayOrganisationURL processes the generated organisation's
// Location when it is a url location whose files all answer 304.
func BenchmarkReplayOrganisationURL(b *testing.B) {
	dir := b.TempDir()
	sum, err := bench.Generate(dir, 10_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	rel, err := filepath.Rel(dir, sum.Root)
	if err != nil {
		b.Fatal(err)
	}
	o := newOrchestrator(&testing.T{}, Options{URLReader: dirURLs{dir}})
	org := organisation(b, o, locationEntity("url", "https://files.example.com/"+filepath.ToSlash(rel)))
	ctx := context.Background()
	org["spec"].(map[string]any)["type"] = "url" // its targets are relative to its own URL
	first := o.Process(ctx, catalog.ProcessRequest{Entity: org, EncodeChildren: true})
	if !first.OK {
		b.Fatalf("organisation: %v", first.Errors)
	}
	for _, noReplay := range []bool{false, true} {
		b.Run(fmt.Sprintf("noReplay=%v", noReplay), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				res := o.Process(ctx, catalog.ProcessRequest{Entity: org, State: first.State, EncodeChildren: true, NoReplay: noReplay})
				if !res.OK || res.Replayed == noReplay || len(res.Children) != sum.Total-1 {
					b.Fatalf("organisation: OK=%v, replayed %v, %d entities, %v", res.OK, res.Replayed, len(res.Children), res.Errors)
				}
			}
		})
	}
}
