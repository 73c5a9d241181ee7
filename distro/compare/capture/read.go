package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Format names an input format.
type Format string

const (
	Auto   Format = "auto"
	Pcap   Format = "pcap" // pcap or pcapng
	Dnstap Format = "dnstap"
	List   Format = "list"
)

// Read reads queries from r in format f; Auto tells the format by the first octets: the
// pcap and pcapng magic numbers, the four zero octets that open a Frame Streams file, or
// else text.
func Read(r io.Reader, f Format, h Handler) (Stats, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if f == Auto || f == "" {
		f = sniff(br)
	}
	switch f {
	case Pcap:
		return ReadPcap(br, h)
	case Dnstap:
		return ReadDnstap(br, h)
	case List:
		return ReadList(br, h)
	}
	return Stats{}, fmt.Errorf("unknown input format %q (auto, pcap, dnstap, list)", f)
}

var pcapMagics = [][]byte{
	{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // microseconds
	{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // nanoseconds
	pcapngMagic,
}

func sniff(br *bufio.Reader) Format {
	head, _ := br.Peek(4)
	for _, m := range pcapMagics {
		if bytes.Equal(head, m) {
			return Pcap
		}
	}
	if bytes.Equal(head, []byte{0, 0, 0, 0}) {
		return Dnstap
	}
	return List
}
