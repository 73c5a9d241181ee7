-- A zone signed online, as pdnsutil leaves a PowerDNS database after
--   pdnsutil add-zone-key example.org ksk active published ecdsa256
--   pdnsutil add-zone-key example.org zsk active published ecdsa256
-- The private keys below are DEMO keys, public in this repository: never use them.
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.org',       'SOA',   'ns1.example.org hostmaster.example.org 2026120501 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.org',       'NS',    'ns1.example.org',  3600, 0,  0, 1),
  (1, 'example.org',       'MX',    'mail.example.org', 3600, 10, 0, 1),
  (1, 'example.org',       'ALIAS', 'lb.example.org',   300,  0,  0, 1),
  (1, 'ns1.example.org',   'A',     '192.0.2.1',        3600, 0,  0, 1),
  (1, 'mail.example.org',  'A',     '192.0.2.25',       3600, 0,  0, 1),
  (1, 'lb.example.org',    'A',     '192.0.2.80',       60,   0,  0, 1),
  (1, 'www.example.org',   'A',     '192.0.2.80',       3600, 0,  0, 1),
  (1, '*.users.example.org', 'TXT', '"a user page"',    3600, 0,  0, 1);
INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES
  (1, 257, 1, 1, 'Private-key-format: v1.2
Algorithm: 13 (ECDSAP256SHA256)
PrivateKey: 70abBtcnxgX/5wjyMDoRJnxJuSV0E+HbbQtlR68Ft8M=
'),
  (1, 256, 1, 1, 'Private-key-format: v1.2
Algorithm: 13 (ECDSAP256SHA256)
PrivateKey: 4Iab/AZfwV9VKVKoFUeLUnOjlxiPoGsTdmARt8OWMXA=
');
