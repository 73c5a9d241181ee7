-- hostdns TSIG key triggers for PostgreSQL: what tsigkeys.mysql.sql does,
-- with one trigger function. Run after changes.postgres.sql, in one
-- transaction. Optional, as there.

CREATE OR REPLACE FUNCTION hostdns_tsigkeys_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  names text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    names := ARRAY[NEW.name];
  ELSIF TG_OP = 'UPDATE' THEN
    names := ARRAY[OLD.name, NEW.name];
  ELSE
    names := ARRAY[OLD.name];
  END IF;
  INSERT INTO hostdns_changes (domain_id)
    SELECT DISTINCT domain_id FROM domainmetadata
    WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG')
      AND LOWER(TRIM(TRAILING '.' FROM content)) IN (SELECT LOWER(TRIM(TRAILING '.' FROM n)) FROM unnest(names) AS n);
  RETURN NULL;
END;
$$;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION hostdns_tsigkeys_changed() SET search_path = %I, pg_temp', current_schema());
END;
$$;

DROP TRIGGER IF EXISTS hostdns_tsigkeys_ai ON tsigkeys;
CREATE TRIGGER hostdns_tsigkeys_ai AFTER INSERT ON tsigkeys FOR EACH ROW
  EXECUTE FUNCTION hostdns_tsigkeys_changed();

DROP TRIGGER IF EXISTS hostdns_tsigkeys_au ON tsigkeys;
CREATE TRIGGER hostdns_tsigkeys_au AFTER UPDATE ON tsigkeys FOR EACH ROW
  EXECUTE FUNCTION hostdns_tsigkeys_changed();

DROP TRIGGER IF EXISTS hostdns_tsigkeys_ad ON tsigkeys;
CREATE TRIGGER hostdns_tsigkeys_ad AFTER DELETE ON tsigkeys FOR EACH ROW
  EXECUTE FUNCTION hostdns_tsigkeys_changed();
