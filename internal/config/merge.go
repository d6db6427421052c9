package config

// merge overlays src, a higher-priority source, on dst and returns the
// result: objects merge key by key, arrays and scalars from src replace
// what dst had, and an explicit null in src removes the key. dst is
// modified; src's nodes are adopted.
func merge(dst, src *node) *node {
	if src == nil {
		return dst
	}
	if dst == nil || dst.kind != kindObject || src.kind != kindObject {
		return src
	}
	for _, k := range src.keys {
		v := src.fields[k]
		if v.kind == kindNull {
			dst.remove(k)
			continue
		}
		dst.set(k, merge(dst.fields[k], v))
	}
	return dst
}

// stripNulls removes object members that are null, so that a null written
// in the only source of a key means the same as leaving the key out.
func stripNulls(n *node) {
	switch n.kind {
	case kindObject:
		for _, k := range append([]string(nil), n.keys...) {
			if n.fields[k].kind == kindNull {
				n.remove(k)
				continue
			}
			stripNulls(n.fields[k])
		}
	case kindList:
		for _, item := range n.items {
			stripNulls(item)
		}
	}
}
