-- hostdns change log for SQLite: see changes.mysql.sql for what it is for.
-- Idempotent: every object is created only if missing. A file made before the
-- record_id column existed is upgraded by sqlbackend at start-up (SQLite has
-- no ADD COLUMN IF NOT EXISTS): the column is added and the record triggers
-- are replaced in one transaction.

CREATE TABLE IF NOT EXISTS hostdns_changes (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  domain_id             INTEGER DEFAULT NULL,
  record_id             INTEGER DEFAULT NULL,
  changed_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TRIGGER IF NOT EXISTS hostdns_records_ai AFTER INSERT ON records FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id, record_id) VALUES (NEW.domain_id, NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_records_au AFTER UPDATE ON records FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id, record_id) VALUES (OLD.domain_id, OLD.id), (NEW.domain_id, NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_records_ad AFTER DELETE ON records FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id, record_id) VALUES (OLD.domain_id, OLD.id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_domains_ai AFTER INSERT ON domains FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_domains_au AFTER UPDATE ON domains FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.id), (NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_domains_ad AFTER DELETE ON domains FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.id);
END;

-- A change to a zone's DNSSEC keys or settings is a change of the zone: its
-- keys are read again (see keys.mysql.sql).

CREATE TRIGGER IF NOT EXISTS hostdns_cryptokeys_ai AFTER INSERT ON cryptokeys FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_cryptokeys_au AFTER UPDATE ON cryptokeys FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id), (NEW.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_cryptokeys_ad AFTER DELETE ON cryptokeys FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_domainmetadata_ai AFTER INSERT ON domainmetadata FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_domainmetadata_au AFTER UPDATE ON domainmetadata FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id), (NEW.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_domainmetadata_ad AFTER DELETE ON domainmetadata FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id);
END;
