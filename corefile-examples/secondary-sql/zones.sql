-- The secondary-sql example's database, in the PowerDNS generic schema. sqlbackend runs
-- this file once, when it creates the database file.
-- example.org is a SLAVE zone: sqlsecondary fills its records from the primary in master.
INSERT INTO domains (id, name, type, master) VALUES (1, 'example.org', 'SLAVE', '127.0.0.1:5300');
-- An autosecondary source (used only with `autosecondary` in the Corefile): a NOTIFY from
-- 127.0.0.1 for a zone not listed here creates its SLAVE row, account 'example'.
INSERT INTO supermasters (ip, nameserver, account) VALUES ('127.0.0.1', 'ns1.example.net', 'example');

-- example.net is an ordinary NATIVE zone beside it, served as sqlbackend serves any zone.
INSERT INTO domains (id, name, type) VALUES (2, 'example.net', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl, prio) VALUES
  (2, 'example.net', 'SOA', 'ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300', 3600, 0),
  (2, 'example.net', 'NS', 'ns1.example.net', 3600, 0),
  (2, 'ns1.example.net', 'A', '192.0.2.1', 3600, 0),
  (2, 'www.example.net', 'A', '192.0.2.80', 3600, 0);
