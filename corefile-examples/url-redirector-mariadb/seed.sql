-- The zone of the url-redirector-mariadb example, in the PowerDNS schema: load
-- plugin/pkg/sqlstore/schema/mysql.sql, then this, into an empty database.
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026120501 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.org', 'NS', 'ns1.example.org', 3600, 0, 0, 1),
  (1, 'ns1.example.org', 'A', '192.0.2.53', 3600, 0, 0, 1),
  (1, 'www.example.org', 'A', '192.0.2.80', 3600, 0, 0, 1),
  (1, 'go.example.org', 'URL', '"https://www.example.com/" 302', 300, 0, 0, 1),
  (1, '*.old.example.org', 'URL', '"https://new.example.com/"', 60, 0, 0, 1);
