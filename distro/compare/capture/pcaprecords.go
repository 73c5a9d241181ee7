package capture

import (
	"encoding/binary"
	"io"
)

// pcapRecords passes a pcap file through and follows its record lengths, only to tell a file
// that ends inside a record: pcapgo's Reader reports a record whose header is whole but whose
// data is missing as a plain io.EOF, the same as a clean end.
type pcapRecords struct {
	r      io.Reader
	head   []byte // the file header, then each record's header, as it comes
	inFile bool   // the 24-octet file header is behind us
	big    bool
	left   uint64 // data octets of the current record still to come
}

func (p *pcapRecords) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.walk(b[:n])
	if err == io.EOF && (p.left > 0 || len(p.head) > 0) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (p *pcapRecords) walk(b []byte) {
	for len(b) > 0 {
		if p.left > 0 {
			k := min(uint64(len(b)), p.left)
			p.left -= k
			b = b[k:]
			continue
		}
		need := 16 // a record header: seconds, fraction, captured length, original length
		if !p.inFile {
			need = 24
		}
		k := min(len(b), need-len(p.head))
		p.head = append(p.head, b[:k]...)
		b = b[k:]
		if len(p.head) < need {
			continue
		}
		if !p.inFile {
			magic := binary.BigEndian.Uint32(p.head)
			p.big = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d
			p.inFile = true
		} else if p.big {
			p.left = uint64(binary.BigEndian.Uint32(p.head[8:12]))
		} else {
			p.left = uint64(binary.LittleEndian.Uint32(p.head[8:12]))
		}
		p.head = p.head[:0]
	}
}
