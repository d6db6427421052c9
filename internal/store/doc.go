// Package store is Callboard's database layer. It opens SQLite (embedded,
// the default) or PostgreSQL through database/sql, applies the embedded,
// numbered, forward-only migrations of each dialect, and implements the
// storage interfaces that the engines declare. SQL text is shared between
// the dialects wherever possible ($N placeholders work on both); the few
// places that differ go through Dialect.
package store
