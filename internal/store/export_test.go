package store

// TrigramSlots lets the external tests' fixtures write search_trigram rows
// with the slots stitching uses.
var TrigramSlots = trigramSlots
