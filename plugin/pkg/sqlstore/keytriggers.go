package sqlstore

import "context"

// KeysSQL returns the key triggers of d (MySQL, PostgreSQL), as shipped in
// schema/keys.<dialect>.sql: a change to cryptokeys or domainmetadata logs a
// change of its zone. SQLite's are part of its change-log script.
func KeysSQL(d Dialect) string { return mustRead("keys." + string(d) + ".sql") }

// EnsureKeyTriggers creates the key triggers that are missing, after
// EnsureSchema, as it creates the change log's: triggers it cannot make
// work are not left behind. They are optional (an operator may grant TRIGGER
// on domains and records only), so their error is the caller's to weigh. A
// database without the DNSSEC tables (a minimal schema) has no keys to
// watch: no error.
func (s *Store) EnsureKeyTriggers(ctx context.Context) error {
	if err := s.ensureKeyTriggers(ctx); err != nil && !isNoTable(err) {
		return err
	}
	return nil
}

func (s *Store) ensureKeyTriggers(ctx context.Context) error {
	switch s.Dialect {
	case MySQL:
		conn, err := s.DB.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		created, err := s.ensureScript(ctx, conn, KeysSQL(MySQL))
		if err != nil {
			for _, name := range created {
				conn.ExecContext(context.WithoutCancel(ctx), `DROP TRIGGER IF EXISTS `+name)
			}
		}
		return err
	case Postgres:
		tx, err := s.DB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := s.ensureScript(ctx, tx, KeysSQL(Postgres)); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	return nil
}

// KeyTriggersFix says how an operator gives sqlbackend what the key triggers
// need. Only MySQL and PostgreSQL can lack them: SQLite's are in its
// change-log script.
const KeyTriggersFix = "To have them: GRANT SELECT, TRIGGER ON cryptokeys, domainmetadata TO the hostdns account (see docs/powerdns-migration.md)."
