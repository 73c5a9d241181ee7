-- hostdns change log for MariaDB / MySQL: a table and six triggers added to a
-- PowerDNS generic schema (see mysql.sql). Safe to run again: the table is
-- created only if missing and each trigger is dropped and created anew.
--
-- Each row says "zone domain_id changed": in record record_id, or as a whole
-- when record_id is NULL (a domains row changed). Nodes patch a big zone's
-- changed records in place of rebuilding it. The primary key is the cursor every
-- hostdns node polls (SELECT id, domain_id FROM hostdns_changes WHERE id > ?),
-- so a poll with nothing new reads one index page. Old rows are pruned by the
-- nodes themselves (sqlbackend's "keep" option).
--
-- The trigger bodies are single statements, so the mysql command line needs no
-- DELIMITER change:   mysql pdns < plugin/pkg/sqlstore/schema/changes.mysql.sql
-- Creating triggers needs the TRIGGER privilege (and SUPER or
-- log_bin_trust_function_creators=1 when binary logging is on). The account
-- that runs this becomes the triggers' DEFINER, and they run with its rights on
-- every write of PowerDNS and the panels: it needs INSERT on hostdns_changes,
-- and it must not be dropped before the triggers are, or every write to records
-- fails (errors 1142, 1449). See docs/powerdns-migration.md for the grants.

CREATE TABLE IF NOT EXISTS hostdns_changes (
  id                    BIGINT AUTO_INCREMENT,
  domain_id             INT DEFAULT NULL,
  record_id             BIGINT DEFAULT NULL,
  changed_at            TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id)
) Engine=InnoDB;

-- A change log made before record_id existed gets the column. MySQL has no
-- ADD COLUMN IF NOT EXISTS (MariaDB has), hence the prepared statement.
SET @hostdns_add_record_id = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE hostdns_changes ADD COLUMN record_id BIGINT DEFAULT NULL AFTER domain_id', 'DO 0')
  FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'hostdns_changes' AND COLUMN_NAME = 'record_id');
PREPARE hostdns_add_record_id FROM @hostdns_add_record_id;
EXECUTE hostdns_add_record_id;
DEALLOCATE PREPARE hostdns_add_record_id;

DROP TRIGGER IF EXISTS hostdns_records_ai;
CREATE TRIGGER hostdns_records_ai AFTER INSERT ON records FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id, record_id) VALUES (NEW.domain_id, NEW.id);

DROP TRIGGER IF EXISTS hostdns_records_au;
CREATE TRIGGER hostdns_records_au AFTER UPDATE ON records FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id, record_id) VALUES (OLD.domain_id, OLD.id), (NEW.domain_id, NEW.id);

DROP TRIGGER IF EXISTS hostdns_records_ad;
CREATE TRIGGER hostdns_records_ad AFTER DELETE ON records FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id, record_id) VALUES (OLD.domain_id, OLD.id);

DROP TRIGGER IF EXISTS hostdns_domains_ai;
CREATE TRIGGER hostdns_domains_ai AFTER INSERT ON domains FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (NEW.id);

DROP TRIGGER IF EXISTS hostdns_domains_au;
CREATE TRIGGER hostdns_domains_au AFTER UPDATE ON domains FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.id), (NEW.id);

DROP TRIGGER IF EXISTS hostdns_domains_ad;
CREATE TRIGGER hostdns_domains_ad AFTER DELETE ON domains FOR EACH ROW
  INSERT INTO hostdns_changes (domain_id) VALUES (OLD.id);
