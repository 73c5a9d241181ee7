-- The zones of the provider-abusepool example, in the PowerDNS gmysql schema: load
-- plugin/pkg/sqlstore/schema/mysql.sql, then this, into an empty database.
INSERT INTO domains (id, name, type) VALUES (1, 'example.com', 'NATIVE'), (2, 'example.net', 'NATIVE');

INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.com', 'SOA', 'ns1.example.com hostmaster.example.com 2026120601 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.com', 'NS', 'ns1.example.com', 3600, 0, 0, 1),
  (1, 'example.com', 'NS', 'ns2.example.com', 3600, 0, 0, 1),
  (1, 'example.com', 'MX', 'mail.example.com', 3600, 10, 0, 1),
  (1, 'ns1.example.com', 'A', '192.0.2.1', 3600, 0, 0, 1),
  (1, 'ns2.example.com', 'A', '192.0.2.2', 3600, 0, 0, 1),
  (1, 'mail.example.com', 'A', '192.0.2.25', 3600, 0, 0, 1),
  (1, 'www.example.com', 'A', '192.0.2.80', 3600, 0, 0, 1),
  (1, 'www.example.com', 'AAAA', '2001:db8::80', 3600, 0, 0, 1),
  (2, 'example.net', 'SOA', 'ns1.example.com hostmaster.example.com 2026120601 7200 3600 1209600 300', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns1.example.com', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns2.example.com', 3600, 0, 0, 1),
  (2, 'www.example.net', 'A', '192.0.2.81', 3600, 0, 0, 1);
