package publish

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/revlist"

	"github.com/callboard/callboard/internal/problem"
)

// pushLocal pushes commit to branch of the repository a file:// URL names,
// in-process: the commit's objects go into the repository as one
// packfile, then the branch is set, as git receive-pack does. Only a new
// branch (or one already at commit) is accepted, since commit starts a
// new history. Doing this directly, rather than through go-git's file
// transport, changes no package-level state and avoids the transport's
// copying.
func pushLocal(src *git.Repository, remote string, branch plumbing.ReferenceName, commit plumbing.Hash) error {
	u, err := url.Parse(remote)
	if err != nil || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
		return problem.Input("invalid file URL %q: expected file:///path/to/repository", remote)
	}
	dst, err := git.PlainOpen(u.Path)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return problem.NotFound("git push to %s: repository not found", remote)
	}
	if err != nil {
		return fmt.Errorf("git push to %s: %w", remote, err)
	}
	switch ref, err := dst.Storer.Reference(branch); {
	case err == nil && ref.Hash() == commit:
		return nil
	case err == nil:
		return problem.Conflict("git push to %s: %s exists and is not an ancestor of the new commit (non-fast-forward)", remote, branch.Short())
	case !errors.Is(err, plumbing.ErrReferenceNotFound):
		return fmt.Errorf("git push to %s: %w", remote, err)
	}
	hashes, err := revlist.Objects(src.Storer, []plumbing.Hash{commit}, nil)
	if err != nil {
		return fmt.Errorf("git push to %s: %w", remote, err)
	}
	var pack bytes.Buffer
	if _, err := packfile.NewEncoder(&pack, src.Storer, false).Encode(hashes, 0); err != nil {
		return fmt.Errorf("git push to %s: pack: %w", remote, err)
	}
	if err := packfile.UpdateObjectStorage(dst.Storer, &pack); err != nil {
		return fmt.Errorf("git push to %s: store objects: %w", remote, err)
	}
	if err := dst.Storer.SetReference(plumbing.NewHashReference(branch, commit)); err != nil {
		return fmt.Errorf("git push to %s: set %s: %w", remote, branch, err)
	}
	return nil
}
