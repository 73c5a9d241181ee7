package sqlbackend

import "github.com/go-sql-driver/mysql"

// mysqlDSN checks a MySQL DSN at start-up, so a typo fails there with the
// driver's message instead of at the first connection.
func mysqlDSN(dsn string) (*mysql.Config, error) { return mysql.ParseDSN(dsn) }
