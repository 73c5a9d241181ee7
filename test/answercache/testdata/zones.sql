-- Zones of the answercache integration tests, in PowerDNS's generic schema (names without
-- the trailing dot, MX priority in prio). example.org holds one of each kind of answer the
-- parity corpus asks about: CNAME chains within and across zones, a wildcard, an empty
-- non-terminal, a delegation with glue, and a TXT set too large for 512 octets.
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO domains (id, name, type) VALUES (2, 'example.net', 'NATIVE');

INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026120601 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.org', 'NS', 'ns1.example.org', 3600, 0, 0, 1),
  (1, 'example.org', 'NS', 'ns2.example.net', 3600, 0, 0, 1),
  (1, 'example.org', 'MX', 'mail.example.org', 3600, 10, 0, 1),
  (1, 'example.org', 'TXT', '"v=spf1 mx -all"', 3600, 0, 0, 1),
  (1, 'example.org', 'A', '192.0.2.1', 3600, 0, 0, 1),
  (1, 'ns1.example.org', 'A', '192.0.2.53', 3600, 0, 0, 1),
  (1, 'www.example.org', 'A', '192.0.2.80', 300, 0, 0, 1),
  (1, 'www.example.org', 'AAAA', '2001:db8::80', 300, 0, 0, 1),
  (1, 'mail.example.org', 'A', '192.0.2.25', 3600, 0, 0, 1),
  (1, 'web.example.org', 'CNAME', 'www.example.org', 3600, 0, 0, 1),
  (1, 'chain.example.org', 'CNAME', 'web.example.org', 3600, 0, 0, 1),
  (1, 'ext.example.org', 'CNAME', 'www.example.net', 3600, 0, 0, 1),
  (1, '*.wild.example.org', 'A', '192.0.2.99', 3600, 0, 0, 1),
  (1, 'a.b.example.org', 'A', '192.0.2.11', 3600, 0, 0, 1),
  (1, 'deleg.example.org', 'NS', 'ns1.deleg.example.org', 3600, 0, 0, 0),
  (1, 'ns1.deleg.example.org', 'A', '192.0.2.54', 3600, 0, 0, 0),
  (1, 'big.example.org', 'TXT', '"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"', 3600, 0, 0, 1),
  (1, 'big.example.org', 'TXT', '"1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"', 3600, 0, 0, 1),
  (1, 'big.example.org', 'TXT', '"2222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"', 3600, 0, 0, 1),
  (1, 'big.example.org', 'TXT', '"3333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"', 3600, 0, 0, 1);

INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (2, 'example.net', 'SOA', 'ns1.example.org hostmaster.example.org 7 7200 3600 1209600 600', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns1.example.org', 3600, 0, 0, 1),
  (2, 'www.example.net', 'A', '198.51.100.80', 3600, 0, 0, 1),
  (2, 'back.example.net', 'CNAME', 'www.example.org', 3600, 0, 0, 1);
