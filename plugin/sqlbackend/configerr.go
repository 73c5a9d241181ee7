package sqlbackend

import (
	"context"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// preflightTimeout bounds the check made at start-up before the feed starts;
// a database that does not answer within it is an outage, which the feed
// rides out, not a reason to refuse the start.
const preflightTimeout = 5 * time.Second

// preflight prepares the database (see Prepare) before the server starts, so
// that a configuration error - wrong password, missing database, table or
// privilege, change-log triggers that would break the writers - refuses the
// start with the fix, instead of a server that is never ready and answers
// SERVFAIL for ever. An outage is not refused: the feed retries it. Neither is
// a configuration error when the snapshot file has zones to serve: a DNS
// server answering as it did beats none. The error is logged with its fix,
// db_up stays 0, and the feed keeps retrying until it is fixed.
func (s *source) preflight() error {
	ctx, cancel := context.WithTimeout(context.Background(), preflightTimeout)
	defer cancel()
	err := s.Prepare(ctx)
	if err == nil || !sqlstore.IsConfigError(err) {
		return nil
	}
	if s.snap != nil {
		// A context of its own: the check may have used up the first.
		sctx, scancel := context.WithTimeout(context.Background(), preflightTimeout)
		defer scancel()
		if doms, serr := s.snap.Domains(sctx); serr == nil && len(doms) > 0 {
			log.Errorf("Database configuration error, serving the %d zones of snapshot %s until it is fixed: %v", len(doms), s.cfg.snapshot, err)
			return nil
		}
	}
	return err
}

// Prepare implements feed.Consumer: it readies the database for the feed,
// once per source. With schema
// ensure it creates what of the change log is missing (EnsureSchema, which
// also verifies that the triggers can write the log); with schema none it
// verifies the triggers that are there; with detect checksum there is no
// change log. Then it reads a row of each table the feed reads. Its error is a
// *sqlstore.ConfigError when waiting cannot fix it.
func (s *source) Prepare(ctx context.Context) error {
	if s.prepared.Load() {
		return nil
	}
	st := s.store
	err := timed("schema", func() error {
		switch {
		case s.checksum():
		case s.cfg.ensureSchema:
			if err := st.EnsureSchema(ctx); err != nil {
				return err
			}
			if st.LegacyTriggers {
				log.Warningf("The change log's record triggers predate record_id and MySQL cannot replace them atomically: every change rebuilds its whole zone. Run changes.mysql.sql again to upgrade them")
			}
			s.noteUnverified(st.Unverified)
			if err := st.EnsureKeyTriggers(ctx); err != nil {
				log.Warningf("No key triggers on cryptokeys and domainmetadata (%v): a zone's new DNSSEC keys and settings are read at its next change "+
					"or the next full load, not within a poll. %s", err, sqlstore.KeyTriggersFix)
			}
			if err := st.EnsureTSIGKeyTriggers(ctx); err != nil {
				log.Warningf("No TSIG key triggers on tsigkeys (%v): a key's new secret is read at the next change of a zone "+
					"that names it or the next full load, not within a poll. %s", err, sqlstore.TSIGKeyTriggersFix)
			}
		default:
			note, err := st.VerifyTriggers(ctx)
			if err != nil {
				return err
			}
			s.noteUnverified(note)
		}
		return st.CheckTables(ctx, !s.checksum())
	})
	if err != nil {
		return sqlstore.Classify(s.cfg.dialect, err)
	}
	s.prepared.Store(true)
	return nil
}

func (s *source) noteUnverified(note string) {
	if note != "" {
		log.Warningf("Change-log triggers: %s", note)
	}
}

// Outage implements feed.Consumer: it logs a failed round of the feed when
// an outage starts or its kind of failure changes, saying what is served
// meanwhile. The first failure of a source that never loaded serves the
// snapshot's zones, when there is one.
func (s *source) Outage(ctx context.Context, kind string, first bool, err error) {
	switch {
	case s.loaded.Load():
		log.Errorf("%s, serving the zones in memory until it is back: %v", kind, err)
	case first && s.startFromSnapshot(ctx):
		log.Errorf("%s at start, serving the zones of snapshot %s until it is back: %v", kind, s.cfg.snapshot, err)
	default:
		log.Errorf("%s, not ready until the first load: %v", kind, err)
	}
}
