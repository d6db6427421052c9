package techdocs

import (
	"container/list"
	"sync"
)

// lru is a small count-bounded memo, least recently used evicted first.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List
	byKey map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: list.New(), byKey: map[K]*list.Element{}}
}

func (l *lru[K, V]) get(k K) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.byKey[k]; ok {
		l.order.MoveToFront(el)
		return el.Value.(*lruEntry[K, V]).val, true
	}
	var zero V
	return zero, false
}

func (l *lru[K, V]) put(k K, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.byKey[k]; ok {
		el.Value.(*lruEntry[K, V]).val = v
		l.order.MoveToFront(el)
		return
	}
	l.byKey[k] = l.order.PushFront(&lruEntry[K, V]{k, v})
	for l.order.Len() > l.max {
		e := l.order.Remove(l.order.Back()).(*lruEntry[K, V])
		delete(l.byKey, e.key)
	}
}
