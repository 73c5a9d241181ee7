package sqlstore

import "context"

// TSIGKeysSQL returns the TSIG key triggers of d, as shipped in
// schema/tsigkeys.<dialect>.sql: a change to a tsigkeys row logs a change
// of every zone whose transfer metadata names the key.
func TSIGKeysSQL(d Dialect) string { return mustRead("tsigkeys." + string(d) + ".sql") }

// EnsureTSIGKeyTriggers creates the TSIG key triggers that are missing,
// after EnsureSchema and EnsureKeyTriggers, as those create theirs. They are
// optional; their error is the caller's to weigh. A database without the
// tsigkeys or domainmetadata table has nothing to watch: no error.
func (s *Store) EnsureTSIGKeyTriggers(ctx context.Context) error {
	if err := s.ensureTSIGKeyTriggers(ctx); err != nil && !isNoTable(err) {
		return err
	}
	return nil
}

func (s *Store) ensureTSIGKeyTriggers(ctx context.Context) error {
	if s.Dialect == SQLite {
		return s.execScript(ctx, TSIGKeysSQL(SQLite))
	}
	return s.ensureTriggerScript(ctx, TSIGKeysSQL(s.Dialect))
}

// ensureTriggerScript runs a trigger script as ensureKeyTriggers does: on
// MySQL the triggers it made are dropped again when a later one fails; on
// PostgreSQL the script is one transaction.
func (s *Store) ensureTriggerScript(ctx context.Context, script string) error {
	if s.Dialect == MySQL {
		conn, err := s.DB.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		created, err := s.ensureScript(ctx, conn, script)
		if err != nil {
			for _, name := range created {
				conn.ExecContext(context.WithoutCancel(ctx), `DROP TRIGGER IF EXISTS `+name)
			}
		}
		return err
	}
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := s.ensureScript(ctx, tx, script); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// TSIGKeyTriggersFix says how an operator gives sqlbackend what the TSIG key
// triggers need.
const TSIGKeyTriggersFix = "To have them: GRANT SELECT, TRIGGER ON tsigkeys, domainmetadata TO the hostdns account (see docs/powerdns-migration.md)."
