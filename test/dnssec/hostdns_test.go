package dnssec_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// hostdns is the server under test: sqlsign signing what sqlbackend serves
// from the database, in-process, on one fixed port for UDP and TCP (Unbound's
// stub-addr names one address).
var hostdns = authority{name: "hostdns", start: func(t *testing.T, f *fixture) string {
	return startHostdns(t, f, "")
}}

// startHostdns starts hostdns as hostdns.start does, with the plugins lines
// (alias, pool, ...) in the server block too: plugin.cfg orders them.
func startHostdns(t *testing.T, f *fixture, plugins string) string {
	t.Helper()
	port := harness.FreePort(t)
	s := harness.StartServer(t, fmt.Sprintf(`%s:%d {
	bind 127.0.0.1
	sqlsign
	%s
	sqlbackend {
		driver mysql
		dsn %s
	}
}`, origin, port, plugins, f.db.DSN))
	harness.WaitFor(t, s.UDP, origin, dns.TypeSOA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 10*time.Second)
	return s.UDP
}

func TestHostdnsValidates(t *testing.T)   { testValidation(t, hostdns) }
func TestHostdnsTamper(t *testing.T)      { testTamper(t, hostdns) }
func TestHostdnsKeyChange(t *testing.T)   { testKeyChange(t, hostdns) }
func TestHostdnsZSKRollover(t *testing.T) { testZSKRollover(t, hostdns) }
func TestHostdnsKSKRollover(t *testing.T) { testKSKRollover(t, hostdns) }
func TestHostdnsCDS(t *testing.T)         { testCDS(t, hostdns) }

// TestHostdnsMatchesPowerDNS serves one database with PowerDNS and with
// hostdns: the same DNSKEY set (flags, algorithm, key, hence key tags), and
// every case validates through each.
func TestHostdnsMatchesPowerDNS(t *testing.T) {
	insec := startInsec(t)
	for _, s := range signings {
		t.Run(s.name, func(t *testing.T) {
			f := newFixture(t, s)
			pdns, ours := powerDNS.start(t, f), hostdns.start(t, f)
			if p, h := dnskeys(t, pdns), dnskeys(t, ours); !slices.Equal(p, h) {
				t.Errorf("DNSKEY sets differ\nPowerDNS:\n%s\nhostdns:\n%s", strings.Join(p, "\n"), strings.Join(h, "\n"))
			}
			if p, h := servedKeys(t, pdns), servedKeys(t, ours); !slices.Equal(p, h) {
				t.Errorf("key tags: PowerDNS %v, hostdns %v", p, h)
			}
			anchors := f.anchors(t)
			for _, srv := range []struct{ name, addr string }{{"powerdns", pdns}, {"hostdns", ours}} {
				t.Run(srv.name, func(t *testing.T) {
					u := resolver(t, srv.addr, insec, anchors)
					runCases(t, u.Addr, s)
					checkDNSKEY(t, u.Addr, publishedTags(t, f))
				})
			}
		})
	}
}

// dnskeys returns the DNSKEY set the authority at addr serves, one record a
// line, TTL included (PowerDNS gives it the SOA's MINIMUM), sorted.
func dnskeys(t *testing.T, addr string) []string {
	t.Helper()
	var keys []string
	for _, rr := range askAuthority(t, addr, origin, dns.TypeDNSKEY).Answer {
		if rr.Header().Rrtype == dns.TypeDNSKEY {
			keys = append(keys, rr.String())
		}
	}
	slices.Sort(keys)
	return keys
}
