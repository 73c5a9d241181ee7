-- hostdns change log for PostgreSQL: a table, two trigger functions and six
-- triggers added to a PowerDNS generic schema (see postgres.sql). It does what
-- changes.mysql.sql does, trigger for trigger, and is safe to run again: the
-- table is created only if missing, the functions are replaced and each
-- trigger is dropped and created anew. Run it in one transaction so no write
-- slips between a DROP and its CREATE:
--
--   psql -v ON_ERROR_STOP=1 --single-transaction pdns < plugin/pkg/sqlstore/schema/changes.postgres.sql
--
-- sqlbackend runs it itself at start-up (unless "schema none" is set), in one
-- transaction, skipping the DROPs and the CREATE TRIGGERs of triggers that
-- exist. The account needs CREATE on the schema and the TRIGGER privilege on
-- domains and records (owning them covers both), and must own the functions
-- once they exist.
--
-- The functions run with their owner's rights (SECURITY DEFINER, as MySQL runs
-- a trigger with its definer's), so the writers, PowerDNS or a control panel,
-- need no grant on hostdns_changes. Their search_path is pinned to the schema
-- they are created in, with pg_temp last, as PostgreSQL's documentation asks
-- of SECURITY DEFINER functions.
--
-- changed_at is clock_timestamp(), the time of the write, which is nearer the
-- commit than now(), the start of the writer's transaction.

CREATE TABLE IF NOT EXISTS hostdns_changes (
  id                    BIGSERIAL PRIMARY KEY,
  domain_id             INT DEFAULT NULL,
  record_id             BIGINT DEFAULT NULL,
  changed_at            TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- A change log made before record_id existed gets the column; the functions
-- below are replaced, so the triggers write it from then on.
ALTER TABLE hostdns_changes ADD COLUMN IF NOT EXISTS record_id BIGINT DEFAULT NULL;

CREATE OR REPLACE FUNCTION hostdns_records_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO hostdns_changes (domain_id, record_id) VALUES (NEW.domain_id, NEW.id);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO hostdns_changes (domain_id, record_id) VALUES (OLD.domain_id, OLD.id), (NEW.domain_id, NEW.id);
  ELSE
    INSERT INTO hostdns_changes (domain_id, record_id) VALUES (OLD.domain_id, OLD.id);
  END IF;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION hostdns_domains_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO hostdns_changes (domain_id) VALUES (NEW.id);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO hostdns_changes (domain_id) VALUES (OLD.id), (NEW.id);
  ELSE
    INSERT INTO hostdns_changes (domain_id) VALUES (OLD.id);
  END IF;
  RETURN NULL;
END;
$$;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION hostdns_records_changed() SET search_path = %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION hostdns_domains_changed() SET search_path = %I, pg_temp', current_schema());
END;
$$;

DROP TRIGGER IF EXISTS hostdns_records_ai ON records;
CREATE TRIGGER hostdns_records_ai AFTER INSERT ON records FOR EACH ROW
  EXECUTE FUNCTION hostdns_records_changed();

DROP TRIGGER IF EXISTS hostdns_records_au ON records;
CREATE TRIGGER hostdns_records_au AFTER UPDATE ON records FOR EACH ROW
  EXECUTE FUNCTION hostdns_records_changed();

DROP TRIGGER IF EXISTS hostdns_records_ad ON records;
CREATE TRIGGER hostdns_records_ad AFTER DELETE ON records FOR EACH ROW
  EXECUTE FUNCTION hostdns_records_changed();

DROP TRIGGER IF EXISTS hostdns_domains_ai ON domains;
CREATE TRIGGER hostdns_domains_ai AFTER INSERT ON domains FOR EACH ROW
  EXECUTE FUNCTION hostdns_domains_changed();

DROP TRIGGER IF EXISTS hostdns_domains_au ON domains;
CREATE TRIGGER hostdns_domains_au AFTER UPDATE ON domains FOR EACH ROW
  EXECUTE FUNCTION hostdns_domains_changed();

DROP TRIGGER IF EXISTS hostdns_domains_ad ON domains;
CREATE TRIGGER hostdns_domains_ad AFTER DELETE ON domains FOR EACH ROW
  EXECUTE FUNCTION hostdns_domains_changed();
