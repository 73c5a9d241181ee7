package capture

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// maxListLine bounds one line of a list: a name is at most 255 octets, so a longer line is
// not a query.
const maxListLine = 4096

// ReadList reads a plain list of queries, one a line, as `dig -f` takes them:
//
//	www.example.org A +dnssec
//	example.org MX +norec +bufsize=512
//	mail.example.org +tcp
//
// A line is a name, an optional type (default A) and class (IN only), and dig's options that
// change the query: +[no]rec[urse], +[no]dnssec (+do), +[no]cd[flag], +[no]ad[flag],
// +[no]edns, +bufsize=N, +[no]tcp (+vc). Other + options are dig's display options and are
// ignored; an @server is ignored too (the servers are the tool's). Queries get dig's
// defaults: RD set, EDNS with a 1232-octet buffer. Blank lines and lines starting with ; or
// # are skipped.
func ReadList(r io.Reader, h Handler) (Stats, error) {
	var st Stats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxListLine)
	for sc.Scan() {
		st.Records++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if !printable(line) {
			return st, fmt.Errorf("line %d: binary data: not a pcap, pcapng or dnstap file, nor a list of queries", st.Records)
		}
		q, err := parseListLine(line)
		if err != nil {
			return st, fmt.Errorf("line %d: %w", st.Records, err)
		}
		st.Queries++
		if err := h(q); err != nil {
			return st, err
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return st, fmt.Errorf("line %d: longer than %d octets: not a list of queries", st.Records+1, maxListLine)
		}
		return st, err
	}
	if st.Queries == 0 {
		return st, fmt.Errorf("%w in %d lines", ErrNoQueries, st.Records)
	}
	return st, nil
}

// listQuery is what a line says, before it becomes a message.
type listQuery struct {
	name          string
	qtype         uint16
	rd, do, cd    bool
	ad, edns, tcp bool
	bufsize       uint16
}

func parseListLine(line string) (Query, error) {
	lq := listQuery{qtype: dns.TypeA, rd: true, edns: true, bufsize: 1232}
	haveType := false
	for _, tok := range strings.Fields(line) {
		switch {
		case tok[0] == '+':
			if err := lq.option(strings.ToLower(tok[1:])); err != nil {
				return Query{}, err
			}
		case tok[0] == '@':
		case strings.EqualFold(tok, "IN"):
		case !haveType && isType(tok):
			lq.qtype, haveType = typeOf(tok), true
		case lq.name == "":
			if _, ok := dns.IsDomainName(tok); !ok || tok[0] == '-' {
				return Query{}, fmt.Errorf("%q is not a domain name", tok)
			}
			lq.name = dns.Fqdn(tok)
		default:
			return Query{}, fmt.Errorf("unexpected %q: a line is `name [type] [+options]`", tok)
		}
	}
	if lq.name == "" {
		return Query{}, fmt.Errorf("no name in %q", line)
	}
	q := lq.query()
	if _, err := q.Msg.Pack(); err != nil {
		return Query{}, fmt.Errorf("%q is not a domain name: %v", lq.name, err)
	}
	return q, nil
}

func (lq *listQuery) option(opt string) error {
	val := ""
	if i := strings.IndexByte(opt, '='); i >= 0 {
		opt, val = opt[:i], opt[i+1:]
	}
	on := !strings.HasPrefix(opt, "no")
	switch strings.TrimPrefix(opt, "no") {
	case "rec", "recurse":
		lq.rd = on
	case "dnssec", "do":
		lq.do = on
	case "cd", "cdflag":
		lq.cd = on
	case "ad", "adflag":
		lq.ad = on
	case "tcp", "vc":
		lq.tcp = on
	case "edns":
		lq.edns = on
	case "bufsize":
		n, err := strconv.ParseUint(val, 10, 16)
		if err != nil || !on {
			return fmt.Errorf("+bufsize=%s: want a number 0-65535", val)
		}
		lq.bufsize = uint16(n)
	}
	return nil
}

func (lq listQuery) query() Query {
	m := new(dns.Msg)
	m.SetQuestion(lq.name, lq.qtype)
	m.RecursionDesired = lq.rd
	m.CheckingDisabled = lq.cd
	m.AuthenticatedData = lq.ad
	if lq.edns || lq.do {
		m.SetEdns0(lq.bufsize, lq.do)
	}
	network := "udp"
	if lq.tcp {
		network = "tcp"
	}
	return Query{Msg: m, Network: network}
}

func isType(tok string) bool {
	_, ok := dns.StringToType[strings.ToUpper(tok)]
	if ok {
		return true
	}
	_, err := typeNumber(tok)
	return err == nil
}

func typeOf(tok string) uint16 {
	if t, ok := dns.StringToType[strings.ToUpper(tok)]; ok {
		return t
	}
	t, _ := typeNumber(tok)
	return t
}

// typeNumber reads RFC 3597's TYPEnnn.
func typeNumber(tok string) (uint16, error) {
	if len(tok) < 5 || !strings.EqualFold(tok[:4], "TYPE") {
		return 0, fmt.Errorf("not TYPEnnn")
	}
	n, err := strconv.ParseUint(tok[4:], 10, 16)
	return uint16(n), err
}

// printable tells text from binary data: UTF-8 without control characters but tabs.
func printable(line string) bool {
	if !utf8.ValidString(line) {
		return false
	}
	for _, r := range line {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}
