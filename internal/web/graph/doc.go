// Package graph draws the catalog's relations: the neighbourhood of one
// or more entities, chosen by relation type, kind and depth, and the
// "blast radius" of an entity (everything that transitively depends on
// it). The graph is laid out on the server by Graphviz (go-graphviz, which
// runs Graphviz compiled to WebAssembly), which only places the boxes and
// routes the edges; the drawing is written here as inline SVG whose nodes
// link to entity pages, so it works without JavaScript. Under callboard
// serve the layouts run in a child process (ServeWorker), replaced before
// Graphviz's ever-growing memory gets large.
//
// The walk reads entities level by level through plugin.EntityReader, so
// it sees only what the reader may see and issues a bounded number of
// indexed by-ref lookups: one round per level, at most 500 refs each, and
// never more than MaxNodes entities (the page says when it stopped). The
// relations of an entity come from its stitched form, which holds both
// directions of every relation pair, so walking "outgoing" relations also
// finds the entities that point at it.
package graph
