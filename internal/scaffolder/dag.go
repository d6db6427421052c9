package scaffolder

import (
	"fmt"
	"strings"
)

// stepAncestors returns, for each step id, the steps it needs directly or
// through others, and the mistakes in "needs": unknown steps, a step
// needing itself, cycles. Steps after a duplicated id are left out (the
// duplicate is reported elsewhere).
func stepAncestors(steps []Step) (map[string]map[string]bool, []*TemplateError) {
	byID := map[string]Step{}
	for _, s := range steps {
		if _, dup := byID[s.ID]; !dup {
			byID[s.ID] = s
		}
	}
	var errs []*TemplateError
	for _, s := range steps {
		if byID[s.ID].Index != s.Index {
			continue // a duplicated id, reported elsewhere
		}
		for i, n := range s.Needs {
			switch _, ok := byID[n]; {
			case n == s.ID:
				errs = append(errs, &TemplateError{Step: s.ID, StepIndex: s.Index, Field: fmt.Sprintf("needs[%d]", i), Message: "a step cannot need itself"})
			case !ok:
				errs = append(errs, &TemplateError{Step: s.ID, StepIndex: s.Index, Field: fmt.Sprintf("needs[%d]", i), Message: fmt.Sprintf("needs step '%s', which does not exist", n)})
			}
		}
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	anc := map[string]map[string]bool{}
	reported := map[string]bool{}
	var visit func(id string, path []string)
	visit = func(id string, path []string) {
		switch state[id] {
		case done:
			return
		case visiting:
			start := 0
			for i, p := range path {
				if p == id {
					start = i
				}
			}
			cycle := append(append([]string{}, path[start:]...), id)
			s := byID[id]
			if !reported[id] {
				for _, c := range cycle {
					reported[c] = true
				}
				errs = append(errs, &TemplateError{Step: s.ID, StepIndex: s.Index, Field: "needs", Message: "needs form a cycle: " + strings.Join(cycle, " → ")})
			}
			return
		}
		state[id] = visiting
		set := map[string]bool{}
		for _, n := range byID[id].Needs {
			if _, ok := byID[n]; !ok || n == id {
				continue
			}
			visit(n, append(path, id))
			set[n] = true
			for a := range anc[n] {
				set[a] = true
			}
		}
		anc[id] = set
		state[id] = done
	}
	for _, s := range steps {
		visit(s.ID, nil)
	}
	return anc, errs
}
