package search

import (
	"fmt"
	"strings"
)

// Synonyms are groups of words or phrases that stand for each other
// (search.synonyms: [[k8s, kubernetes], [ci, "continuous integration"]]):
// a query term equal to one member also matches every other member.
type Synonyms struct {
	groups [][]Phrase
	byKey  map[string]int
}

// NewSynonyms checks and indexes the configured groups. A group needs two
// members; a member must have a letter or digit and may be in one group
// only.
func NewSynonyms(groups [][]string) (*Synonyms, error) {
	s := &Synonyms{byKey: map[string]int{}}
	for i, g := range groups {
		if len(g) < 2 {
			return nil, fmt.Errorf("search.synonyms[%d]: a group needs at least two members", i)
		}
		var members []Phrase
		for j, m := range g {
			words := Words(m)
			if len(words) == 0 {
				return nil, fmt.Errorf("search.synonyms[%d][%d]: %q has no letters or digits", i, j, m)
			}
			key := strings.Join(words, " ")
			if other, ok := s.byKey[key]; ok && other != len(s.groups) {
				return nil, fmt.Errorf("search.synonyms[%d][%d]: %q is already in group %d", i, j, m, other)
			}
			if _, ok := s.byKey[key]; ok {
				continue
			}
			s.byKey[key] = len(s.groups)
			members = append(members, Phrase{Words: words})
		}
		s.groups = append(s.groups, members)
	}
	return s, nil
}

// Expand returns q with each plain term (not a prefix) that equals a
// member of a group also matching the group's other members.
func (s *Synonyms) Expand(q Query) Query {
	if s == nil || len(s.groups) == 0 {
		return q
	}
	terms := make([]Term, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = t
		first := t.Alts[0]
		if first.Prefix {
			continue
		}
		g, ok := s.byKey[strings.Join(first.Words, " ")]
		if !ok {
			continue
		}
		alts := append([]Phrase(nil), t.Alts...)
		for _, m := range s.groups[g] {
			if strings.Join(m.Words, " ") != strings.Join(first.Words, " ") {
				alts = append(alts, m)
			}
		}
		terms[i].Alts = alts
	}
	q.Terms = terms
	return q
}
