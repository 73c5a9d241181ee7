package harness

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// XfrIn is one incoming zone transfer as a secondary logged it.
type XfrIn struct {
	// Zone is the zone, fully qualified and lower case.
	Zone string
	// Kind is "IXFR" for an incremental transfer, "AXFR" for a full one (an IXFR request
	// answered AXFR-style included), "" when the log does not say: NSD 4.6 logs no kind.
	Kind string
	// Serial is the zone's serial after the transfer; 0 when the log does not say
	// (CoreDNS).
	Serial uint32
	// Messages, Records and Bytes are the transfer's size as logged; -1 when the log does
	// not say. BIND logs all three; Knot messages and bytes; NSD the bytes of the update
	// it stored (not the wire size); CoreDNS none.
	Messages, Records, Bytes int
	// Error, when set, says the transfer failed: the primary's rcode (REFUSED, NOTAUTH)
	// where the log names it, else the server's words. The other fields are then unknown.
	Error string
	// Line is the log line that completed (or failed) the transfer.
	Line string
}

func (x XfrIn) String() string {
	if x.Error != "" {
		return fmt.Sprintf("%s transfer failed: %s", x.Zone, x.Error)
	}
	kind := x.Kind
	if kind == "" {
		kind = "XFR"
	}
	return fmt.Sprintf("%s %s serial %d: %d messages, %d records, %d bytes", kind, x.Zone, x.Serial, x.Messages, x.Records, x.Bytes)
}

// Transfers returns the transfers of zone the secondary logged so far, oldest first,
// failed ones left out.
func (s *Secondary) Transfers(zone string) []XfrIn {
	return s.attempts(zone, false)
}

// FailedTransfers returns the failed transfers of zone the secondary logged so far.
func (s *Secondary) FailedTransfers(zone string) []XfrIn {
	return s.attempts(zone, true)
}

func (s *Secondary) attempts(zone string, failed bool) []XfrIn {
	zone = strings.ToLower(dns.Fqdn(zone))
	var out []XfrIn
	for _, x := range ParseTransfers(s.Kind, s.Log()) {
		if x.Zone == zone && (x.Error != "") == failed {
			out = append(out, x)
		}
	}
	return out
}

// WaitFailedTransfer waits until the secondary's log shows a failed transfer of zone
// and returns it, or fails the test after limit: for a primary that must refuse it.
func (s *Secondary) WaitFailedTransfer(t testing.TB, zone string, limit time.Duration) XfrIn {
	t.Helper()
	var found XfrIn
	Eventually(t, limit, fmt.Sprintf("%s secondary logging a failed transfer of %s", s.Kind, zone), func() bool {
		xs := s.FailedTransfers(zone)
		if len(xs) > 0 {
			found = xs[0]
			return true
		}
		return false
	})
	return found
}

// LastTransfer returns the last transfer of zone the secondary logged.
func (s *Secondary) LastTransfer(zone string) (XfrIn, bool) {
	xs := s.Transfers(zone)
	if len(xs) == 0 {
		return XfrIn{}, false
	}
	return xs[len(xs)-1], true
}

// WaitTransfer waits until the secondary's log shows a transfer of zone that reached
// serial (or later, RFC 1982) and returns the first such, or fails the test after limit.
// CoreDNS logs no serial: count its transfers with WaitTransferCount instead.
func (s *Secondary) WaitTransfer(t testing.TB, zone string, serial uint32, limit time.Duration) XfrIn {
	t.Helper()
	if s.Kind == SecondaryCoreDNS {
		t.Fatal("WaitTransfer: CoreDNS does not log serials; use WaitTransferCount")
	}
	var found XfrIn
	Eventually(t, limit, fmt.Sprintf("%s secondary logging a transfer of %s at serial %d", s.Kind, zone, serial), func() bool {
		for _, x := range s.Transfers(zone) {
			if x.Serial != 0 && serialAtLeast(x.Serial, serial) {
				found = x
				return true
			}
		}
		return false
	})
	return found
}

// WaitTransferCount waits until the secondary's log shows n transfers of zone and
// returns the n-th, or fails the test after limit.
func (s *Secondary) WaitTransferCount(t testing.TB, zone string, n int, limit time.Duration) XfrIn {
	t.Helper()
	var found XfrIn
	Eventually(t, limit, fmt.Sprintf("%s secondary logging %d transfers of %s", s.Kind, n, zone), func() bool {
		xs := s.Transfers(zone)
		if len(xs) >= n {
			found = xs[n-1]
			return true
		}
		return false
	})
	return found
}

// ParseTransfers reads the incoming transfers out of the log of a secondary of kind, as
// StartSecondary configures its logging. Lines it does not know are skipped.
func ParseTransfers(kind SecondaryKind, log string) []XfrIn {
	switch kind {
	case SecondaryBIND:
		return parseBINDLog(log)
	case SecondaryNSD:
		return parseNSDLog(log)
	case SecondaryKnot:
		return parseKnotLog(log)
	case SecondaryCoreDNS:
		return parseCoreDNSLog(log)
	}
	return nil
}

var (
	// BIND 9.18, xfer-in at debug 3: the kind comes first, the size when the transfer ends.
	bindKind   = regexp.MustCompile(`transfer of '([^'/]+)/IN' from \S+: got (non)?incremental response`)
	bindStatus = regexp.MustCompile(`transfer of '([^'/]+)/IN' from \S+: Transfer status: (\S+)`)
	bindDone   = regexp.MustCompile(`transfer of '([^'/]+)/IN' from \S+: Transfer completed: (\d+) messages, (\d+) records, (\d+) bytes, .*\(serial (\d+)\)`)
	// NSD 4.6 at verbosity 2: the server process applies what xfrd received.
	nsdDone  = regexp.MustCompile(`zone (\S+) received update to serial (\d+) at .* of (\d+) bytes in `)
	nsdError = regexp.MustCompile(`xfrd: zone (\S+) received error code (\S+) from `)
	// Knot 3.2: the transfer ends, then the refresh it was part of reports the serial.
	knotDone    = regexp.MustCompile(`\[([^\]]+)\] (AXFR|IXFR), incoming, remote [^,]*, finished, [\d.]+ seconds, (\d+) messages, (\d+) bytes`)
	knotError   = regexp.MustCompile(`\[([^\]]+)\] (?:AXFR|IXFR), incoming, remote [^,]*, server responded with error '([^']+)'`)
	knotRefresh = regexp.MustCompile(`\[([^\]]+)\] refresh, remote [^,]*, zone updated, .*serial \S+ -> (\d+)`)
	// CoreDNS's file plugin, under the secondary plugin: AXFR only, nothing about the size.
	corednsDone  = regexp.MustCompile(`plugin/file: Transferred: (\S+) from \S+`)
	corednsError = regexp.MustCompile("plugin/file: Failed to transfer `([^']+)' from \"[^\"]*\": (.*)$")
	xfrRcode     = regexp.MustCompile(`bad xfr rcode: (\d+)`)
)

func parseBINDLog(log string) []XfrIn {
	var out []XfrIn
	kinds, status := map[string]string{}, map[string]string{}
	for _, line := range strings.Split(log, "\n") {
		if m := bindKind.FindStringSubmatch(line); m != nil {
			kinds[zoneKey(m[1])] = map[bool]string{true: "AXFR", false: "IXFR"}[m[2] != ""]
			continue
		}
		if m := bindStatus.FindStringSubmatch(line); m != nil {
			status[zoneKey(m[1])] = m[2]
			continue
		}
		m := bindDone.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		// A failed transfer is "completed" too, with its status logged just before.
		z := zoneKey(m[1])
		x := XfrIn{Zone: z, Kind: kinds[z], Serial: atou32(m[5]),
			Messages: atoi(m[2]), Records: atoi(m[3]), Bytes: atoi(m[4]), Line: line}
		if st := status[z]; st != "" && st != "success" {
			x = XfrIn{Zone: z, Error: st, Line: line}
		}
		out = append(out, x)
		delete(kinds, z)
		delete(status, z)
	}
	return out
}

func parseNSDLog(log string) []XfrIn {
	var out []XfrIn
	for _, line := range strings.Split(log, "\n") {
		if m := nsdDone.FindStringSubmatch(line); m != nil {
			out = append(out, XfrIn{Zone: zoneKey(m[1]), Serial: atou32(m[2]), Messages: -1, Records: -1, Bytes: atoi(m[3]), Line: line})
		} else if m := nsdError.FindStringSubmatch(line); m != nil {
			out = append(out, XfrIn{Zone: zoneKey(m[1]), Error: m[2], Line: line})
		}
	}
	return out
}

func parseKnotLog(log string) []XfrIn {
	var out []XfrIn
	for _, line := range strings.Split(log, "\n") {
		if m := knotDone.FindStringSubmatch(line); m != nil {
			out = append(out, XfrIn{Zone: zoneKey(m[1]), Kind: m[2], Messages: atoi(m[3]), Records: -1, Bytes: atoi(m[4]), Line: line})
			continue
		}
		if m := knotError.FindStringSubmatch(line); m != nil {
			out = append(out, XfrIn{Zone: zoneKey(m[1]), Error: m[2], Line: line})
			continue
		}
		m := knotRefresh.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		// The refresh names the serial the last transfer of the zone brought.
		z := zoneKey(m[1])
		for i := len(out) - 1; i >= 0; i-- {
			if out[i].Zone == z && out[i].Error == "" {
				if out[i].Serial == 0 {
					out[i].Serial = atou32(m[2])
				}
				break
			}
		}
	}
	return out
}

func parseCoreDNSLog(log string) []XfrIn {
	var out []XfrIn
	for _, line := range strings.Split(log, "\n") {
		if m := corednsDone.FindStringSubmatch(line); m != nil {
			out = append(out, XfrIn{Zone: zoneKey(m[1]), Kind: "AXFR", Messages: -1, Records: -1, Bytes: -1, Line: line})
		} else if m := corednsError.FindStringSubmatch(line); m != nil {
			out = append(out, XfrIn{Zone: zoneKey(m[1]), Error: rcodeName(m[2]), Line: line})
		}
	}
	return out
}

// rcodeName turns miekg/dns's "bad xfr rcode: 5" into REFUSED; other errors stay as
// they are.
func rcodeName(err string) string {
	if m := xfrRcode.FindStringSubmatch(err); m != nil {
		if name, ok := dns.RcodeToString[atoi(m[1])]; ok {
			return name
		}
	}
	return err
}

func zoneKey(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// atoi and atou32 read numbers the regular expressions matched as digits; a number too
// large for its type (a garbled log) reads as -1 or 0, unknown.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func atou32(s string) uint32 {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}
