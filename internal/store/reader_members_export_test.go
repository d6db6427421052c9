package store

// MemberSetsBuilt counts the member sets r holds built.
func MemberSetsBuilt(r *CatalogReader) int {
	r.members.mu.Lock()
	defer r.members.mu.Unlock()
	n := 0
	for _, s := range r.members.sets {
		if s.built {
			n++
		}
	}
	return n
}
