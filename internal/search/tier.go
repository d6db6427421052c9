package search

// MatchTier returns the ranking tier of a document for q: the smallest k
// such that every term of q that must match does so within fields[0..k]
// (a phrase within one field), fields given by weight, highest first;
// len(fields) when they do not hold every term (the words match in
// text beyond them). Engines that fetch a small set of matches rank it
// with MatchTier rather than asking the index once per tier.
func MatchTier(q Query, fields ...string) int {
	words := make([][]string, len(fields))
	for i, f := range fields {
		words[i] = Words(f)
	}
	met := make([]bool, len(q.Terms))
	for k := range fields {
		all := true
		for i, t := range q.Terms {
			if t.Exclude || met[i] {
				continue
			}
			if termIn(t, words[k]) {
				met[i] = true
			} else {
				all = false
			}
		}
		if all {
			return k
		}
	}
	return len(fields)
}

// termIn reports whether one of the term's alternatives occurs in words.
func termIn(t Term, words []string) bool {
	for _, p := range t.Alts {
		if phraseIn(p, words) {
			return true
		}
	}
	return false
}

func phraseIn(p Phrase, words []string) bool {
	n := len(p.Words)
	for i := 0; i+n <= len(words); i++ {
		ok := true
		for j, w := range p.Words {
			got := words[i+j]
			if p.Prefix && j == n-1 {
				if len(got) < len(w) || got[:len(w)] != w {
					ok = false
				}
			} else if got != w {
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
