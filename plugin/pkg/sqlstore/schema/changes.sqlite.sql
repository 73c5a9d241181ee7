-- hostdns change log for SQLite: see changes.mysql.sql for what it is for.
-- Idempotent: every object is created only if missing.

CREATE TABLE IF NOT EXISTS hostdns_changes (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  domain_id             INTEGER DEFAULT NULL,
  changed_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TRIGGER IF NOT EXISTS hostdns_records_ai AFTER INSERT ON records FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_records_au AFTER UPDATE ON records FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id), (NEW.domain_id);
END;

CREATE TRIGGER IF NOT EXISTS hostdns_records_ad AFTER DELETE ON records FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id);
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
