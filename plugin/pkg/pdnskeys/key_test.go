package pdnskeys

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

const origin = "example.org."

// testKey is a key made by miekg/dns, in the BIND format PowerDNS stores.
type testKey struct {
	dnskey  *dns.DNSKEY
	private crypto.PrivateKey
	content string
}

var (
	keyCacheMu sync.Mutex
	keyCache   = map[[3]int]testKey{}
)

// genKey makes (once per test binary and algorithm/flags: RSA is slow) a key.
func genKey(t testing.TB, alg uint8, flags uint16) testKey { return genKeyN(t, alg, flags, 0) }

// genKeyN is genKey's n-th key.
func genKeyN(t testing.TB, alg uint8, flags uint16, n int) testKey {
	t.Helper()
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	id := [3]int{int(alg), int(flags), n}
	if k, ok := keyCache[id]; ok {
		return k
	}
	bits := map[uint8]int{dns.RSASHA256: 1024, dns.RSASHA512: 1024, dns.ECDSAP256SHA256: 256, dns.ECDSAP384SHA384: 384, dns.ED25519: 256}[alg]
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET}, Flags: flags, Protocol: 3, Algorithm: alg}
	priv, err := k.Generate(bits)
	if err != nil {
		t.Fatal(err)
	}
	tk := testKey{dnskey: k, private: priv, content: k.PrivateKeyString(priv)}
	keyCache[id] = tk
	return tk
}

// signVerify signs an RRset with k.Signer and verifies it with k.DNSKEY.
func signVerify(t testing.TB, k Key) {
	t.Helper()
	if k.Tag != k.DNSKEY.KeyTag() {
		t.Errorf("row %d: Tag %d, the DNSKEY's key tag is %d", k.ID, k.Tag, k.DNSKEY.KeyTag())
	}
	a, _ := dns.NewRR("www." + origin + " 300 IN A 192.0.2.1")
	sig := &dns.RRSIG{Algorithm: k.DNSKEY.Algorithm, KeyTag: k.DNSKEY.KeyTag(), SignerName: origin, Inception: 1, Expiration: 1 << 31}
	if err := sig.Sign(k.Signer, []dns.RR{a}); err != nil {
		t.Fatalf("row %d: sign: %v", k.ID, err)
	}
	if err := sig.Verify(k.DNSKEY, []dns.RR{a}); err != nil {
		t.Fatalf("row %d: verify: %v", k.ID, err)
	}
}

func TestParseKeyAlgorithms(t *testing.T) {
	for _, alg := range []uint8{dns.RSASHA256, dns.RSASHA512, dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519} {
		for _, flags := range []uint16{256, 257} {
			tk := genKey(t, alg, flags)
			k, err := ParseKey(origin, Row{ID: 7, Flags: int(flags), Active: true, Content: tk.content})
			if err != nil {
				t.Fatalf("alg %d: %v\n%s", alg, err, tk.content)
			}
			want := *tk.dnskey
			if k.DNSKEY.String() != want.String() || k.DNSKEY.KeyTag() != want.KeyTag() {
				t.Errorf("alg %d: DNSKEY %v, want %v", alg, k.DNSKEY, &want)
			}
			if k.ID != 7 || !k.Active || k.Published || k.KSK() != (flags == 257) {
				t.Errorf("alg %d: %+v", alg, k)
			}
			signVerify(t, k)
		}
	}
}

// TestParseKeyLayout: what PowerDNS's makeFromISCString accepts besides
// its own output: CRLF line ends, white space around values, any order and
// case of the field names, unknown fields, no format line, a v1.3 one.
func TestParseKeyLayout(t *testing.T) {
	for _, alg := range []uint8{dns.RSASHA256, dns.ECDSAP256SHA256, dns.ED25519} {
		tk := genKey(t, alg, 257)
		lines := strings.Split(strings.TrimSpace(tk.content), "\n")
		var shuffled []string
		for i := len(lines) - 1; i >= 0; i-- {
			name, value, _ := strings.Cut(lines[i], ": ")
			shuffled = append(shuffled, strings.ToUpper(name)+":\t "+value+"  \r")
		}
		for name, content := range map[string]string{
			"crlf":     strings.ReplaceAll(tk.content, "\n", "\r\n"),
			"shuffled": strings.Join(shuffled, "\n") + "\nCreated: 20240101000000\n\n",
			"noformat": strings.Join(lines[1:], "\n"),
			"v1.3":     strings.Replace(tk.content, "v1.2", "v1.3", 1),
		} {
			k, err := ParseKey(origin, Row{ID: 1, Flags: 257, Content: content})
			if err != nil {
				t.Errorf("alg %d %s: %v", alg, name, err)
				continue
			}
			if k.DNSKEY.PublicKey != tk.dnskey.PublicKey {
				t.Errorf("alg %d %s: public key %s, want %s", alg, name, k.DNSKEY.PublicKey, tk.dnskey.PublicKey)
			}
		}
	}
}

// TestParseKeyShortECDSA: PowerDNS reads an ECDSA scalar of any length.
func TestParseKeyShortECDSA(t *testing.T) {
	d := make([]byte, 32)
	d[31] = 5 // the scalar 5, written unpadded
	content := "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: " + base64.StdEncoding.EncodeToString(d[31:]) + "\n"
	k, err := ParseKey(origin, Row{ID: 1, Flags: 256, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := k.Signer.(*ecdsa.PrivateKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if got := new(big.Int).SetBytes(raw); got.Cmp(big.NewInt(5)) != 0 {
		t.Fatalf("scalar = %v, want 5", got)
	}
	signVerify(t, k)
}

func TestParseKeyErrors(t *testing.T) {
	rsaKey := genKey(t, dns.RSASHA256, 256).content
	edKey := genKey(t, dns.ED25519, 256).content
	ecKey := genKey(t, dns.ECDSAP256SHA256, 256).content
	field := func(content, name string) string {
		for _, l := range strings.Split(content, "\n") {
			if strings.HasPrefix(l, name+": ") {
				return l
			}
		}
		t.Fatalf("no %s in %s", name, content)
		return ""
	}
	without := func(content, name string) string { return strings.Replace(content, field(content, name)+"\n", "", 1) }
	set := func(content, name, value string) string {
		return strings.Replace(content, field(content, name), name+": "+value, 1)
	}
	long := make([]byte, 33)
	long[0] = 1
	n32 := base64.StdEncoding.EncodeToString(make([]byte, 32))
	order := "/////wAAAAD//////////7zm+q2nF56E87nKwvxjJVE=" // P-256's group order n
	for _, tc := range []struct {
		name    string
		flags   int
		content string
		want    string
	}{
		{"empty", 256, "", "no Algorithm"},
		{"unknown algorithm", 256, set(edKey, "Algorithm", "16 (ED448)"), "algorithm 16"},
		{"RSASHA1", 256, set(rsaKey, "Algorithm", "5 (RSASHA1)"), "algorithm 5"},
		{"no number", 256, set(edKey, "Algorithm", "ED25519"), "algorithm 0"},
		{"flags", 385, edKey, "flags 385"},
		{"flags 0", 0, edKey, "flags 0"},
		{"no private key", 256, without(edKey, "PrivateKey"), "no privatekey"},
		{"bad base64", 256, set(edKey, "PrivateKey", "not base64!"), "privatekey"},
		{"ed25519 64 bytes", 256, set(edKey, "PrivateKey", base64.StdEncoding.EncodeToString(make([]byte, 64))), "seed"},
		{"ecdsa zero", 256, set(ecKey, "PrivateKey", n32), "algorithm 13"},
		{"ecdsa order", 256, set(ecKey, "PrivateKey", order), "algorithm 13"},
		{"ecdsa long", 256, set(ecKey, "PrivateKey", base64.StdEncoding.EncodeToString(long)), "longer than 32"},
		{"rsa no coefficient", 256, without(rsaKey, "Coefficient"), "no coefficient"},
		{"rsa bad coefficient", 256, set(rsaKey, "Coefficient", "AQ=="), "Coefficient"},
		{"rsa bad prime", 256, set(rsaKey, "Prime1", "Aw=="), "algorithm 8"},
		{"rsa small", 256, set(rsaKey, "Modulus", "AQAB"), "modulus"},
	} {
		_, err := ParseKey(origin, Row{ID: 42, Flags: tc.flags, Content: tc.content})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		t.Logf("%s: %v", tc.name, err)
		if !strings.Contains(err.Error(), "cryptokeys row 42: ") || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
			t.Errorf("%s: error %q, want row 42 and %q", tc.name, err, tc.want)
		}
	}
}
