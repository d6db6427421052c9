package plugin

// DeterministicProcessor is a Processor whose effect on an entity depends
// only on what it is given for that entity (the entity's data and
// location), on its own code and on the configuration its Fingerprint
// describes: it calls no other system and reads no file, URL, clock or
// Cache. When every registered processor is deterministic, the catalog
// skips processing an entity whose input is byte for byte what it was at
// its last successful run, under the same fingerprints and the same build,
// and keeps that run's result.
//
// A processor that is deterministic for most entities but reads something
// else for some (as placeholders read the files they name) implements this
// interface and reports those runs through ExternalInputReporter. Reading
// a Location's targets always counts as reading something else. A
// processor that does not implement the interface is taken to call other
// systems, and nothing is skipped while it is registered.
type DeterministicProcessor interface {
	Processor
	// Fingerprint describes the configuration the processor runs with. It
	// must change whenever a change of configuration could change what the
	// processor does with some entity; "" is a valid fingerprint for a
	// processor without configuration.
	Fingerprint() string
}

// ExternalInputReporter is implemented by the Emitter the catalog hands
// every processor. A DeterministicProcessor calls ExternalInput, before it
// reads, when its handling of the current entity depends on something
// besides that entity: the entity is then processed again at its next run
// even when its input has not changed.
type ExternalInputReporter interface {
	ExternalInput()
}
