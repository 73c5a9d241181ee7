package journal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	// Versions may hold ALIAS, POOL and URL records (a zone fed unflattened): their
	// text must parse back.
	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes"
)

// The Redis store keeps versions and entries as text, one record a line in presentation
// format, so every node decodes the same records and the keys can be read with redis-cli.
//
//	version: "<serial>\n" then the records, SOA first
//	entry:   "<from> <to> <number of deletions>\n" then the deletions, then the additions

func encodeVersion(v *Version) string {
	var b strings.Builder
	b.WriteString(strconv.FormatUint(uint64(v.Serial), 10))
	b.WriteByte('\n')
	writeRRs(&b, v.RRs)
	return b.String()
}

func encodeEntry(e entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %d %d\n", e.From, e.To, len(e.Del))
	writeRRs(&b, e.Del)
	writeRRs(&b, e.Add)
	return b.String()
}

func writeRRs(b *strings.Builder, rrs []dns.RR) {
	for _, rr := range rrs {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
}

// decodeVersion parses encodeVersion's text; the records must start with a SOA that
// carries the serial.
func decodeVersion(s string) (*Version, error) {
	head, rrs, err := decodeBody(s)
	if err != nil {
		return nil, err
	}
	serial, err := strconv.ParseUint(head, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("version serial %q: %w", head, err)
	}
	if err := startsWithSOA(rrs, uint32(serial)); err != nil {
		return nil, fmt.Errorf("version %d: %w", serial, err)
	}
	keys := keysOf(rrs[1:])
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			return nil, fmt.Errorf("version %d: record %d %q out of canonical order or repeated", serial, i+2, rrs[i+1].String())
		}
	}
	return &Version{Serial: uint32(serial), RRs: rrs, keys: keys}, nil
}

// decodeEntry parses encodeEntry's text.
func decodeEntry(s string) (entry, error) {
	head, rrs, err := decodeBody(s)
	if err != nil {
		return entry{}, err
	}
	var e entry
	var ndel int
	if _, err := fmt.Sscanf(head, "%d %d %d", &e.From, &e.To, &ndel); err != nil {
		return entry{}, fmt.Errorf("journal entry header %q: %w", head, err)
	}
	if ndel < 1 || ndel >= len(rrs) {
		return entry{}, fmt.Errorf("journal entry %d-%d: %d deletions of %d records", e.From, e.To, ndel, len(rrs))
	}
	e.Del, e.Add = rrs[:ndel:ndel], rrs[ndel:]
	if err := startsWithSOA(e.Del, e.From); err != nil {
		return entry{}, fmt.Errorf("journal entry %d-%d deletions: %w", e.From, e.To, err)
	}
	if err := startsWithSOA(e.Add, e.To); err != nil {
		return entry{}, fmt.Errorf("journal entry %d-%d additions: %w", e.From, e.To, err)
	}
	return e, nil
}

// decodeBody splits s into its header line and the records of the lines after it.
func decodeBody(s string) (string, []dns.RR, error) {
	head, body, ok := strings.Cut(s, "\n")
	if !ok {
		return "", nil, fmt.Errorf("no header line in %.40q", s)
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	rrs := make([]dns.RR, 0, len(lines))
	for i, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil || rr == nil {
			return "", nil, fmt.Errorf("record %d %.80q: %v", i+1, l, err)
		}
		rrs = append(rrs, rr)
	}
	return head, rrs, nil
}

func startsWithSOA(rrs []dns.RR, serial uint32) error {
	if len(rrs) == 0 {
		return fmt.Errorf("no records")
	}
	soa, ok := rrs[0].(*dns.SOA)
	if !ok || soa.Serial != serial {
		return fmt.Errorf("first record %q is not the SOA with serial %d", rrs[0].String(), serial)
	}
	return nil
}
