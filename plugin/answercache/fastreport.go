package answercache

import (
	"net"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/plugin/metrics/vars"
	"github.com/coredns/coredns/plugin/pkg/rcode"
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// fastReport counts a fast-path hit in the prometheus plugin's coredns_dns_* metrics, as
// that plugin counts a hit that passes through it, so a block's request counts, sizes and
// rcodes stay whole. One per fast path: its scratch request is its loop's.
type fastReport struct {
	prom *metrics.Metrics
	req  dns.Msg
	opt  dns.OPT
	w    fastWriter
}

// anyV4 stands for the client: the metrics only read that it is UDP over IPv4.
var anyV4 = &net.UDPAddr{IP: net.IPv4zero}

// promOf returns the block's prometheus plugin, or nil.
func promOf(cfg *dnsserver.Config) *metrics.Metrics {
	prom, _ := cfg.Handler("prometheus").(*metrics.Metrics)
	return prom
}

// newFastReport returns a reporter to prom for one fast path's loop, or nil without prom.
func newFastReport(prom *metrics.Metrics) *fastReport {
	if prom == nil {
		return nil
	}
	r := &fastReport{prom: prom, w: fastWriter{remote: anyV4}}
	r.req.Question = make([]dns.Question, 1)
	r.opt.Hdr.Rrtype = dns.TypeOPT
	return r
}

// hit reports the hit of request pkt (keyed as k) with the answer's rcode and size.
func (r *fastReport) hit(server string, pkt []byte, k key, rc int, size int, start time.Time) {
	if r == nil {
		return
	}
	// The key holds the flags, header bits and rcode, then qtype and qclass.
	r.req.Question[0] = dns.Question{Name: ".", Qtype: be16(k.b[3:]), Qclass: dns.ClassINET}
	r.req.Extra = r.req.Extra[:0]
	if k.b[0]&kEDNS != 0 {
		// The OPT record's class and TTL follow qtype and qclass in the key.
		r.opt.Hdr.Class = be16(k.b[7:])
		r.opt.Hdr.Ttl = uint32(be16(k.b[9:]))<<16 | uint32(be16(k.b[11:]))
		r.req.Extra = append(r.req.Extra, &r.opt)
	}
	state := request.Request{W: &r.w, Req: &r.req}
	vars.Report(server, state, zoneOf(k.name, r.prom.ZoneNames()), "", rcode.ToString(rc), name,
		size, start, vars.WithOriginalReqSize(len(pkt)))
}

// zoneOf is the longest of zones (lower case, fully qualified) that holds the case-folded
// name, "." when none does: the zone label the prometheus plugin gives a request.
func zoneOf(name []byte, zones []string) string {
	best := "."
	for _, z := range zones {
		if len(z) > len(best) && inZone(name, z) {
			best = z
		}
	}
	return best
}
