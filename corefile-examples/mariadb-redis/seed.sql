-- A PowerDNS gmysql database with two sample zones, as a control panel would
-- leave it: the PowerDNS schema and rows, no hostdns objects (sqlbackend adds
-- its change log itself). Load into an empty database:
--   mysql pdns < corefile-examples/mariadb-redis/seed.sql

CREATE TABLE IF NOT EXISTS domains (
  id                    INT AUTO_INCREMENT,
  name                  VARCHAR(255) NOT NULL,
  master                VARCHAR(128) DEFAULT NULL,
  last_check            INT DEFAULT NULL,
  type                  VARCHAR(8) NOT NULL,
  notified_serial       INT UNSIGNED DEFAULT NULL,
  account               VARCHAR(40) CHARACTER SET 'utf8' DEFAULT NULL,
  options               VARCHAR(64000) DEFAULT NULL,
  catalog               VARCHAR(255) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY name_index (name),
  KEY catalog_idx (catalog)
) Engine=InnoDB CHARACTER SET 'latin1';

CREATE TABLE IF NOT EXISTS records (
  id                    BIGINT AUTO_INCREMENT,
  domain_id             INT DEFAULT NULL,
  name                  VARCHAR(255) DEFAULT NULL,
  type                  VARCHAR(10) DEFAULT NULL,
  content               VARCHAR(64000) DEFAULT NULL,
  ttl                   INT DEFAULT NULL,
  prio                  INT DEFAULT NULL,
  disabled              TINYINT(1) DEFAULT 0,
  ordername             VARCHAR(255) BINARY DEFAULT NULL,
  auth                  TINYINT(1) DEFAULT 1,
  PRIMARY KEY (id),
  KEY nametype_index (name, type),
  KEY domain_id (domain_id),
  KEY ordername (ordername)
) Engine=InnoDB CHARACTER SET 'latin1';

CREATE TABLE IF NOT EXISTS supermasters (
  ip                    VARCHAR(64) NOT NULL,
  nameserver            VARCHAR(255) NOT NULL,
  account               VARCHAR(40) CHARACTER SET 'utf8' NOT NULL,
  PRIMARY KEY (ip, nameserver)
) Engine=InnoDB CHARACTER SET 'latin1';

CREATE TABLE IF NOT EXISTS comments (
  id                    INT AUTO_INCREMENT,
  domain_id             INT NOT NULL,
  name                  VARCHAR(255) NOT NULL,
  type                  VARCHAR(10) NOT NULL,
  modified_at           INT NOT NULL,
  account               VARCHAR(40) CHARACTER SET 'utf8' DEFAULT NULL,
  comment               TEXT CHARACTER SET 'utf8' NOT NULL,
  PRIMARY KEY (id),
  KEY comments_name_type_idx (name, type),
  KEY comments_order_idx (domain_id, modified_at)
) Engine=InnoDB CHARACTER SET 'latin1';

CREATE TABLE IF NOT EXISTS domainmetadata (
  id                    INT AUTO_INCREMENT,
  domain_id             INT NOT NULL,
  kind                  VARCHAR(32),
  content               TEXT,
  PRIMARY KEY (id),
  KEY domainmetadata_idx (domain_id, kind)
) Engine=InnoDB CHARACTER SET 'latin1';

CREATE TABLE IF NOT EXISTS cryptokeys (
  id                    INT AUTO_INCREMENT,
  domain_id             INT NOT NULL,
  flags                 INT NOT NULL,
  active                BOOL,
  published             BOOL DEFAULT 1,
  content               TEXT,
  PRIMARY KEY (id),
  KEY domainidindex (domain_id)
) Engine=InnoDB CHARACTER SET 'latin1';

CREATE TABLE IF NOT EXISTS tsigkeys (
  id                    INT AUTO_INCREMENT,
  name                  VARCHAR(255),
  algorithm             VARCHAR(50),
  secret                VARCHAR(255),
  PRIMARY KEY (id),
  UNIQUE KEY namealgoindex (name, algorithm)
) Engine=InnoDB CHARACTER SET 'latin1';

INSERT INTO domains (id, name, type) VALUES (1, 'example.com', 'NATIVE'), (2, 'example.net', 'NATIVE');

INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.com', 'SOA', 'ns1.example.com hostmaster.example.com 2026112101 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.com', 'NS', 'ns1.example.com', 3600, 0, 0, 1),
  (1, 'example.com', 'NS', 'ns2.example.com', 3600, 0, 0, 1),
  (1, 'example.com', 'MX', 'mail.example.com', 3600, 10, 0, 1),
  (1, 'example.com', 'TXT', '"v=spf1 mx -all"', 3600, 0, 0, 1),
  (1, 'ns1.example.com', 'A', '192.0.2.1', 3600, 0, 0, 1),
  (1, 'ns2.example.com', 'A', '192.0.2.2', 3600, 0, 0, 1),
  (1, 'mail.example.com', 'A', '192.0.2.25', 3600, 0, 0, 1),
  (1, 'www.example.com', 'A', '192.0.2.80', 3600, 0, 0, 1),
  (1, 'www.example.com', 'AAAA', '2001:db8::80', 3600, 0, 0, 1),
  (1, '*.customers.example.com', 'CNAME', 'www.example.com', 3600, 0, 0, 1),
  (1, 'old.example.com', 'A', '192.0.2.99', 3600, 0, 1, 1),
  (1, 'customers.example.com', NULL, NULL, NULL, NULL, 0, 1),
  (2, 'example.net', 'SOA', 'ns1.example.com hostmaster.example.com 1 7200 3600 1209600 300', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns1.example.com', 3600, 0, 0, 1),
  (2, 'example.net', 'ALIAS', 'www.example.com', 3600, 0, 0, 1);
