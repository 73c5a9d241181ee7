package sqlsecondary

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// db is sqlsecondary's access to the PowerDNS tables: it reads the SLAVE
// rows and supermasters, and writes pulled zones. It goes through
// sqlstore's pool and rebinding, and reuses its metadata and tsigkeys
// readers; the statements below are the ones only a writer of secondary
// zones needs.
type db struct {
	*sqlstore.Store
}

// slaveRow is a domains row of type SLAVE with the SOA stored for it.
type slaveRow struct {
	id        int64
	name      string // canonical, fully qualified
	master    string
	lastCheck int64  // unix seconds; 0 when NULL
	soa       string // the SOA row's content; "" when there is none
}

// slaveRows returns every secondary zone. PowerDNS writes the type SLAVE;
// 4.5 and later also accept SECONDARY, which is read the same.
func (d db) slaveRows(ctx context.Context) ([]slaveRow, error) {
	rows, err := d.DB.QueryContext(ctx, `SELECT d.id, d.name, d.master, d.last_check, r.content
FROM domains d LEFT JOIN records r ON r.domain_id = d.id AND r.type = 'SOA'
WHERE UPPER(d.type) IN ('SLAVE', 'SECONDARY') ORDER BY d.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []slaveRow
	for rows.Next() {
		var (
			r           slaveRow
			master, soa sql.NullString
			lastCheck   sql.NullInt64
		)
		if err := rows.Scan(&r.id, &r.name, &master, &lastCheck, &soa); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].id == r.id {
			continue // two SOA rows: the first is kept, as ToRR's reader does
		}
		r.name, r.master, r.lastCheck, r.soa = sqlstore.ZoneName(r.name), master.String, lastCheck.Int64, soa.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// supermaster is a row of the supermasters table.
type supermaster struct {
	ip, nameserver, account string
}

// supermasters returns the table's rows; none when the table is missing.
func (d db) supermasters(ctx context.Context) ([]supermaster, error) {
	rows, err := d.DB.QueryContext(ctx, `SELECT ip, nameserver, account FROM supermasters`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []supermaster
	for rows.Next() {
		var s supermaster
		var ns, acct sql.NullString
		if err := rows.Scan(&s.ip, &ns, &acct); err != nil {
			return nil, err
		}
		s.ip, s.nameserver, s.account = strings.TrimSpace(s.ip), ns.String, acct.String
		out = append(out, s)
	}
	return out, rows.Err()
}

// currentSOA returns the SOA stored for domain id, nil when there is none
// or it does not parse.
func (d db) currentSOA(ctx context.Context, q querier, zone string, id int64) (*dns.SOA, error) {
	var content string
	err := q.QueryRowContext(ctx, d.Dialect.Rebind(`SELECT content FROM records WHERE domain_id = ? AND type = 'SOA' ORDER BY id`), id).Scan(&content)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseSOA(zone, content), nil
}

// parseSOA reads a SOA row's content; nil when it does not parse.
func parseSOA(zone, content string) *dns.SOA {
	if content == "" {
		return nil
	}
	rr, err := sqlstore.ToRR(zone, sqlstore.Row{Name: strings.TrimSuffix(zone, "."), Type: "SOA", Content: content, TTL: -1})
	if err != nil {
		return nil
	}
	soa, _ := rr.(*dns.SOA)
	return soa
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// masterKey returns the TSIG key of AXFR-MASTER-TSIG for domain id, nil
// when the zone has none. A key named but absent or unreadable is an error:
// transferring unsigned instead would not be what the operator asked.
func (d db) masterKey(ctx context.Context, id int64) (*xfrmeta.Key, error) {
	meta, err := d.XfrMetadata(ctx, id)
	if err != nil {
		return nil, err
	}
	var rows []xfrmeta.Row
	for _, m := range meta[id] {
		rows = append(rows, xfrmeta.Row{Kind: m.Kind, Content: m.Content})
	}
	name := xfrmeta.Parse(rows).MasterKey
	if name == "" {
		return nil, nil
	}
	keys, err := d.TSIGKeys(ctx, strings.TrimSuffix(name, "."))
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errorf(reasonTSIG, "AXFR-MASTER-TSIG names key %s, which tsigkeys does not hold", name)
	}
	k, err := xfrmeta.ParseKey(keys[0].Name, keys[0].Algorithm, keys[0].Secret)
	if err != nil {
		return nil, errorf(reasonTSIG, "%v", err)
	}
	return &k, nil
}

// touchLastCheck records a successful check or transfer in last_check.
// Any update of a domains row fires hostdns_domains_au, which makes every
// node reload the whole zone (an IXFR's record changes alone are applied
// record by record), so last_check is written only when the stored value is
// older than every, an eighth of the zone's expire: the expire timers every
// node computes from it stay right within that, and a zone checked every
// refresh, or changed by IXFR, is not reloaded whole each time.
func (d db) touchLastCheck(ctx context.Context, ex execer, id int64, now time.Time, every time.Duration) error {
	_, err := ex.ExecContext(ctx, d.Dialect.Rebind(`UPDATE domains SET last_check = ? WHERE id = ? AND (last_check IS NULL OR last_check <= ?)`),
		now.Unix(), id, now.Add(-every).Unix())
	return err
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// createSlave inserts the domains row of an autosecondary zone.
func (d db) createSlave(ctx context.Context, zone, master, account string) error {
	_, err := d.DB.ExecContext(ctx, d.Dialect.Rebind(`INSERT INTO domains (name, master, type, account) VALUES (?, ?, 'SLAVE', ?)`),
		strings.TrimSuffix(zone, "."), master, account)
	return err
}

// boolean is the SQL literal for b in the dialect: PostgreSQL's disabled and
// auth columns are booleans, which do not take a number.
func (d db) boolean(b bool) string {
	if d.Dialect == sqlstore.Postgres {
		return strconv.FormatBool(b)
	}
	if b {
		return "1"
	}
	return "0"
}
