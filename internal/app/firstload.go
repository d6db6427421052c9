package app

import "time"

// maxFirstLoadHold bounds how long the work that follows the catalog
// (search indexing, docs builds, template triggers) waits for its first load: a provider that
// never lets the engine be quiet must not keep them stale for good.
const maxFirstLoadHold = 2 * time.Minute

// firstLoadHold returns what tells the work that follows the catalog to
// wait: loading reports a first load under way, and the wait ends at the
// latest max after now.
func firstLoadHold(loading func() bool, now func() time.Time, max time.Duration) func() bool {
	until := now().Add(max)
	return func() bool { return loading() && now().Before(until) }
}
