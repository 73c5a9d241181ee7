-- The zones of the provider-mariadb-redis example, in the PowerDNS gmysql schema: load
-- plugin/pkg/sqlstore/schema/mysql.sql, then this, into an empty database.
-- example.com is signed online (the two keys below, ECDSAP256SHA256, are test keys: never
-- use them for a real zone); example.net has an ALIAS at its apex, a POOL and URL records.
INSERT INTO domains (id, name, type) VALUES (1, 'example.com', 'NATIVE'), (2, 'example.net', 'NATIVE');

INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.com', 'SOA', 'ns1.example.com hostmaster.example.com 2026120501 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.com', 'NS', 'ns1.example.com', 3600, 0, 0, 1),
  (1, 'example.com', 'NS', 'ns2.example.com', 3600, 0, 0, 1),
  (1, 'example.com', 'MX', 'mail.example.com', 3600, 10, 0, 1),
  (1, 'example.com', 'TXT', '"v=spf1 mx -all"', 3600, 0, 0, 1),
  (1, 'ns1.example.com', 'A', '192.0.2.1', 3600, 0, 0, 1),
  (1, 'ns2.example.com', 'A', '192.0.2.2', 3600, 0, 0, 1),
  (1, 'mail.example.com', 'A', '192.0.2.25', 3600, 0, 0, 1),
  (1, 'www.example.com', 'A', '192.0.2.80', 3600, 0, 0, 1),
  (1, 'www.example.com', 'AAAA', '2001:db8::80', 3600, 0, 0, 1),
  (2, 'example.net', 'SOA', 'ns1.example.com hostmaster.example.com 2026120501 7200 3600 1209600 300', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns1.example.com', 3600, 0, 0, 1),
  (2, 'example.net', 'NS', 'ns2.example.com', 3600, 0, 0, 1),
  (2, 'example.net', 'ALIAS', 'lb.example.net', 300, 0, 0, 1),
  (2, 'lb.example.net', 'A', '192.0.2.80', 60, 0, 0, 1),
  (2, 'www.example.net', 'POOL', 'web1.example.net 2', 30, 0, 0, 1),
  (2, 'www.example.net', 'POOL', 'web2.example.net 1', 30, 0, 0, 1),
  (2, 'web1.example.net', 'A', '192.0.2.81', 3600, 0, 0, 1),
  (2, 'web2.example.net', 'A', '192.0.2.82', 3600, 0, 0, 1),
  (2, 'go.example.net', 'URL', '"https://www.example.com/" 302', 300, 0, 0, 1);

INSERT INTO cryptokeys (domain_id, flags, active, published, content) VALUES
  (1, 257, 1, 1, 'Private-key-format: v1.2
Algorithm: 13 (ECDSAP256SHA256)
PrivateKey: 70abBtcnxgX/5wjyMDoRJnxJuSV0E+HbbQtlR68Ft8M=
'),
  (1, 256, 1, 1, 'Private-key-format: v1.2
Algorithm: 13 (ECDSAP256SHA256)
PrivateKey: 4Iab/AZfwV9VKVKoFUeLUnOjlxiPoGsTdmARt8OWMXA=
');
