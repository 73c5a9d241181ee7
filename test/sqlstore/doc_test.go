// Package sqlstore_test tests plugin/pkg/sqlstore against live databases (MariaDB and
// PostgreSQL from test/harness, SQLite files), through the package's exported API only.
// The unit tests beside the code, in plugin/pkg/sqlstore, need no service.
package sqlstore_test
