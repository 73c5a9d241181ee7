-- hostdns TSIG key triggers for SQLite: see tsigkeys.mysql.sql. Idempotent.

CREATE TRIGGER IF NOT EXISTS hostdns_tsigkeys_ai AFTER INSERT ON tsigkeys FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) SELECT DISTINCT domain_id FROM domainmetadata
  WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG') AND LOWER(RTRIM(content, '.')) = LOWER(RTRIM(NEW.name, '.'));
END;

CREATE TRIGGER IF NOT EXISTS hostdns_tsigkeys_au AFTER UPDATE ON tsigkeys FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) SELECT DISTINCT domain_id FROM domainmetadata
  WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG')
    AND LOWER(RTRIM(content, '.')) IN (LOWER(RTRIM(OLD.name, '.')), LOWER(RTRIM(NEW.name, '.')));
END;

CREATE TRIGGER IF NOT EXISTS hostdns_tsigkeys_ad AFTER DELETE ON tsigkeys FOR EACH ROW
BEGIN
  INSERT INTO hostdns_changes (domain_id) SELECT DISTINCT domain_id FROM domainmetadata
  WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG') AND LOWER(RTRIM(content, '.')) = LOWER(RTRIM(OLD.name, '.'));
END;
