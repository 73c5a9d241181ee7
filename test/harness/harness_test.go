package harness

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

const exampleZone = `$ORIGIN example.org.
@	3600	IN	SOA	ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300
@	3600	IN	NS	ns1.example.org.
ns1	3600	IN	A	192.0.2.53
www	3600	IN	A	192.0.2.1
www	3600	IN	AAAA	2001:db8::1
txt	300	IN	TXT	"hello world"
`

// exampleRecords is exampleZone as miekg/dns prints it, for AXFR comparisons.
var exampleRecords = []string{
	"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300",
	"example.org. 3600 IN NS ns1.example.org.",
	"ns1.example.org. 3600 IN A 192.0.2.53",
	"www.example.org. 3600 IN A 192.0.2.1",
	"www.example.org. 3600 IN AAAA 2001:db8::1",
	`txt.example.org. 300 IN TXT "hello world"`,
}

// startExample serves exampleZone with the file and transfer plugins.
func startExample(t *testing.T) *Server {
	t.Helper()
	zone := WriteFile(t, t.TempDir(), "db.example.org", exampleZone)
	return StartServer(t, fmt.Sprintf(`example.org:0 {
	file %s
	transfer {
		to *
	}
}`, zone))
}

func TestStartServerAnswersOverUDPAndTCP(t *testing.T) {
	s := startExample(t)
	if s.UDP == "" || s.TCP == "" || !strings.HasPrefix(s.UDP, "127.0.0.1:") || !strings.HasPrefix(s.TCP, "127.0.0.1:") {
		t.Fatalf("want UDP and TCP listeners on 127.0.0.1, got UDP %q TCP %q", s.UDP, s.TCP)
	}
	if got := s.Servers(); len(got) != 1 || got[0].UDP != s.UDP || got[0].TCP != s.TCP {
		t.Errorf("Servers() = %v, want one listener %s/%s", got, s.UDP, s.TCP)
	}

	www := Response{
		Authoritative: true,
		Answer:        []string{"www.example.org. 3600 IN A 192.0.2.1"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	}
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			addr := s.UDP
			if network == "tcp" {
				addr = s.TCP
			}
			AssertResponse(t, Exchange(t, addr, Query("www.example.org", dns.TypeA), network), www)

			AssertResponse(t, Exchange(t, addr, Query("nope.example.org.", dns.TypeA), network), Response{
				Rcode:         dns.RcodeNameError,
				Authoritative: true,
				// The file plugin gives the SOA its own TTL, not the minimum field.
				Ns: []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300"},
			})

			// Not our zone: the file plugin refuses it.
			AssertResponse(t, Exchange(t, addr, Query("example.net.", dns.TypeA), network), Response{
				Rcode: dns.RcodeRefused,
			})
		})
	}
}

func TestAssertResponseComparesOPTOnlyWhenWanted(t *testing.T) {
	s := startExample(t)
	resp := Exchange(t, s.UDP, WithEDNS(Query("txt.example.org.", dns.TypeTXT), 1232, true), "udp")
	if resp.IsEdns0() == nil {
		t.Fatalf("EDNS query got no OPT back:\n%s", resp)
	}
	want := Response{
		Authoritative: true,
		Answer:        []string{`txt.example.org. 300 IN TXT "hello world"`},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	}
	AssertResponse(t, resp, want)

	want.Extra = []string{OPT(1232, true)}
	AssertResponse(t, resp, want)

	// The same want with another buffer size must fail.
	want.Extra[0] = OPT(4096, true)
	if ft := runFake(t, func(tb testing.TB) { AssertResponse(tb, resp, want) }); !strings.Contains(ft.errors, "additional lacks") {
		t.Errorf("an OPT with another size passed or failed unexpectedly: %q", ft.errors)
	}
}

// TestAssertResponseFails checks that every kind of difference is reported: an
// assertion that cannot fail would let every test built on it pass.
func TestAssertResponseFails(t *testing.T) {
	got := new(dns.Msg)
	got.SetQuestion("www.example.org.", dns.TypeA)
	got.Response, got.Authoritative, got.RecursionDesired = true, true, false
	got.Answer = []dns.RR{mustRR(t, "www.example.org. 3600 IN A 192.0.2.1"), mustRR(t, "www.example.org. 3600 IN A 192.0.2.2")}
	got.Ns = []dns.RR{mustRR(t, "example.org. 3600 IN NS ns1.example.org.")}
	got.SetEdns0(4096, false)

	base := Response{
		Authoritative: true,
		// Another order and spacing than the response: neither matters.
		Answer: []string{"www.example.org.   IN A 192.0.2.2", "www.example.org. 3600 IN A 192.0.2.1"},
		Ns:     []string{"example.org. 3600 NS ns1.example.org."},
	}
	if ft := runFake(t, func(tb testing.TB) { AssertResponse(tb, got, base) }); ft.failed {
		t.Fatalf("matching response reported as different:\n%s", ft.errors)
	}

	for _, tc := range []struct {
		name   string
		change func(*Response)
		report string
	}{
		{"rcode", func(r *Response) { r.Rcode = dns.RcodeNameError }, "rcode is NOERROR, want NXDOMAIN"},
		{"aa", func(r *Response) { r.Authoritative = false }, "aa flag is true, want false"},
		{"tc", func(r *Response) { r.Truncated = true }, "tc flag is false, want true"},
		{"ra", func(r *Response) { r.RecursionAvailable = true }, "ra flag is false, want true"},
		{"rd", func(r *Response) { r.RecursionDesired = true }, "rd flag is false, want true"},
		{"ad", func(r *Response) { r.AuthenticatedData = true }, "ad flag is false, want true"},
		{"cd", func(r *Response) { r.CheckingDisabled = true }, "cd flag is false, want true"},
		{"opcode", func(r *Response) { r.Opcode = dns.OpcodeNotify }, "opcode is QUERY, want NOTIFY"},
		{"ttl", func(r *Response) {
			r.Answer = []string{"www.example.org. 60 IN A 192.0.2.1", "www.example.org. 3600 IN A 192.0.2.2"}
		},
			"answer lacks www.example.org.\t60\tIN\tA\t192.0.2.1"},
		{"missing record", func(r *Response) { r.Answer = append(r.Answer, "www.example.org. 3600 IN A 192.0.2.3") },
			"answer lacks www.example.org.\t3600\tIN\tA\t192.0.2.3"},
		{"unexpected record", func(r *Response) { r.Answer = r.Answer[:1] },
			"answer has unexpected www.example.org.\t3600\tIN\tA\t192.0.2.1"},
		{"duplicate counts", func(r *Response) { r.Answer = append(r.Answer, r.Answer[0]) }, "answer lacks"},
		{"authority", func(r *Response) { r.Ns = nil }, "authority has unexpected example.org."},
		{"additional", func(r *Response) { r.Extra = []string{"ns1.example.org. 3600 IN A 192.0.2.53"} },
			"additional lacks ns1.example.org."},
		{"opt", func(r *Response) { r.Extra = []string{OPT(4096, true)} }, "additional lacks ;; OPT PSEUDOSECTION: ; EDNS: version 0; flags: do; udp: 4096"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := base
			want.Answer = append([]string(nil), base.Answer...)
			tc.change(&want)
			ft := runFake(t, func(tb testing.TB) { AssertResponse(tb, got, want) })
			if !ft.failed || !strings.Contains(ft.errors, tc.report) {
				t.Errorf("want a failure reporting %q, got failed=%t:\n%s", tc.report, ft.failed, ft.errors)
			}
			// Both messages are printed whole.
			if !strings.Contains(ft.errors, "want:\n;; opcode: ") || !strings.Contains(ft.errors, "got:\n;; opcode: QUERY") {
				t.Errorf("failure does not show both messages:\n%s", ft.errors)
			}
		})
	}

	if ft := runFake(t, func(tb testing.TB) { AssertResponse(tb, got, Response{Answer: []string{"not a record"}}) }); !ft.failed {
		t.Error("an unparsable wanted record did not fail the test")
	}
	if ft := runFake(t, func(tb testing.TB) { AssertResponse(tb, nil, base) }); !strings.Contains(ft.errors, "no response") {
		t.Errorf("nil response not reported: %q", ft.errors)
	}
}

func TestAssertCase(t *testing.T) {
	s := startExample(t)
	tc := test.Case{
		Qname: "www.example.org.", Qtype: dns.TypeAAAA, Authoritative: true,
		Answer: []dns.RR{test.AAAA("www.example.org. 3600 IN AAAA 2001:db8::1")},
		Ns:     []dns.RR{test.NS("example.org. 3600 IN NS ns1.example.org.")},
	}
	resp := Exchange(t, s.UDP, Query(tc.Qname, tc.Qtype), "udp")
	AssertCase(t, resp, tc)

	tc.Answer = []dns.RR{test.AAAA("www.example.org. 3600 IN AAAA 2001:db8::2")}
	if ft := runFake(t, func(tb testing.TB) { AssertCase(tb, resp, tc) }); !ft.failed {
		t.Error("AssertCase passed a wrong address")
	}
}

func TestAXFR(t *testing.T) {
	s := startExample(t)
	rrs := AXFR(t, s.TCP, "example.org")
	AssertRRs(t, "AXFR example.org", rrs[:len(rrs)-1], exampleRecords)
	// A transfer starts and ends with the SOA.
	soa := exampleRecords[0]
	for _, rr := range []dns.RR{rrs[0], rrs[len(rrs)-1]} {
		if rr.String() != mustRR(t, soa).String() {
			t.Errorf("AXFR must start and end with the SOA, got %s", rr)
		}
	}

	if ft := runFake(t, func(tb testing.TB) { AssertRRs(tb, "AXFR", rrs, exampleRecords) }); !strings.Contains(ft.errors, "AXFR has unexpected example.org.") {
		t.Errorf("the second SOA was not reported: %q", ft.errors)
	}
	// Nothing to transfer for a zone the server does not have.
	if ft := runFake(t, func(tb testing.TB) { AXFR(tb, s.TCP, "example.net") }); !ft.failed {
		t.Error("AXFR of a zone the server does not serve did not fail")
	}
}

func TestStartServerChaosAndServers(t *testing.T) {
	s := StartServer(t, `.:0 {
	chaos hostdns-test ops@example.org
}`)
	m := Query("version.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	AssertResponse(t, Exchange(t, s.UDP, m, "udp"), Response{
		Answer: []string{`version.bind. 0 CH TXT "hostdns-test"`},
	})

	// With two ports there are two servers, started in no fixed order; Servers lists
	// both, UDP/TCP name the first block's.
	port := FreePort(t)
	fixed := "127.0.0.1:" + strconv.Itoa(port)
	for _, tc := range []struct {
		name, corefile string
		fixedFirst     bool
	}{
		{"ephemeral first", fmt.Sprintf("example.org:0 {\n\twhoami\n}\nexample.net:%d {\n\twhoami\n}", port), false},
		{"fixed first", fmt.Sprintf("example.net:%d {\n\twhoami\n}\nexample.org:0 {\n\twhoami\n}", port), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := StartServer(t, tc.corefile)
			ls := s.Servers()
			if len(ls) != 2 {
				t.Fatalf("want 2 listeners, got %v", ls)
			}
			if (s.UDP == fixed) != tc.fixedFirst || (s.TCP == fixed) != tc.fixedFirst {
				t.Errorf("UDP/TCP %s/%s are not the first block's (fixed port %d first: %t)", s.UDP, s.TCP, port, tc.fixedFirst)
			}
			for _, l := range ls {
				zone := "example.org."
				if l.UDP == fixed {
					zone = "example.net."
				}
				resp := Exchange(t, l.TCP, Query(zone, dns.TypeA), "tcp")
				if resp.Rcode != dns.RcodeSuccess || len(resp.Extra) == 0 {
					t.Errorf("whoami for %s on %v:\n%s", zone, l, resp)
				}
			}
		})
	}
}

func TestStartServerErr(t *testing.T) {
	inst, err := StartServerErr(`.:0 {
	no-such-plugin
}`)
	if err == nil || inst != nil {
		t.Fatalf("want an error and no instance, got %v, %v", inst, err)
	}
	if !strings.Contains(err.Error(), "no-such-plugin") {
		t.Errorf("error does not name the bad directive: %v", err)
	}

	inst, err = StartServerErr(".:0 {\n\twhoami\n}")
	if err != nil {
		t.Fatal(err)
	}
	stop(inst)
}

func TestFreePort(t *testing.T) {
	p1, p2 := FreePort(t), FreePort(t)
	if p1 == p2 {
		t.Errorf("FreePort returned %d twice", p1)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p1))
	tl, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("TCP port %d not free: %v", p1, err)
	}
	defer tl.Close()
	ul, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP port %d not free: %v", p1, err)
	}
	ul.Close()

	// Another test process (go test runs packages side by side) must not get p1 as well,
	// and no socket bound to port 0 may be given it by the kernel.
	if p1 < firstFreePort || p1 > lastFreePort || p1 >= 32768 {
		t.Errorf("FreePort returned %d, outside %d-%d or inside the kernel's ephemeral range", p1, firstFreePort, lastFreePort)
	}
	if f, err := lockPort(filepath.Join(os.TempDir(), "hostdns-test-ports"), p1); err == nil {
		f.Close()
		t.Errorf("port %d could be claimed again while this process holds it", p1)
	}
}

func TestFirstAddress(t *testing.T) {
	for _, tc := range []struct{ corefile, addr, zone, err string }{
		{"example.org:1053 {\n whoami\n}", "127.0.0.1:1053", "example.org.", ""},
		{"dns://.:5300 example.net:5300 {\n whoami\n}", "127.0.0.1:5300", ".", ""},
		{"example.org {\n whoami\n}", "", "", "no explicit port"},
		{"tls://.:853 {\n whoami\n}", "", "", "not plain DNS"},
	} {
		addr, zone, err := firstAddress(tc.corefile)
		if addr != tc.addr || zone != tc.zone || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("firstAddress(%q) = %q, %q, %v; want %q, %q, %q", tc.corefile, addr, zone, err, tc.addr, tc.zone, tc.err)
		}
	}
}

func TestStartBinary(t *testing.T) {
	port := FreePort(t)
	dir := t.TempDir()
	// A relative path: the process runs in dir.
	WriteFile(t, dir, "zones/db.example.org", exampleZone)
	p := StartBinaryWith(t, fmt.Sprintf(`example.org:%d {
	file zones/db.example.org
	transfer {
		to *
	}
}`, port), BinaryOptions{Dir: dir})

	addr := "127.0.0.1:" + strconv.Itoa(port)
	AssertResponse(t, Exchange(t, addr, Query("www.example.org.", dns.TypeAAAA), "udp"), Response{
		Authoritative: true,
		Answer:        []string{"www.example.org. 3600 IN AAAA 2001:db8::1"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org."},
	})
	rrs := AXFR(t, addr, "example.org.")
	AssertRRs(t, "AXFR example.org", rrs[1:], exampleRecords)

	// CoreDNS prints the server block it serves once started.
	if out := p.Output(); !strings.Contains(out, fmt.Sprintf("example.org.:%d", port)) {
		t.Errorf("output does not show the server block:\n%s", out)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("coredns did not exit cleanly on SIGTERM: %v\n%s", err, p.Output())
	}
	if _, err := os.Stat(filepath.Join(dir, "Corefile")); err != nil {
		t.Errorf("Corefile not written to the working directory: %v", err)
	}
}

func TestStartBinaryFailsWhenProcessExits(t *testing.T) {
	Binary(t) // build outside the fake test, which cannot show a build failure
	port := FreePort(t)
	ft := runFake(t, func(tb testing.TB) {
		StartBinaryWith(tb, fmt.Sprintf(".:%d {\n\tno-such-plugin\n}", port), BinaryOptions{Timeout: 5 * time.Second})
	})
	if !strings.Contains(ft.errors, "exited before answering") || !strings.Contains(ft.errors, "no-such-plugin") {
		t.Errorf("want a failure showing the early exit and the process output, got:\n%s", ft.errors)
	}
}

func TestMariaDB(t *testing.T) {
	var name string
	t.Run("use", func(t *testing.T) {
		m := NewMariaDB(t)
		name = m.Name
		if len(name) > 64 || !strings.HasPrefix(name, "t_testmariadb_use_") {
			t.Errorf("database name %q: want t_testmariadb_use_<random>, at most 64 bytes", name)
		}
		if !strings.Contains(m.DSN, "parseTime=true") || !strings.Contains(m.DSN, "multiStatements=true") || !strings.Contains(m.DSN, "/"+name+"?") {
			t.Errorf("DSN %q lacks the database or parameters", m.DSN)
		}
		// multiStatements: both statements in one Exec.
		if _, err := m.DB.Exec(`CREATE TABLE records (name VARCHAR(255), ttl INT, created DATETIME);
			INSERT INTO records VALUES ('www.example.org.', 3600, '2024-01-02 03:04:05')`); err != nil {
			t.Fatal(err)
		}
		var (
			ttl     int
			created time.Time // parseTime
		)
		if err := m.DB.QueryRow(`SELECT ttl, created FROM records WHERE name = ?`, "www.example.org.").Scan(&ttl, &created); err != nil {
			t.Fatal(err)
		}
		if ttl != 3600 || created.Year() != 2024 {
			t.Errorf("read back ttl %d created %v", ttl, created)
		}
	})

	// The sub-test's cleanup has run: its database must be gone.
	m := NewMariaDB(t)
	var n int
	if err := m.DB.QueryRow(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if name == "" || n != 0 {
		t.Errorf("database %q still exists after its test ended", name)
	}
	if m.Name == name {
		t.Errorf("two tests got the same database %q", name)
	}
}

func TestMariaDBLongName(t *testing.T) {
	t.Run(strings.Repeat("very long sub-test name ", 5), func(t *testing.T) {
		m := NewMariaDB(t)
		if len(m.Name) > 64 {
			t.Errorf("database name %q is %d bytes", m.Name, len(m.Name))
		}
	})
}

func TestRedis(t *testing.T) {
	outer := NewRedis(t)
	ctx := t.Context()
	// A key of another test, which the sub-test's cleanup must leave alone.
	if err := outer.Client.Set(ctx, outer.Key("keep"), "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var keys []string
	t.Run("use", func(t *testing.T) {
		r := NewRedis(t)
		if r.Prefix == outer.Prefix || !strings.HasPrefix(r.Prefix, "hostdns-test:testredis_use_") || !strings.HasSuffix(r.Prefix, ":") {
			t.Errorf("prefix %q", r.Prefix)
		}
		// More keys than one SCAN batch, so cleanup must iterate.
		for i := range 2500 {
			keys = append(keys, r.Key("k"+strconv.Itoa(i)))
		}
		pipe := r.Client.Pipeline()
		for _, k := range keys {
			pipe.Set(ctx, k, "v", 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := r.Client.Get(ctx, keys[42]).Result(); err != nil || v != "v" {
			t.Fatalf("GET %s = %q, %v", keys[42], v, err)
		}
	})

	n, err := outer.Client.Exists(ctx, keys...).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d of the sub-test's %d keys survived its cleanup", n, len(keys))
	}
	if v, err := outer.Client.Get(ctx, outer.Key("keep")).Result(); err != nil || v != "1" {
		t.Errorf("another test's key was touched: %q, %v", v, err)
	}
}

func TestUniqueName(t *testing.T) {
	a, b := uniqueName("t_", "TestX/sub test#1", 64), uniqueName("t_", "TestX/sub test#1", 64)
	if a == b {
		t.Errorf("two names alike: %s", a)
	}
	if !strings.HasPrefix(a, "t_testx_sub_test_1_") {
		t.Errorf("name %q", a)
	}
}

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// fakeTB records failures instead of failing the real test, to check that the helpers
// fail when they must. Fatal ends the calling goroutine, as testing.T's does.
type fakeTB struct {
	testing.TB
	failed bool
	errors string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.failed = true
	f.errors += fmt.Sprintf(format, args...) + "\n"
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

// runFake runs fn with a fakeTB in its own goroutine, so Fatal can end it, and returns
// what fn reported. Cleanups fn registers run on the real test, via the embedded TB.
func runFake(t *testing.T, fn func(testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}
