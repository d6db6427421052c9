package sqlsearch

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
)

func TestSuggestions(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		adds  [][]int64
		want  []int64
		full  bool
	}{
		{"in order, each once", 5, [][]int64{{3, 1}, {1, 4, 3}}, []int64{3, 1, 4}, false},
		{"up to the limit", 2, [][]int64{{3}, {1, 4}}, []int64{3, 1}, true},
		{"none found", 2, [][]int64{nil}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSuggestions(tt.limit)
			for _, ids := range tt.adds {
				s.Add(ids)
			}
			if diff := cmp.Diff(tt.want, s.IDs()); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if s.Len() != len(tt.want) || s.Full() != tt.full {
				t.Errorf("Len %d, Full %v; want %d, %v", s.Len(), s.Full(), len(tt.want), tt.full)
			}
		})
	}
}

func TestPrefixQuery(t *testing.T) {
	word := func(w string, prefix bool) search.Term {
		return search.Term{Alts: []search.Phrase{{Words: []string{w}, Prefix: prefix}}}
	}
	want := search.Query{Terms: []search.Term{word("payments", false), word("a", true)}}
	if diff := cmp.Diff(want, PrefixQuery([]string{"payments", "a"})); diff != "" {
		t.Errorf("PrefixQuery (-want +got):\n%s", diff)
	}
}

func TestVocabulary(t *testing.T) {
	var v Vocabulary
	if diff := cmp.Diff([]string{"beta", "alpha"}, v.Unknown([]string{"beta", "alpha", "beta"})); diff != "" {
		t.Errorf("Unknown of an empty vocabulary (-want +got):\n%s", diff)
	}
	v.Remember([]string{"alpha"})
	if diff := cmp.Diff([]string{"gamma", "beta"}, v.Unknown([]string{"alpha", "gamma", "beta", "gamma"})); diff != "" {
		t.Errorf("Unknown after Remember (-want +got):\n%s", diff)
	}
	if got := v.Unknown([]string{"alpha"}); len(got) != 0 {
		t.Errorf("Unknown of remembered words = %q, want none", got)
	}
}

func TestCorrected(t *testing.T) {
	vocab := func(_ context.Context, w string) ([]string, error) {
		if w == "fail" {
			return nil, errors.New("lookup failed")
		}
		return []string{"kubernetes", "payments"}, nil
	}
	ctx := context.Background()

	q := &search.EngineQuery{Query: search.ParseQuery("kubernets")}
	got, ok, err := Corrected(ctx, q, vocab)
	if err != nil || !ok || got.Terms[0].Alts[0].Words[0] != "kubernets" || len(got.Terms[0].Alts) != 1 {
		t.Errorf("without Fuzzy: %+v, %v, %v; want the query unchanged", got, ok, err)
	}

	q.Fuzzy = true
	got, ok, err = Corrected(ctx, q, vocab)
	if err != nil || !ok {
		t.Fatalf("Fuzzy: %v, %v", ok, err)
	}
	if diff := cmp.Diff(q.Query.WithCorrections(map[string][]string{"kubernets": {"kubernetes"}}), got); diff != "" {
		t.Errorf("Fuzzy (-want +got):\n%s", diff)
	}

	if _, ok, err := Corrected(ctx, &search.EngineQuery{Query: search.ParseQuery("zzzzzz"), Fuzzy: true}, vocab); err != nil || ok {
		t.Errorf("nothing close: ok %v, err %v; want false, nil", ok, err)
	}
	if _, _, err := Corrected(ctx, &search.EngineQuery{Query: search.ParseQuery("fail"), Fuzzy: true}, vocab); err == nil {
		t.Error("a failed lookup gave no error")
	}
}
