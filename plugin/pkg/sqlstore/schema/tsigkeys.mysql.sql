-- hostdns TSIG key triggers for MariaDB / MySQL: a change to a row of
-- tsigkeys is a change of every zone whose TSIG-ALLOW-AXFR or
-- AXFR-MASTER-TSIG metadata names the key (names compared as PowerDNS does:
-- any case, with or without the trailing dot), so every node reads the key
-- again within a poll. Run after changes.mysql.sql. Optional, as the key
-- triggers (keys.mysql.sql): without them a key's new secret is read at the
-- next change of a zone using it, or at the next full load.

DROP TRIGGER IF EXISTS hostdns_tsigkeys_ai;
CREATE TRIGGER hostdns_tsigkeys_ai AFTER INSERT ON tsigkeys FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) SELECT DISTINCT domain_id FROM domainmetadata
  WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG')
    AND LOWER(TRIM(TRAILING '.' FROM content)) = LOWER(TRIM(TRAILING '.' FROM NEW.name));

DROP TRIGGER IF EXISTS hostdns_tsigkeys_au;
CREATE TRIGGER hostdns_tsigkeys_au AFTER UPDATE ON tsigkeys FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) SELECT DISTINCT domain_id FROM domainmetadata
  WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG')
    AND LOWER(TRIM(TRAILING '.' FROM content)) IN (LOWER(TRIM(TRAILING '.' FROM OLD.name)), LOWER(TRIM(TRAILING '.' FROM NEW.name)));

DROP TRIGGER IF EXISTS hostdns_tsigkeys_ad;
CREATE TRIGGER hostdns_tsigkeys_ad AFTER DELETE ON tsigkeys FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) SELECT DISTINCT domain_id FROM domainmetadata
  WHERE kind IN ('TSIG-ALLOW-AXFR', 'AXFR-MASTER-TSIG')
    AND LOWER(TRIM(TRAILING '.' FROM content)) = LOWER(TRIM(TRAILING '.' FROM OLD.name));
