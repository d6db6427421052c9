package auth

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/entity"
)

// memStore is an in-memory Store for the package's tests; internal/store's
// conformance suite covers the SQL one.
type memStore struct {
	mu       sync.Mutex
	sessions map[string]Session
	tokens   map[string]PersonalToken
	infos    map[string]UserInfo
	flows    map[string]Flow
	keys     map[string]PublicKey
}

var _ Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{
		sessions: map[string]Session{}, tokens: map[string]PersonalToken{}, infos: map[string]UserInfo{},
		flows: map[string]Flow{}, keys: map[string]PublicKey{},
	}
}

func (m *memStore) CreateSession(_ context.Context, s *Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = *s
	return nil
}

func (m *memStore) Session(_ context.Context, id string) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, nil
	}
	return &s, nil
}

func (m *memStore) DeleteSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

func (m *memStore) CreateToken(_ context.Context, t *PersonalToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[t.ID] = *t
	return nil
}

func (m *memStore) Token(_ context.Context, id string) (*PersonalToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return nil, nil
	}
	return &t, nil
}

func (m *memStore) UserTokens(_ context.Context, user string) ([]PersonalToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []PersonalToken{}
	for _, t := range m.tokens {
		if t.UserEntityRef == user {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

func (m *memStore) RevokeToken(_ context.Context, id, user string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok || t.UserEntityRef != user || !t.RevokedAt.IsZero() {
		return false, nil
	}
	t.RevokedAt = at
	m.tokens[id] = t
	return true, nil
}

func (m *memStore) TouchToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[id]; ok {
		t.LastUsedAt = at
		m.tokens[id] = t
	}
	return nil
}

func (m *memStore) PutUserInfo(_ context.Context, info *UserInfo) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.infos[info.UserEntityRef] = *info
	return nil
}

func (m *memStore) UserInfo(_ context.Context, user string) (*UserInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	info, ok := m.infos[user]
	if !ok {
		return nil, nil
	}
	return &info, nil
}

func (m *memStore) CreateFlow(_ context.Context, f *Flow) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flows[f.StateHash] = *f
	return nil
}

func (m *memStore) TakeFlow(_ context.Context, stateHash string, now time.Time) (*Flow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.flows[stateHash]
	delete(m.flows, stateHash)
	if !ok || !now.Before(f.ExpiresAt) {
		return nil, nil
	}
	return &f, nil
}

func (m *memStore) AddKey(_ context.Context, k *PublicKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[k.KID] = *k
	return nil
}

func (m *memStore) Key(_ context.Context, kid string, now time.Time) (*PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[kid]
	if !ok || !now.Before(k.ExpiresAt) {
		return nil, nil
	}
	return &k, nil
}

func (m *memStore) Keys(_ context.Context, now time.Time) ([]PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PublicKey
	for _, k := range m.keys {
		if now.Before(k.ExpiresAt) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

func (m *memStore) DeleteExpired(_ context.Context, now, keep time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, s := range m.sessions {
		if !now.Before(s.ExpiresAt) {
			delete(m.sessions, id)
		}
	}
	return nil
}

func (m *memStore) sessionCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// fakeUsers is a catalog of users and groups with stitched relations.
type fakeUsers struct {
	mu       sync.Mutex
	entities map[string]*entity.Entity
	lookups  int
}

var _ CatalogUsers = (*fakeUsers)(nil)

func newFakeUsers(es ...*entity.Entity) *fakeUsers {
	f := &fakeUsers{entities: map[string]*entity.Entity{}}
	for _, e := range es {
		f.entities[e.Ref().String()] = e
	}
	return f
}

func (f *fakeUsers) UserByRef(_ context.Context, ref string) (*entity.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	return f.entities[strings.ToLower(ref)], nil
}

func (f *fakeUsers) FindUsers(_ context.Context, filter map[string]string, limit int) ([]*entity.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	var refs []string
	for ref, e := range f.entities {
		if !strings.EqualFold(e.Kind, filter["kind"]) {
			continue
		}
		if want, ok := filter["spec.profile.email"]; ok {
			p, _ := e.Spec["profile"].(map[string]any)
			email, _ := p["email"].(string)
			if !strings.EqualFold(email, want) {
				continue
			}
		}
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	var out []*entity.Entity
	for _, r := range refs {
		if len(out) == limit {
			break
		}
		out = append(out, f.entities[r])
	}
	return out, nil
}

func (f *fakeUsers) GroupParents(_ context.Context, group string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	e := f.entities[group]
	if e == nil {
		return nil, nil
	}
	var out []string
	for _, r := range e.Relations {
		if r.Type == entity.RelationChildOf {
			out = append(out, r.TargetRef)
		}
	}
	return out, nil
}

// user returns a User entity with memberOf relations.
func user(name, email string, groups ...string) *entity.Entity {
	e := &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "User", Metadata: entity.Metadata{Name: name, Namespace: "default"}}
	if email != "" {
		e.Spec = map[string]any{"profile": map[string]any{"email": email}}
	}
	for _, g := range groups {
		e.Relations = append(e.Relations, entity.Relation{Type: entity.RelationMemberOf, TargetRef: g})
	}
	return e
}

// group returns a Group entity with childOf relations to its parents.
func group(name string, parents ...string) *entity.Entity {
	e := &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: entity.Metadata{Name: name, Namespace: "default"}}
	for _, p := range parents {
		e.Relations = append(e.Relations, entity.Relation{Type: entity.RelationChildOf, TargetRef: p})
	}
	return e
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Millisecond)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
