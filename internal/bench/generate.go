package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/callboard/callboard/entity"
)

// MinEntities is the smallest organisation Generate writes: one entity of
// each kind and a few components.
const MinEntities = 10

// RootFile is the name of the root Location file Generate writes in dir.
const RootFile = "catalog-info.yaml"

// Summary describes a generated organisation and carries what the query
// phase of a benchmark needs.
type Summary struct {
	// Root is the absolute path of the root Location file.
	Root string
	// Files is the number of entity files the root Location lists.
	Files int
	// Counts holds the entities per kind, the root Location included.
	Counts map[string]int
	// Total is the number of entities written, the root Location included.
	Total int
	// Names are entities to look up by name, spread over every kind.
	Names []entity.Ref
	// Refs are 20 canonical entity refs for a by-refs request.
	Refs []string
	// FullTextTerms are fragments of component names, each matching a few
	// percent of the components.
	FullTextTerms []string
}

// Generate writes a synthetic organisation of about n entities into dir as
// multi-document YAML files plus RootFile, a Location listing them with
// relative targets. The output depends only on n and seed. Every reference
// between entities (owners, systems, domains, parents, members, APIs,
// dependencies) points at an entity it writes.
func Generate(dir string, n int, seed int64) (Summary, error) {
	return generate(dir, n, seed, nil)
}

// generate is Generate with a hook that sees every document written, by
// the path of its file relative to dir; tests use it to check entities
// without parsing YAML.
func generate(dir string, n int, seed int64, onDoc func(rel string, doc obj)) (Summary, error) {
	if n < MinEntities {
		return Summary{}, fmt.Errorf("generate: n must be at least %d, got %d", MinEntities, n)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	o := planOrg(rng, n)
	w := &catalogWriter{dir: abs, rng: rng, onDoc: onDoc}
	sections := []struct {
		dir, prefix string
		count       int
		build       func(i int) obj
	}{
		{"org", "groups", len(o.groups), o.group},
		{"org", "users", len(o.users), o.user},
		{"domains", "domains", len(o.domains), o.domain},
		{"systems", "systems", len(o.systems), o.system},
		{"resources", "resources", len(o.resources), o.resource},
		{"apis", "apis", len(o.apis), o.api},
		{"components", "components", len(o.components), o.component},
	}
	for _, s := range sections {
		if err := w.section(s.dir, s.prefix, s.count, s.build); err != nil {
			return Summary{}, err
		}
	}
	if err := w.root(); err != nil {
		return Summary{}, err
	}
	sum := Summary{
		Root:  filepath.Join(abs, RootFile),
		Files: len(w.targets),
		Counts: map[string]int{
			"Domain": len(o.domains), "System": len(o.systems), "Component": len(o.components),
			"API": len(o.apis), "Resource": len(o.resources), "Group": len(o.groups),
			"User": len(o.users), "Location": 1,
		},
	}
	for _, c := range sum.Counts {
		sum.Total += c
	}
	o.sample(rng, &sum)
	return sum, nil
}

// catalogWriter writes the entity files and remembers their relative paths
// for the root Location.
type catalogWriter struct {
	dir     string
	rng     *rand.Rand
	onDoc   func(rel string, doc obj)
	targets []string
}

// section writes count entities built by build into files of 50 to 200
// entities named <dir>/<prefix>-NNNN.yaml.
func (w *catalogWriter) section(dir, prefix string, count int, build func(i int) obj) error {
	if err := os.MkdirAll(filepath.Join(w.dir, dir), 0o755); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	for start, file := 0, 1; start < count; file++ {
		end := min(start+50+w.rng.IntN(151), count)
		rel := fmt.Sprintf("%s/%s-%04d.yaml", dir, prefix, file)
		docs := make([]obj, 0, end-start)
		for i := start; i < end; i++ {
			d := build(i)
			if w.onDoc != nil {
				w.onDoc(rel, d)
			}
			docs = append(docs, d)
		}
		if err := writeFile(filepath.Join(w.dir, filepath.FromSlash(rel)), docs); err != nil {
			return err
		}
		w.targets = append(w.targets, "./"+rel)
		start = end
	}
	return nil
}

func (w *catalogWriter) root() error {
	loc := obj{
		{"apiVersion", "backstage.io/v1alpha1"},
		{"kind", "Location"},
		{"metadata", obj{
			{"name", "bench-organisation"},
			{"description", "Every file of the synthetic benchmark organisation."},
		}},
		{"spec", obj{{"type", "file"}, {"targets", w.targets}}},
	}
	if w.onDoc != nil {
		w.onDoc(RootFile, loc)
	}
	return writeFile(filepath.Join(w.dir, RootFile), []obj{loc})
}

func writeFile(path string, docs []obj) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	for _, d := range docs {
		if err := writeDoc(bw, d); err != nil {
			f.Close()
			return fmt.Errorf("generate %s: %w", path, err)
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("generate %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("generate %s: %w", path, err)
	}
	return nil
}
