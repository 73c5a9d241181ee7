package sqlbackend

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// checkDSN checks a MySQL or PostgreSQL DSN at start-up, so a typo fails there
// with the driver's message instead of at the first connection. Its error
// names the DSN with the password masked (see maskDSN), never as written.
func checkDSN(d sqlstore.Dialect, dsn string) error {
	switch d {
	case sqlstore.MySQL:
		// go-sql-driver's errors do not quote the DSN.
		if _, err := mysql.ParseDSN(dsn); err != nil {
			return fmt.Errorf("%s: %v", maskDSN(d, dsn), err)
		}
	case sqlstore.Postgres:
		if _, err := pgx.ParseConfig(dsn); err != nil {
			// pgx quotes the DSN in its errors and masks the password only
			// "on a best-effort basis". Parsing the masked DSN tells what is
			// wrong without the password being anywhere near the message.
			masked := maskDSN(d, dsn)
			if _, err := pgx.ParseConfig(masked); err != nil {
				return err
			}
			return fmt.Errorf("%s: not a valid PostgreSQL connection string (is the password URL-encoded?)", masked)
		}
	}
	return nil
}

// passwordMask stands for a password in a DSN shown to people.
const passwordMask = "xxxxx"

// kvPassword matches a password in a libpq keyword/value string: password=s3cret,
// password = 's3 cret', sslpassword=...
var kvPassword = regexp.MustCompile(`(?i)((?:^|\s)(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)`)

// maskDSN returns dsn with its password replaced by xxxxx, for messages and
// logs. It errs on the side of masking too much when dsn is malformed.
func maskDSN(d sqlstore.Dialect, dsn string) string {
	switch d {
	case sqlstore.MySQL:
		// [user[:password]@][net[(addr)]]/dbname[?params]: the driver takes
		// the last '/', then the last '@' before it, as the password may
		// hold either.
		end := strings.LastIndexByte(dsn, '/')
		if end < 0 {
			end = len(dsn)
		}
		at := strings.LastIndexByte(dsn[:end], '@')
		if at < 0 {
			return dsn
		}
		if user, _, ok := strings.Cut(dsn[:at], ":"); ok {
			return user + ":" + passwordMask + dsn[at:]
		}
		return dsn
	case sqlstore.Postgres:
		return maskPostgresDSN(dsn)
	}
	return dsn
}

// maskPostgresDSN masks the passwords of a libpq URL (in the user info and in
// password and sslpassword parameters) or keyword/value string.
func maskPostgresDSN(dsn string) string {
	var scheme string
	for _, s := range []string{"postgres://", "postgresql://"} {
		if strings.HasPrefix(dsn, s) {
			scheme = s
		}
	}
	if scheme == "" {
		return kvPassword.ReplaceAllString(dsn, "${1}"+passwordMask)
	}
	rest := dsn[len(scheme):]
	// The last '@': an unencoded '@' or '/' in a password moves the first
	// one, and masking the host with it beats showing the password.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if user, _, ok := strings.Cut(rest[:at], ":"); ok {
			rest = user + ":" + passwordMask + rest[at:]
		}
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		params := strings.Split(rest[q+1:], "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			key := k
			if u, err := url.QueryUnescape(k); err == nil {
				key = u
			}
			if key = strings.ToLower(strings.TrimSpace(key)); key == "password" || key == "sslpassword" {
				params[i] = k + "=" + passwordMask
			}
		}
		rest = rest[:q+1] + strings.Join(params, "&")
	}
	return scheme + rest
}
