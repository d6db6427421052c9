package forge

import (
	"slices"
	"strings"
	"sync"

	"github.com/callboard/callboard/internal/problem"
)

// Split is one reading of the URL segments after a forge's ref marker:
// the leading segments name the branch, tag or commit, the rest the path.
// Browser URLs such as /blob/feature/x/catalog-info.yaml do not say where
// a branch with a slash ends, so a reader tries the readings in turn.
type Split struct {
	Ref  string
	Path string // without a leading slash; "" is the repository root
}

// MaxRefSegments bounds the segments a ref with slashes may have, and so
// the requests a missing file can cost.
const MaxRefSegments = 4

// Splits returns the readings of segs (unescaped), shortest ref first. A
// ref never holds glob characters or empty segments; the path is empty
// only when emptyPath allows it.
func Splits(segs []string, emptyPath bool) []Split {
	var out []Split
	for n := 1; n <= len(segs) && n <= MaxRefSegments; n++ {
		ref := segs[:n]
		if slices.Contains(ref, "") || strings.ContainsAny(strings.Join(ref, "/"), "*?[{") {
			break
		}
		path := strings.Join(segs[n:], "/")
		if path == "" && !emptyPath {
			break
		}
		out = append(out, Split{Ref: strings.Join(ref, "/"), Path: path})
	}
	return out
}

// RefMemo remembers the refs with slashes that were found in each
// repository, so that later reads try the right reading first. It is
// safe for concurrent use.
type RefMemo struct {
	mu   sync.Mutex
	refs map[string][]string
}

// maxMemoRepos bounds the memo; it starts over when full.
const maxMemoRepos = 10000

// Order returns splits with those whose ref is known for repo first,
// longest known ref first.
func (m *RefMemo) Order(repo string, splits []Split) []Split {
	m.mu.Lock()
	known := m.refs[repo]
	m.mu.Unlock()
	if len(known) == 0 || len(splits) < 2 {
		return splits
	}
	out := make([]Split, 0, len(splits))
	for i := len(splits) - 1; i >= 0; i-- {
		if slices.Contains(known, splits[i].Ref) {
			out = append(out, splits[i])
		}
	}
	for _, s := range splits {
		if !slices.Contains(known, s.Ref) {
			out = append(out, s)
		}
	}
	return out
}

// Learn records that ref exists in repo; refs without a slash need no
// memo, since they are tried first anyway.
func (m *RefMemo) Learn(repo, ref string) {
	if !strings.Contains(ref, "/") {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refs == nil || len(m.refs) >= maxMemoRepos {
		m.refs = map[string][]string{}
	}
	if !slices.Contains(m.refs[repo], ref) {
		m.refs[repo] = append(m.refs[repo], ref)
	}
}

// TrySplits calls try with each split, in the memo's order, until one
// does not fail with a NotFoundError, and learns the ref that worked. When
// every split is not found it returns the error of the first one tried.
func TrySplits[T any](memo *RefMemo, repo string, splits []Split, try func(Split) (T, error)) (T, error) {
	var (
		zero  T
		first error
	)
	if len(splits) == 0 {
		return zero, problem.Input("the URL names no branch, tag or commit")
	}
	for _, s := range memo.Order(repo, splits) {
		v, err := try(s)
		if err == nil {
			memo.Learn(repo, s.Ref)
			return v, nil
		}
		if !problem.Is(err, problem.NotFoundError) {
			return zero, err
		}
		if first == nil {
			first = err
		}
	}
	return zero, first
}

// FindCommit finds the commit a search starts from: it tries the readings
// of rest (a URL's segments after its ref marker; see Splits) as TrySplits
// does until commit resolves one's ref, and returns that reading and the
// commit.
func FindCommit(memo *RefMemo, repo string, rest []string, commit func(ref string) (string, error)) (Split, string, error) {
	type found struct {
		split Split
		sha   string
	}
	res, err := TrySplits(memo, repo, Splits(rest, false), func(s Split) (found, error) {
		sha, err := commit(s.Ref)
		return found{s, sha}, err
	})
	return res.split, res.sha, err
}
