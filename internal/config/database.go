package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
)

// Database client names, as Backstage's knex-based configuration writes
// them.
var (
	sqliteClients   = []string{"better-sqlite3", "sqlite3", "sqlite"}
	postgresClients = []string{"pg"}
)

// Dialects returned by (*Config).Database; they match the store's.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DefaultSQLiteFile is the database Callboard uses when backend.database
// is not configured.
const DefaultSQLiteFile = "./callboard.db"

// sqliteDirectoryFile is the file created in a configured SQLite
// directory; Backstage makes one per plugin, Callboard has one database.
const sqliteDirectoryFile = "callboard.db"

// Database is backend.database.
type Database struct {
	// Client is "better-sqlite3", "sqlite3" or "sqlite" for SQLite and
	// "pg" for PostgreSQL.
	Client string
	// Connection is the connection when written as a string: a file path or
	// ":memory:" for SQLite, a URL or key=value string for PostgreSQL.
	Connection string
	// SQLite is a SQLite connection written as an object.
	SQLite SQLiteConnection
	// Postgres is a PostgreSQL connection written as an object.
	Postgres PostgresConnection
}

// SQLiteConnection is {filename} or {directory}.
type SQLiteConnection struct {
	Filename  string `config:"filename"`
	Directory string `config:"directory"`
}

// PostgresConnection is a PostgreSQL connection written as an object.
type PostgresConnection struct {
	// Host defaults to localhost.
	Host string `config:"host"`
	// Port defaults to 5432.
	Port     int    `config:"port"`
	User     string `config:"user"`
	Password string `config:"password"`
	// Database is left to the server's default (the user name) when empty.
	Database string `config:"database"`
	SSL      SSL    `config:"ssl"`
}

// SSL is the ssl setting of a PostgreSQL connection: a boolean, or an
// object such as {rejectUnauthorized: false}.
type SSL struct {
	// Set is true when ssl was written.
	Set     bool
	Enabled bool
	// RejectUnauthorized verifies the server's certificate.
	RejectUnauthorized bool
}

func (s *SSL) decodeConfig(d *decoder, n *node, path string) {
	if b, ok := boolOf(n); ok {
		*s = SSL{Set: true, Enabled: b, RejectUnauthorized: b}
		return
	}
	if n.kind != kindObject {
		d.typeError(n, path, "a boolean or {rejectUnauthorized}")
		return
	}
	obj := struct {
		RejectUnauthorized bool `config:"rejectUnauthorized"`
	}{RejectUnauthorized: true}
	d.decodeStruct(n, path, reflectValue(&obj))
	*s = SSL{Set: true, Enabled: true, RejectUnauthorized: obj.RejectUnauthorized}
}

// sslMode maps the ssl setting to libpq's sslmode; "" leaves the default.
func (s SSL) sslMode() string {
	switch {
	case !s.Set:
		return ""
	case !s.Enabled:
		return "disable"
	case s.RejectUnauthorized:
		return "verify-full"
	}
	return "require"
}

func (db *Database) decodeConfig(d *decoder, n *node, path string) {
	if n.kind != kindObject {
		d.typeError(n, path, "an object")
		return
	}
	for _, k := range n.keys {
		if k != "client" && k != "connection" {
			d.unknownKey(n.fields[k], childPath(path, k))
		}
	}
	cn := n.fields["client"]
	if cn == nil {
		d.fail(n, path, "missing required key %q", "client")
		return
	}
	clientPath := childPath(path, "client")
	if cn.kind != kindString {
		d.typeError(cn, clientPath, "a string")
		return
	}
	*db = Database{Client: cn.text}
	conn := n.fields["connection"]
	connPath := childPath(path, "connection")
	switch {
	case slices.Contains(sqliteClients, db.Client):
		db.decodeSQLite(d, conn, connPath)
	case slices.Contains(postgresClients, db.Client):
		db.decodePostgres(d, n, path, conn, connPath)
	default:
		d.fail(cn, clientPath, "expected one of %s, got %s", quoteAll(slices.Concat(sqliteClients, postgresClients)), cn.describe())
	}
}

func (db *Database) decodeSQLite(d *decoder, conn *node, path string) {
	switch {
	case conn == nil:
	case conn.kind == kindString:
		db.Connection = conn.text
	case conn.kind == kindObject:
		before := len(d.errs)
		d.decodeStruct(conn, path, reflectValue(&db.SQLite))
		if len(d.errs) > before {
			return
		}
		if (db.SQLite.Filename == "") == (db.SQLite.Directory == "") {
			d.fail(conn, path, "expected exactly one of filename and directory")
		}
	default:
		d.typeError(conn, path, `a file path, ":memory:", {filename} or {directory}`)
	}
}

func (db *Database) decodePostgres(d *decoder, parent *node, parentPath string, conn *node, path string) {
	switch {
	case conn == nil:
		d.fail(parent, parentPath, "missing required key %q", "connection")
	case conn.kind == kindString && conn.text != "":
		db.Connection = conn.text
	case conn.kind == kindObject:
		d.decodeStruct(conn, path, reflectValue(&db.Postgres))
	default:
		d.typeError(conn, path, "a connection string or {host, port, user, password, database, ssl}")
	}
}

// Database returns the database dialect (DialectSQLite or
// DialectPostgres) and a DSN the store opens: a file path or ":memory:"
// for SQLite, a connection string or URL for PostgreSQL.
func (c *Config) Database() (dialect, dsn string, err error) {
	db := c.Backend.Database
	switch {
	case slices.Contains(sqliteClients, db.Client):
		switch {
		case db.Connection != "":
			return DialectSQLite, db.Connection, nil
		case db.SQLite.Filename != "":
			return DialectSQLite, db.SQLite.Filename, nil
		case db.SQLite.Directory != "":
			return DialectSQLite, filepath.Join(db.SQLite.Directory, sqliteDirectoryFile), nil
		}
		return DialectSQLite, ":memory:", nil
	case slices.Contains(postgresClients, db.Client):
		if db.Connection != "" {
			return DialectPostgres, db.Connection, nil
		}
		return DialectPostgres, db.Postgres.url(), nil
	}
	return "", "", fmt.Errorf("backend.database.client: unsupported client %q", db.Client)
}

// url builds a libpq-style URL; user, password and database are escaped.
func (p PostgresConnection) url() string {
	host, port := p.Host, p.Port
	if host == "" {
		host = "localhost"
	}
	if port == 0 {
		port = 5432
	}
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(host, strconv.Itoa(port))}
	switch {
	case p.Password != "":
		u.User = url.UserPassword(p.User, p.Password)
	case p.User != "":
		u.User = url.User(p.User)
	}
	if p.Database != "" {
		u.Path = "/" + p.Database
	}
	if mode := p.SSL.sslMode(); mode != "" {
		u.RawQuery = url.Values{"sslmode": {mode}}.Encode()
	}
	return u.String()
}
