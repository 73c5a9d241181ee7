package sqlsecondary

import (
	"fmt"
	"net"
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// maxMasters bounds the addresses of one master column, so a hostile row
// cannot make a check try thousands of them.
const maxMasters = 16

// parseMasters reads a domains.master value as PowerDNS writes it: one or
// more ip[:port], comma-separated (PowerDNS also accepts blanks between
// them), IPv6 as [2001:db8::1]:53 or bare 2001:db8::1. It returns
// host:port strings, port 53 when none is given.
func parseMasters(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(fields) == 0 {
		return nil, fmt.Errorf("no primary address")
	}
	if len(fields) > maxMasters {
		return nil, fmt.Errorf("%d primary addresses, at most %d", len(fields), maxMasters)
	}
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		a, err := xfrmeta.ParseHostPort(f, "53")
		if err != nil {
			return nil, fmt.Errorf("primary %q: %v", f, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// masterIPs returns the addresses of masters (host:port), without ports:
// NOTIFYs come from any source port.
func masterIPs(masters []string) []string {
	out := make([]string, 0, len(masters))
	for _, m := range masters {
		if h, _, err := net.SplitHostPort(m); err == nil {
			out = append(out, h)
		}
	}
	return out
}
