package sqlbackend_test

import (
	"fmt"
	"strings"
)

// The zones the parity corpus runs against, as zone-file text. The file plugin
// reads them as they are; loadZone turns them into PowerDNS rows. Some names are
// there for the deviations (see deviations_test.go): ent.wild (rule a), the
// delegation of the served child sub.example.org with a DS and tosub pointing
// into it (c, d), svc (g) and the zone manyns.test, whose apex NS set alone does
// not fit 512 octets (f).
var corpusZones = map[string]string{
	"example.org.": `$ORIGIN example.org.
$TTL 3600
@       IN SOA  ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300
        IN NS   ns1.example.org.
        IN NS   ns2.example.net.
        IN MX   10 mail.example.org.
        IN MX   20 mail2.example.net.
        IN TXT  "v=spf1 mx -all"
        IN CAA  0 issue "letsencrypt.org"
        IN A    192.0.2.10
        IN AAAA 2001:db8::10
ns1     IN A    192.0.2.1
mail    IN A    192.0.2.25
        IN AAAA 2001:db8::25
www     IN A    192.0.2.80
        IN AAAA 2001:db8::80
web     IN CNAME www
login   IN CNAME web
chain   IN CNAME login
ext     IN CNAME www.example.net.
loop1   IN CNAME loop2
loop2   IN CNAME loop1
dangling IN CNAME nothere
*.wild  IN A    192.0.2.99
*.wild  IN TXT  "wild"
*.cw    IN CNAME www
sub.wild IN A   192.0.2.98
a.b.ent IN A    192.0.2.77
*.ent2  IN MX   10 mail
x.y.ent2 IN TXT "deep"
_sip._tcp  IN SRV 10 20 5060 sip.example.org.
_sip._udp  IN SRV 10 20 5060 sip.example.org.
sip     IN A    192.0.2.50
dkim._domainkey IN TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIj" "ANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ" "8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
big     IN A    192.0.2.1
big     IN A    192.0.2.2
big     IN A    192.0.2.3
big     IN A    192.0.2.4
big     IN A    192.0.2.5
big     IN A    192.0.2.6
big     IN A    192.0.2.7
big     IN A    192.0.2.8
big     IN A    192.0.2.9
big     IN A    192.0.2.10
big     IN A    192.0.2.11
big     IN A    192.0.2.12
big     IN A    192.0.2.13
big     IN A    192.0.2.14
big     IN A    192.0.2.15
big     IN A    192.0.2.16
big     IN A    192.0.2.17
big     IN A    192.0.2.18
big     IN A    192.0.2.19
big     IN A    192.0.2.20
big     IN A    192.0.2.21
big     IN A    192.0.2.22
big     IN A    192.0.2.23
big     IN A    192.0.2.24
big     IN A    192.0.2.25
big     IN A    192.0.2.26
big     IN A    192.0.2.27
big     IN A    192.0.2.28
big     IN A    192.0.2.29
big     IN A    192.0.2.30
big     IN A    192.0.2.31
big     IN A    192.0.2.32
big     IN A    192.0.2.33
big     IN A    192.0.2.34
big     IN A    192.0.2.35
big     IN A    192.0.2.36
big     IN A    192.0.2.37
big     IN A    192.0.2.38
big     IN A    192.0.2.39
big     IN A    192.0.2.40
big     IN A    192.0.2.41
big     IN A    192.0.2.42
big     IN A    192.0.2.43
big     IN A    192.0.2.44
big     IN A    192.0.2.45
big     IN A    192.0.2.46
big     IN A    192.0.2.47
big     IN A    192.0.2.48
big     IN A    192.0.2.49
big     IN A    192.0.2.50
big     IN A    192.0.2.51
big     IN A    192.0.2.52
big     IN A    192.0.2.53
big     IN A    192.0.2.54
big     IN A    192.0.2.55
big     IN A    192.0.2.56
big     IN A    192.0.2.57
big     IN A    192.0.2.58
big     IN A    192.0.2.59
big     IN A    192.0.2.60
deleg   IN NS   ns1.deleg.example.org.
        IN NS   ns.example.net.
        IN DS   12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE0D4C3B4B8B4D5D2B7A1E9F40
ns1.deleg IN A  192.0.2.53
ns1.deleg IN AAAA 2001:db8::53
deleg2  IN NS   ns.deleg2.example.org.
ns.deleg2 IN A  192.0.2.54
alias   IN ALIAS lb.example.net.
pool    IN POOL  h1.example.net. 10
pool    IN POOL  h2.example.net. 5
go      IN URL   "https://www.example.com/path?q=1" 302
ptr     IN PTR   www.example.org.
MiXeD   IN A     192.0.2.66
host.ent.wild IN A 192.0.2.7
sub     IN NS    ns1.sub.example.org.
sub     IN DS    54321 13 2 5F0C1E1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708192A3B4C5D6E7F
ns1.sub IN A     198.51.100.53
tosub   IN CNAME www.sub.example.org.
svc     IN HTTPS 1 svc-host.example.org. alpn="h2"
svc-host IN A    192.0.2.44
        IN AAAA  2001:db8::44
`,
	"sub.example.org.": `$ORIGIN sub.example.org.
$TTL 300
@       IN SOA  ns1.sub.example.org. admin.sub.example.org. 7 3600 600 86400 60
        IN NS   ns1.sub.example.org.
        IN A    198.51.100.1
ns1     IN A    198.51.100.53
www     IN A    198.51.100.80
*       IN AAAA 2001:db8:1::1
`,
	"example.net.": `$ORIGIN example.net.
$TTL 600
@       IN SOA  ns.example.net. hostmaster.example.net. 1 3600 600 86400 120
        IN NS   ns.example.net.
ns      IN A    203.0.113.53
www     IN A    203.0.113.80
        IN TXT  "hello world" "second string"
lb      IN A    203.0.113.1
        IN A    203.0.113.2
h1      IN CNAME www
_443._tcp.www IN TLSA 3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
`,
	"manyns.test.": manyNSZone("manyns.test."),
}

// manyNSZone is a zone whose 12 apex NS share no suffix but the TLD, so name
// compression cannot shrink them: about 600 octets, more than a reply without
// EDNS may hold, while an answer to www A is a few dozen.
func manyNSZone(origin string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n@ IN SOA %s hostmaster.%s 1 7200 3600 1209600 300\n", origin, manyNS()[0], origin)
	for _, ns := range manyNS() {
		fmt.Fprintf(&b, "@ IN NS %s\n", ns)
	}
	b.WriteString("www IN A 192.0.2.1\n")
	return b.String()
}

func manyNS() []string {
	var out []string
	for i := 1; i <= 12; i++ {
		out = append(out, fmt.Sprintf("ns.provider-number-%02d-with-a-rather-long-name.example.", i))
	}
	return out
}
