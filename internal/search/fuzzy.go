package search

import (
	"sort"
	"unicode/utf8"
)

// MaxCorrections bounds the corrections typo tolerance adds per word.
const MaxCorrections = 3

// MaxEdits is how far a correction may be from the word typed: one edit
// (an insertion, deletion, substitution or swap of neighbours) for words
// of up to five letters, two for longer ones.
func MaxEdits(word string) int {
	if utf8.RuneCountInString(word) <= 5 {
		return 1
	}
	return 2
}

// Corrections picks, among candidates (vocabulary words an engine found
// similar), those within MaxEdits of word, closest first, at most
// MaxCorrections; word itself is never one.
func Corrections(word string, candidates []string) []string {
	limit := MaxEdits(word)
	type scored struct {
		w string
		d int
	}
	var keep []scored
	seen := map[string]bool{word: true}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		if d := EditDistance(word, c); d <= limit {
			keep = append(keep, scored{c, d})
		}
	}
	sort.SliceStable(keep, func(i, j int) bool {
		if keep[i].d != keep[j].d {
			return keep[i].d < keep[j].d
		}
		return keep[i].w < keep[j].w
	})
	var out []string
	for _, s := range keep {
		if len(out) == MaxCorrections {
			break
		}
		out = append(out, s.w)
	}
	return out
}

// EditDistance is the optimal string alignment distance between a and b,
// in runes: insertions, deletions, substitutions and swaps of adjacent
// runes count one each.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	// Three rows: the one before the previous is needed for swaps.
	prev2 := make([]int, m+1)
	prev := make([]int, m+1)
	cur := make([]int, m+1)
	for j := 0; j <= m; j++ {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}
