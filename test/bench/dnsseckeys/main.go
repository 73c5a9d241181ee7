// Command dnsseckeys secures the generator's zones for the DNSSEC benchmarks
// (test/bench/dnssec.sh): an ECDSA P-256 KSK and ZSK per zone, written twice
// from the same keys so that both servers sign with identical key material:
//
//   - -sql FILE: cryptokeys rows as `pdnsutil add-zone-key ZONE ksk|zsk active
//     published ecdsa256` leaves them (BIND Private-key-format content; miekg/dns
//     writes v1.3 where PowerDNS writes v1.2; pdnskeys ignores the version),
//     for sqlbackend + sqlsign;
//   - -keydir DIR: K<zone>.+013+<tag>.key/.private files, for the stock
//     dnssec plugin's `key file`;
//   - -nsec3 FILE: the domainmetadata rows of `pdnsutil set-nsec3 ZONE
//     '1 0 0 -' narrow` (NSEC3PARAM, NSEC3NARROW) for every zone.
//
// Usage: go run ./test/bench/dnsseckeys -zones DATA/zones.list -sql keys.sql -keydir keys -nsec3 nsec3.sql
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
)

func main() {
	zones := flag.String("zones", "", "file with one zone origin a line (the generator's zones.list)")
	sqlOut := flag.String("sql", "", "write cryptokeys INSERTs here")
	keyDir := flag.String("keydir", "", "write BIND key files here (optional)")
	nsec3Out := flag.String("nsec3", "", "write NSEC3PARAM/NSEC3NARROW domainmetadata INSERTs here (optional)")
	flag.Parse()
	if *zones == "" || *sqlOut == "" {
		log.Fatal("usage: dnsseckeys -zones LIST -sql FILE [-keydir DIR] [-nsec3 FILE]")
	}
	origins, err := readLines(*zones)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(origins, *sqlOut, *keyDir, *nsec3Out); err != nil {
		log.Fatal(err)
	}
}

func run(origins []string, sqlOut, keyDir, nsec3Out string) error {
	if keyDir != "" {
		if err := os.MkdirAll(keyDir, 0o755); err != nil {
			return err
		}
	}
	var keys, meta strings.Builder
	for _, z := range origins {
		for _, flags := range []uint16{257, 256} { // KSK, ZSK
			k, priv, err := newKey(z, flags)
			if err != nil {
				return fmt.Errorf("%s: %v", z, err)
			}
			fmt.Fprintf(&keys, "INSERT INTO cryptokeys (domain_id,flags,active,published,content) SELECT id,%d,1,1,%s FROM domains WHERE name=%s;\n",
				flags, quote(priv), quote(nodot(z)))
			if keyDir != "" {
				if err := writeKeyFiles(keyDir, k, priv); err != nil {
					return err
				}
			}
		}
		for _, kv := range [][2]string{{"NSEC3PARAM", "1 0 0 -"}, {"NSEC3NARROW", "1"}} {
			fmt.Fprintf(&meta, "INSERT INTO domainmetadata (domain_id,kind,content) SELECT id,'%s','%s' FROM domains WHERE name=%s;\n",
				kv[0], kv[1], quote(nodot(z)))
		}
	}
	if err := os.WriteFile(sqlOut, []byte(keys.String()), 0o644); err != nil {
		return err
	}
	if nsec3Out != "" {
		return os.WriteFile(nsec3Out, []byte(meta.String()), 0o644)
	}
	return nil
}

// newKey makes an ECDSA P-256 key for zone and returns its DNSKEY and its
// private key in BIND's Private-key-format, which is what PowerDNS stores in
// cryptokeys.content.
func newKey(zone string, flags uint16) (*dns.DNSKEY, string, error) {
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: dns.Fqdn(zone), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     flags,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
	}
	p, err := k.Generate(256)
	if err != nil {
		return nil, "", err
	}
	return k, k.PrivateKeyString(p), nil
}

// writeKeyFiles writes K<zone>.+013+<tag>.key and .private, as dnssec-keygen names them.
func writeKeyFiles(dir string, k *dns.DNSKEY, priv string) error {
	base := filepath.Join(dir, fmt.Sprintf("K%s+%03d+%05d", k.Hdr.Name, k.Algorithm, k.KeyTag()))
	if err := os.WriteFile(base+".key", []byte(k.String()+"\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".private", []byte(priv), 0o600)
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func nodot(s string) string { return strings.TrimSuffix(s, ".") }
