package pdnskeys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Row is one row of the cryptokeys table. It has the fields of
// sqlstore.KeyRow, so that Row(r) converts one.
type Row struct {
	ID        int64
	Flags     int
	Active    bool
	Published bool
	Content   string // the private key, BIND's "Private-key-format: v1.2" text
}

// ParseKey makes the Key of a cryptokeys row of the zone origin (fully
// qualified, lower case, as New passes it): its signer
// from the private key in Content, and its DNSKEY (owner origin, TTL 0,
// protocol 3, the row's flags, the public key derived from the private one),
// as PowerDNS's DNSCryptoKeyEngine::makeFromISCString and getDNSKEY make
// them. Algorithms 8 and 10 (RSA), 13 and 14 (ECDSA) and 15 (Ed25519) are
// supported. The error names the row id and why it is not usable.
func ParseKey(origin string, r Row) (Key, error) {
	k, err := parseKey(origin, r)
	if err != nil {
		return Key{}, fmt.Errorf("cryptokeys row %d: %w", r.ID, err)
	}
	return k, nil
}

func parseKey(origin string, r Row) (Key, error) {
	// pdnsutil writes 257 (KSK) or 256 (ZSK); PowerDNS gives a key the KSK
	// role only for flags 257 exactly, so another value would make a key
	// whose DNSKEY and role disagree.
	if r.Flags != 256 && r.Flags != 257 {
		return Key{}, fmt.Errorf("flags %d: want 256 (ZSK) or 257 (KSK)", r.Flags)
	}
	f, err := iscFields(r.Content)
	if err != nil {
		return Key{}, err
	}
	alg := f.algorithm()
	var (
		signer crypto.Signer
		pub    []byte
	)
	switch alg {
	case dns.RSASHA256, dns.RSASHA512:
		signer, pub, err = rsaKey(f)
	case dns.ECDSAP256SHA256:
		signer, pub, err = ecdsaKey(f, elliptic.P256())
	case dns.ECDSAP384SHA384:
		signer, pub, err = ecdsaKey(f, elliptic.P384())
	case dns.ED25519:
		signer, pub, err = ed25519Key(f)
	default:
		return Key{}, fmt.Errorf("algorithm %d (%q) is not supported", alg, f["algorithm"])
	}
	if err != nil {
		return Key{}, fmt.Errorf("algorithm %d: %w", alg, err)
	}
	dk := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET},
		Flags:     uint16(r.Flags),
		Protocol:  3,
		Algorithm: alg,
		PublicKey: base64.StdEncoding.EncodeToString(pub),
	}
	return Key{ID: r.ID, DNSKEY: dk, Tag: dk.KeyTag(), Signer: signer, Active: r.Active, Published: r.Published}, nil
}

// isc is the fields of a BIND private key, by lower-case name.
type isc map[string]string

// iscFields reads the "Name: value" lines as makeFromISCString does: lines
// end at "\n", the name is what precedes the first ':' (case-insensitive,
// not trimmed), the value is trimmed of white space (so "\r\n" line ends do
// no harm), a later line overrides an earlier one, unknown names (Created,
// Publish ...) are ignored and the Private-key-format version is not
// checked. miekg/dns's ReadPrivateKey is stricter on layout and needs the
// public key beforehand, hence this.
func iscFields(content string) (isc, error) {
	f := isc{}
	for _, line := range strings.Split(content, "\n") {
		name, value, _ := strings.Cut(line, ":")
		f[strings.ToLower(name)] = strings.TrimSpace(value)
	}
	if f["algorithm"] == "" {
		return nil, errors.New("no Algorithm field")
	}
	return f, nil
}

// algorithm reads "13 (ECDSAP256SHA256)" as 13: the leading number, as
// PowerDNS's stoi does; 0 when there is none or it does not fit.
func (f isc) algorithm() uint8 {
	v := f["algorithm"]
	n := len(v) - len(strings.TrimLeft(v, "0123456789"))
	a, err := strconv.ParseUint(v[:n], 10, 8)
	if err != nil {
		return 0
	}
	return uint8(a)
}

// bytes returns the base64-decoded value of a field PowerDNS requires.
func (f isc) bytes(name string) ([]byte, error) {
	v, ok := f[name]
	if !ok || v == "" {
		return nil, fmt.Errorf("no %s field", name)
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

func (f isc) int(name string) (*big.Int, error) {
	b, err := f.bytes(name)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// rsaKey reads the eight RSA fields, all of which PowerDNS requires. Go
// computes the CRT values itself; those stored must agree, or PowerDNS
// (which uses them) would sign differently.
func rsaKey(f isc) (crypto.Signer, []byte, error) {
	var v [8]*big.Int
	for i, name := range []string{"modulus", "publicexponent", "privateexponent", "prime1", "prime2", "exponent1", "exponent2", "coefficient"} {
		var err error
		if v[i], err = f.int(name); err != nil {
			return nil, nil, err
		}
	}
	if !v[1].IsInt64() || v[1].Int64() > 1<<31-1 {
		return nil, nil, fmt.Errorf("public exponent %v too large", v[1])
	}
	// Go's crypto/rsa refuses keys under 1024 bits (PowerDNS makes 512 and up).
	if v[0].BitLen() < 1024 {
		return nil, nil, fmt.Errorf("%d-bit modulus: Go signs with 1024 bits or more", v[0].BitLen())
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: v[0], E: int(v[1].Int64())}, D: v[2], Primes: []*big.Int{v[3], v[4]}}
	if err := k.Validate(); err != nil {
		return nil, nil, err
	}
	k.Precompute()
	if k.Precomputed.Dp.Cmp(v[5]) != 0 || k.Precomputed.Dq.Cmp(v[6]) != 0 || k.Precomputed.Qinv.Cmp(v[7]) != 0 {
		return nil, nil, errors.New("Exponent1, Exponent2 or Coefficient do not match the primes")
	}
	return k, rsaPublic(&k.PublicKey), nil
}

// rsaPublic is the DNSKEY public key of RFC 3110 section 2: the exponent's
// length, the exponent, the modulus. Like PowerDNS (getPublicKeyString), an
// exponent of 255 bytes or more takes the three-byte length form.
func rsaPublic(p *rsa.PublicKey) []byte {
	e := big.NewInt(int64(p.E)).Bytes()
	var out []byte
	if len(e) < 255 {
		out = append(out, byte(len(e)))
	} else {
		out = append(out, 0, byte(len(e)>>8), byte(len(e)))
	}
	return append(append(out, e...), p.N.Bytes()...)
}

// ecdsaKey reads PrivateKey, the big-endian scalar, which PowerDNS writes
// padded to the curve's size and reads whatever its length (BN_bin2bn).
func ecdsaKey(f isc, c elliptic.Curve) (crypto.Signer, []byte, error) {
	d, err := f.int("privatekey")
	if err != nil {
		return nil, nil, err
	}
	size := (c.Params().BitSize + 7) / 8
	if d.BitLen() > 8*size {
		return nil, nil, fmt.Errorf("PrivateKey longer than %d bytes", size)
	}
	k, err := ecdsa.ParseRawPrivateKey(c, d.FillBytes(make([]byte, size)))
	if err != nil {
		return nil, nil, fmt.Errorf("PrivateKey: %w", err) // 0, or not below the group order
	}
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		return nil, nil, err
	}
	// RFC 6605 section 4: the DNSKEY holds X | Y, without SEC 1's 0x04 prefix.
	return k, pub[1:], nil
}

// ed25519Key reads PrivateKey, which PowerDNS writes as the 32-byte seed
// (RFC 8080 section 3, RFC 8032's private key).
func ed25519Key(f isc) (crypto.Signer, []byte, error) {
	seed, err := f.bytes("privatekey")
	if err != nil {
		return nil, nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, nil, fmt.Errorf("PrivateKey is %d bytes, want the %d-byte seed", len(seed), ed25519.SeedSize)
	}
	k := ed25519.NewKeyFromSeed(seed)
	return k, k.Public().(ed25519.PublicKey), nil
}
