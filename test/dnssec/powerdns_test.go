package dnssec_test

import (
	"testing"

	"github.com/hostdns/hostdns/test/harness"
)

// powerDNS is PowerDNS's own online signer on the database: the reference
// the cases are checked against, and the proof that the rig can fail and pass.
var powerDNS = authority{name: "powerdns", start: func(t *testing.T, f *fixture) string {
	return harness.StartPowerDNSSigned(t, f.db, origin, 0).Addr
}}

func TestPowerDNSValidates(t *testing.T)   { testValidation(t, powerDNS) }
func TestPowerDNSTamper(t *testing.T)      { testTamper(t, powerDNS) }
func TestPowerDNSKeyChange(t *testing.T)   { testKeyChange(t, powerDNS) }
func TestPowerDNSZSKRollover(t *testing.T) { testZSKRollover(t, powerDNS) }
func TestPowerDNSKSKRollover(t *testing.T) { testKSKRollover(t, powerDNS) }
func TestPowerDNSCDS(t *testing.T)         { testCDS(t, powerDNS) }
