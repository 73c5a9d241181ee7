-- hostdns key triggers for PostgreSQL: what keys.mysql.sql does, with one
-- trigger function. Run after changes.postgres.sql, in one transaction.
-- Optional, as there.

CREATE OR REPLACE FUNCTION hostdns_keys_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO hostdns_changes (domain_id) VALUES (NEW.domain_id);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id), (NEW.domain_id);
  ELSE
    INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id);
  END IF;
  RETURN NULL;
END;
$$;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION hostdns_keys_changed() SET search_path = %I, pg_temp', current_schema());
END;
$$;

DROP TRIGGER IF EXISTS hostdns_cryptokeys_ai ON cryptokeys;
CREATE TRIGGER hostdns_cryptokeys_ai AFTER INSERT ON cryptokeys FOR EACH ROW
  EXECUTE FUNCTION hostdns_keys_changed();

DROP TRIGGER IF EXISTS hostdns_cryptokeys_au ON cryptokeys;
CREATE TRIGGER hostdns_cryptokeys_au AFTER UPDATE ON cryptokeys FOR EACH ROW
  EXECUTE FUNCTION hostdns_keys_changed();

DROP TRIGGER IF EXISTS hostdns_cryptokeys_ad ON cryptokeys;
CREATE TRIGGER hostdns_cryptokeys_ad AFTER DELETE ON cryptokeys FOR EACH ROW
  EXECUTE FUNCTION hostdns_keys_changed();

DROP TRIGGER IF EXISTS hostdns_domainmetadata_ai ON domainmetadata;
CREATE TRIGGER hostdns_domainmetadata_ai AFTER INSERT ON domainmetadata FOR EACH ROW
  EXECUTE FUNCTION hostdns_keys_changed();

DROP TRIGGER IF EXISTS hostdns_domainmetadata_au ON domainmetadata;
CREATE TRIGGER hostdns_domainmetadata_au AFTER UPDATE ON domainmetadata FOR EACH ROW
  EXECUTE FUNCTION hostdns_keys_changed();

DROP TRIGGER IF EXISTS hostdns_domainmetadata_ad ON domainmetadata;
CREATE TRIGGER hostdns_domainmetadata_ad AFTER DELETE ON domainmetadata FOR EACH ROW
  EXECUTE FUNCTION hostdns_keys_changed();
