// Package harness starts hostdns the ways its integration and e2e tests need, and checks
// what comes back: in-process CoreDNS servers from a Corefile, the built coredns binary as
// a child process, DNS queries and zone transfers, whole-response assertions, and a fresh
// MariaDB database or Redis key space per test, and a real PowerDNS server (StartPowerDNS) on
// such a database, to compare answers with, and the reference authoritative servers NSD
// (StartNSD) and BIND (StartNamed) serving zone-file text, to check expected answers against,
// and real secondaries (StartSecondary: BIND, NSD, Knot, CoreDNS's secondary plugin) of a
// primary under test, with their transfers read from their logs (Secondary.Transfers), and
// real primaries (StartPrimary: BIND, NSD, Knot) of a secondary under test, which reload a
// changed zone (Primary.SetZone), serve IXFR (BIND, Knot), send NOTIFY and log their
// outgoing transfers (Primary.OutgoingTransfers).
//
// Every helper that can fail takes the test's testing.TB, fails the test itself on a setup
// error, and registers its own cleanup, so a test reads as the behaviour it checks:
//
//	zone := harness.WriteFile(t, t.TempDir(), "db.example.org", zoneText)
//	s := harness.StartServer(t, "example.org:0 {\n\tfile "+zone+"\n}")
//	resp := harness.Exchange(t, s.UDP, harness.Query("www.example.org.", dns.TypeA), "udp")
//	harness.AssertResponse(t, resp, harness.Response{
//		Authoritative: true,
//		Answer:        []string{"www.example.org. 3600 IN A 127.0.0.1"},
//		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
//	})
//
// MariaDB and Redis are never optional: when they are unreachable the test fails and
// says to run test/scripts/ensure-services.sh, rather than skipping and passing unseen.
package harness
