-- Two sample zones as a control panel would leave them in a PowerDNS gpgsql database: rows
-- only, no hostdns objects (sqlbackend adds its change log itself). Load the PowerDNS schema
-- that sqlbackend ships, then this, into an empty database:
--   psql -v ON_ERROR_STOP=1 pdns < plugin/pkg/sqlstore/schema/postgres.sql
--   psql -v ON_ERROR_STOP=1 pdns < corefile-examples/postgres/seed.sql
-- disabled and auth are booleans in gpgsql; names are lower case (c_lowercase_name).

INSERT INTO domains (id, name, type) VALUES (1, 'example.com', 'NATIVE'), (2, 'example.net', 'NATIVE');
-- The ids above were given, not drawn: move the sequence past them for later inserts.
SELECT setval('domains_id_seq', (SELECT MAX(id) FROM domains));

INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.com', 'SOA', 'ns1.example.com hostmaster.example.com 2026112101 7200 3600 1209600 300', 3600, 0, FALSE, TRUE),
  (1, 'example.com', 'NS', 'ns1.example.com', 3600, 0, FALSE, TRUE),
  (1, 'example.com', 'NS', 'ns2.example.com', 3600, 0, FALSE, TRUE),
  (1, 'example.com', 'MX', 'mail.example.com', 3600, 10, FALSE, TRUE),
  (1, 'example.com', 'TXT', '"v=spf1 mx -all"', 3600, 0, FALSE, TRUE),
  (1, 'ns1.example.com', 'A', '192.0.2.1', 3600, 0, FALSE, TRUE),
  (1, 'ns2.example.com', 'A', '192.0.2.2', 3600, 0, FALSE, TRUE),
  (1, 'mail.example.com', 'A', '192.0.2.25', 3600, 0, FALSE, TRUE),
  (1, 'www.example.com', 'A', '192.0.2.80', 3600, 0, FALSE, TRUE),
  (1, 'www.example.com', 'AAAA', '2001:db8::80', 3600, 0, FALSE, TRUE),
  (1, '*.customers.example.com', 'CNAME', 'www.example.com', 3600, 0, FALSE, TRUE),
  (1, 'old.example.com', 'A', '192.0.2.99', 3600, 0, TRUE, TRUE),
  (1, 'customers.example.com', NULL, NULL, NULL, NULL, FALSE, TRUE),
  (2, 'example.net', 'SOA', 'ns1.example.com hostmaster.example.com 1 7200 3600 1209600 300', 3600, 0, FALSE, TRUE),
  (2, 'example.net', 'NS', 'ns1.example.com', 3600, 0, FALSE, TRUE),
  (2, 'example.net', 'ALIAS', 'www.example.com', 3600, 0, FALSE, TRUE);
