-- The zone of corefile-examples/alias-pool/db.example.org, as PowerDNS tools store it:
-- names and targets without the trailing dot, one row per record. sqlbackend runs this
-- once, when it creates the SQLite file named by dsn.
INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES
  (1, 'example.org',            'SOA',   'ns1.example.org hostmaster.example.org 2026112101 7200 3600 1209600 300', 3600, 0, 0, 1),
  (1, 'example.org',            'NS',    'ns1.example.org',          3600, 0,  0, 1),
  (1, 'example.org',            'NS',    'ns2.example.org',          3600, 0,  0, 1),
  (1, 'example.org',            'MX',    'mail.example.org',         3600, 10, 0, 1),
  (1, 'example.org',            'TXT',   '"v=spf1 mx -all"',         3600, 0,  0, 1),
  (1, 'example.org',            'ALIAS', 'lb.example.org',           300,  0,  0, 1),
  (1, 'ns1.example.org',        'A',     '192.0.2.1',                3600, 0,  0, 1),
  (1, 'ns2.example.org',        'A',     '192.0.2.2',                3600, 0,  0, 1),
  (1, 'mail.example.org',       'A',     '192.0.2.25',               3600, 0,  0, 1),
  (1, 'lb.example.org',         'A',     '192.0.2.80',               60,   0,  0, 1),
  (1, 'lb.example.org',         'AAAA',  '2001:db8::80',             60,   0,  0, 1),
  (1, 'shop.example.org',       'ALIAS', 'shop-cname.example.org',   3600, 0,  0, 1),
  (1, 'shop-cname.example.org', 'CNAME', 'lb.example.org',           3600, 0,  0, 1),
  (1, 'www.example.org',        'POOL',  'web1.example.org 2',       30,   0,  0, 1),
  (1, 'www.example.org',        'POOL',  'web2.example.org 1',       30,   0,  0, 1),
  (1, 'www.example.org',        'POOL',  'web3.example.org 1',       30,   0,  0, 1),
  (1, 'web1.example.org',       'A',     '192.0.2.81',               3600, 0,  0, 1),
  (1, 'web2.example.org',       'A',     '192.0.2.82',               3600, 0,  0, 1),
  (1, 'web3.example.org',       'A',     '192.0.2.83',               3600, 0,  0, 1),
  (1, 'plain.example.org',      'A',     '192.0.2.90',               3600, 0,  0, 1);
