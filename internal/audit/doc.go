// Package audit keeps Callboard's audit log: an append-only record of
// every write (locations, entities, tasks, approvals, tokens, policy
// changes) and every permission denial, with who acted, when, on what,
// from where (IP address, user agent), the outcome, the policy rule that
// decided, and the state before and after where it applies.
//
// Events are stored in the database (the table refuses updates and
// deletes), read back newest first with keyset paging, exported as JSON
// Lines, and optionally streamed to stdout or a webhook for a SIEM through
// bounded queues that never hold up a request.
package audit
