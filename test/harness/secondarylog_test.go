package harness

import (
	"strings"
	"testing"
)

// Log excerpts as BIND 9.18.49, NSD 4.6.1, Knot 3.2.6 and CoreDNS 1.15 print them with
// StartSecondary's logging settings.
const (
	bindLogSample = `06-Dec-2026 00:33:55.048 xfer-in: info: zone example.org/IN: Transfer started.
06-Dec-2026 00:33:55.048 xfer-in: debug 1: zone example.org/IN: no database exists yet, requesting AXFR of initial version from 127.0.0.1#25353
06-Dec-2026 00:33:55.048 xfer-in: info: transfer of 'example.org/IN' from 127.0.0.1#25353: connected using 127.0.0.1#25353 TSIG k1
06-Dec-2026 00:33:55.052 xfer-in: debug 3: transfer of 'example.org/IN' from 127.0.0.1#25353: got nonincremental response
06-Dec-2026 00:33:55.052 xfer-in: info: zone example.org/IN: transferred serial 1: TSIG 'k1'
06-Dec-2026 00:33:55.052 xfer-in: info: transfer of 'example.org/IN' from 127.0.0.1#25353: Transfer status: success
06-Dec-2026 00:33:55.052 xfer-in: info: transfer of 'example.org/IN' from 127.0.0.1#25353: Transfer completed: 1 messages, 5 records, 241 bytes, 0.004 secs (60250 bytes/sec) (serial 1)
06-Dec-2026 00:34:59.048 xfer-in: debug 3: transfer of 'example.org/IN' from 127.0.0.1#25353: got incremental response
06-Dec-2026 00:34:59.052 xfer-in: info: transfer of 'example.org/IN' from 127.0.0.1#25353: Transfer completed: 1 messages, 5 records, 284 bytes, 0.001 secs (284000 bytes/sec) (serial 2)
06-Dec-2026 00:47:25.132 xfer-in: error: transfer of 'example.org/IN' from 127.0.0.1#28846: failed while receiving responses: REFUSED
06-Dec-2026 00:47:25.132 xfer-in: info: transfer of 'example.org/IN' from 127.0.0.1#28846: Transfer status: REFUSED
06-Dec-2026 00:47:25.132 xfer-in: info: transfer of 'example.org/IN' from 127.0.0.1#28846: Transfer completed: 0 messages, 0 records, 0 bytes, 0.001 secs (0 bytes/sec) (serial 0)
`
	nsdLogSample = `[2026-12-06 00:33:55.098] nsd[24244]: info: zonefile example.org.zone does not exist
[2026-12-06 00:33:55.126] nsd[24237]: info: xfrd: zone example.org committed "received update to serial 1 at 2026-12-06T00:33:55 from 127.0.0.1@25353 TSIG verified with key k1"
[2026-12-06 00:33:55.142] nsd[24244]: info: zone example.org. received update to serial 1 at 2026-12-06T00:33:55 from 127.0.0.1@25353 TSIG verified with key k1 of 166 bytes in 0.000163 seconds
[2026-12-06 00:33:55.224] nsd[24237]: info: zone example.org serial 0 is updated to 1
[2026-12-06 00:47:25.605] nsd[7372]: error: xfrd: zone example.org received error code REFUSED from 127.0.0.1@28846
`
	knotLogSample = `2026-12-06T00:33:54+0000 info: [example.org.] AXFR, incoming, remote 127.0.0.1@25353, started
2026-12-06T00:33:54+0000 info: [example.org.] AXFR, incoming, remote 127.0.0.1@25353, finished, 0.00 seconds, 1 messages, 177 bytes
2026-12-06T00:33:54+0000 info: [example.org.] refresh, remote 127.0.0.1@25353, zone updated, 0.33 seconds, serial none -> 1, expires in 1209600 seconds
2026-12-06T00:33:54+0000 info: [example.org.] notify, incoming, remote 127.0.0.1@57807, serial 1
2026-12-06T00:34:54+0000 info: [Example.ORG.] IXFR, incoming, remote 127.0.0.1@25353, finished, 0.00 seconds, 2 messages, 99 bytes
2026-12-06T00:34:54+0000 info: [example.org.] refresh, remote 127.0.0.1@25353, zone updated, 0.01 seconds, serial 1 -> 2, expires in 1209600 seconds
2026-12-06T00:47:25+0000 warning: [example.org.] AXFR, incoming, remote 127.0.0.1@28846, server responded with error 'REFUSED'
2026-12-06T00:47:25+0000 info: [example.org.] refresh, remote primary, address 127.0.0.1@28846, failed (not allowed)
`
	corednsLogSample = `[INFO] plugin/file: Transferred: example.org. from 127.0.0.1:25353
[INFO] plugin/file: Notify from 127.0.0.1 for example.org.: checking transfer
[INFO] plugin/file: Transferred: example.org. from 127.0.0.1:25353
[ERROR] plugin/file: Failed to transfer ` + "`" + `example.org.' from "127.0.0.1:28846": dns: bad xfr rcode: 5
[ERROR] plugin/file: Failed to transfer ` + "`" + `example.org.' from "127.0.0.1:28846": dns: bad xfr rcode: 77
[ERROR] plugin/file: Failed to transfer ` + "`" + `example.org.' from "127.0.0.1:28846": dial tcp: connection refused
`
)

func TestParseTransfers(t *testing.T) {
	for _, tc := range []struct {
		kind SecondaryKind
		log  string
		want []string
	}{
		{SecondaryBIND, bindLogSample, []string{
			"AXFR example.org. serial 1: 1 messages, 5 records, 241 bytes",
			"IXFR example.org. serial 2: 1 messages, 5 records, 284 bytes",
			"example.org. transfer failed: REFUSED",
		}},
		{SecondaryNSD, nsdLogSample, []string{
			"XFR example.org. serial 1: -1 messages, -1 records, 166 bytes",
			"example.org. transfer failed: REFUSED",
		}},
		{SecondaryKnot, knotLogSample, []string{
			"AXFR example.org. serial 1: 1 messages, -1 records, 177 bytes",
			"IXFR example.org. serial 2: 2 messages, -1 records, 99 bytes",
			"example.org. transfer failed: REFUSED",
		}},
		{SecondaryCoreDNS, corednsLogSample, []string{
			"AXFR example.org. serial 0: -1 messages, -1 records, -1 bytes",
			"AXFR example.org. serial 0: -1 messages, -1 records, -1 bytes",
			"example.org. transfer failed: REFUSED",
			"example.org. transfer failed: dns: bad xfr rcode: 77",
			"example.org. transfer failed: dial tcp: connection refused",
		}},
	} {
		got := ParseTransfers(tc.kind, tc.log)
		var lines []string
		for _, x := range got {
			lines = append(lines, x.String())
			if !strings.Contains(tc.log, x.Line) || x.Line == "" {
				t.Errorf("%s: line %q is not a line of the log", tc.kind, x.Line)
			}
		}
		if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.kind, lines, tc.want)
		}
	}
	// Another zone's lines and unknown lines are not a transfer of this one.
	if got := ParseTransfers(SecondaryBIND, strings.ReplaceAll(bindLogSample, "example.org", "example.net")); len(got) != 3 || got[0].Zone != "example.net." {
		t.Errorf("example.net: %v", got)
	}
	if got := ParseTransfers("unbound", bindLogSample); got != nil {
		t.Errorf("unknown kind: %v", got)
	}
}

// FuzzParseTransfers: any log text parses without a panic into transfers whose zone is
// fully qualified and whose line is one of the log's lines.
func FuzzParseTransfers(f *testing.F) {
	for i, s := range []string{bindLogSample, nsdLogSample, knotLogSample, corednsLogSample} {
		f.Add(uint8(i), s)
	}
	f.Add(uint8(0), "transfer of 'x/IN' from a: Transfer completed: 99999999999999999999 messages, 1 records, 2 bytes, x (serial 99999999999)")
	f.Add(uint8(2), "[a.] refresh, remote r, zone updated, serial 1 -> 2\n[] IXFR, incoming, remote , finished, 1 seconds, 1 messages, 1 bytes")
	f.Fuzz(func(t *testing.T, k uint8, log string) {
		kind := SecondaryKinds[int(k)%len(SecondaryKinds)]
		for _, x := range ParseTransfers(kind, log) {
			if !strings.HasSuffix(x.Zone, ".") {
				t.Errorf("zone %q is not fully qualified", x.Zone)
			}
			if !strings.Contains(log, x.Line) {
				t.Errorf("line %q is not in the log", x.Line)
			}
		}
	})
}
