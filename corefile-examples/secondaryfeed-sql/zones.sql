-- The zones of the secondaryfeed-sql example, in the PowerDNS schema.
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE'), (2, 'example.net', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026120601 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.org', 'NS', 'ns1.example.org', 3600, 0, 0, 1),
  (1, 'ns1.example.org', 'A', '192.0.2.53', 3600, 0, 0, 1),
  (1, 'example.org', 'ALIAS', 'lb.example.net', 300, 0, 0, 1),
  (1, 'www.example.org', 'POOL', 'web1.example.net 10', 300, 0, 0, 1),
  (1, 'www.example.org', 'POOL', 'web2.example.net 5', 300, 0, 0, 1),
  (1, 'go.example.org', 'URL', '"https://www.example.com/" 302', 300, 0, 0, 1),
  (2, 'example.net', 'SOA', 'ns1.example.org hostmaster.example.org 1 7200 3600 1209600 300', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns1.example.org', 3600, 0, 0, 1),
  (2, 'lb.example.net', 'A', '192.0.2.10', 120, 0, 0, 1),
  (2, 'lb.example.net', 'AAAA', '2001:db8::10', 120, 0, 0, 1),
  (2, 'web1.example.net', 'A', '192.0.2.11', 300, 0, 0, 1),
  (2, 'web2.example.net', 'A', '192.0.2.12', 300, 0, 0, 1);
-- example.org also accepts the key (PowerDNS's TSIG-ALLOW-AXFR).
INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'TSIG-ALLOW-AXFR', 'xfr.example.org');
