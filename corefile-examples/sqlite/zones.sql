-- Sample zones for the SQLite quickstart, in the PowerDNS generic schema:
-- names without the trailing dot, MX/SRV priority in prio. sqlbackend runs
-- this file once, when it creates the database file.
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO domains (id, name, type) VALUES (2, 'example.net', 'NATIVE');

INSERT INTO records (domain_id, name, type, content, ttl, prio) VALUES
  (1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 2026112101 7200 3600 1209600 300', 3600, 0),
  (1, 'example.org', 'NS', 'ns1.example.org', 3600, 0),
  (1, 'example.org', 'NS', 'ns2.example.org', 3600, 0),
  (1, 'example.org', 'MX', 'mail.example.org', 3600, 10),
  (1, 'example.org', 'TXT', '"v=spf1 mx -all"', 3600, 0),
  (1, 'example.org', 'A', '192.0.2.80', 3600, 0),
  (1, 'ns1.example.org', 'A', '192.0.2.1', 3600, 0),
  (1, 'ns2.example.org', 'A', '192.0.2.2', 3600, 0),
  (1, 'mail.example.org', 'A', '192.0.2.25', 3600, 0),
  (1, 'www.example.org', 'A', '192.0.2.80', 3600, 0),
  (1, 'www.example.org', 'AAAA', '2001:db8::80', 3600, 0),
  (1, 'webmail.example.org', 'CNAME', 'www.example.org', 3600, 0),
  (1, '*.users.example.org', 'A', '192.0.2.81', 3600, 0),
  (1, '_imaps._tcp.example.org', 'SRV', '1 993 mail.example.org', 3600, 0),
  (1, 'go.example.org', 'URL', '"https://www.example.org/welcome" 302', 3600, 0);

INSERT INTO records (domain_id, name, type, content, ttl, prio) VALUES
  (2, 'example.net', 'SOA', 'ns1.example.org hostmaster.example.org 1 7200 3600 1209600 300', 3600, 0),
  (2, 'example.net', 'NS', 'ns1.example.org', 3600, 0),
  (2, 'example.net', 'ALIAS', 'www.example.org', 3600, 0),
  (2, 'www.example.net', 'CNAME', 'www.example.org', 3600, 0);
