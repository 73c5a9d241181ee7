-- hostdns key triggers for MariaDB / MySQL: a change to a zone's DNSSEC keys
-- (cryptokeys) or settings (domainmetadata) is a change of the zone in the
-- change log (changes.mysql.sql, which must run first), so every node reads
-- the zone's keys again within a poll. Optional: without them (no TRIGGER
-- privilege on these tables) keys are read at the zone's next change and at
-- each full load. Same definer and rights as the change-log triggers.

DROP TRIGGER IF EXISTS hostdns_cryptokeys_ai;
CREATE TRIGGER hostdns_cryptokeys_ai AFTER INSERT ON cryptokeys FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.domain_id);

DROP TRIGGER IF EXISTS hostdns_cryptokeys_au;
CREATE TRIGGER hostdns_cryptokeys_au AFTER UPDATE ON cryptokeys FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id), (NEW.domain_id);

DROP TRIGGER IF EXISTS hostdns_cryptokeys_ad;
CREATE TRIGGER hostdns_cryptokeys_ad AFTER DELETE ON cryptokeys FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id);

DROP TRIGGER IF EXISTS hostdns_domainmetadata_ai;
CREATE TRIGGER hostdns_domainmetadata_ai AFTER INSERT ON domainmetadata FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.domain_id);

DROP TRIGGER IF EXISTS hostdns_domainmetadata_au;
CREATE TRIGGER hostdns_domainmetadata_au AFTER UPDATE ON domainmetadata FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id), (NEW.domain_id);

DROP TRIGGER IF EXISTS hostdns_domainmetadata_ad;
CREATE TRIGGER hostdns_domainmetadata_ad AFTER DELETE ON domainmetadata FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.domain_id);
