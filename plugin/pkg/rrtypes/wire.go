package rrtypes

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

func packUint16(i uint16, buf []byte, off int) (int, error) {
	if off+2 > len(buf) {
		return len(buf), dns.ErrBuf
	}
	binary.BigEndian.PutUint16(buf[off:], i)
	return off + 2, nil
}

func unpackUint16(buf []byte, off int) (uint16, int, error) {
	if off+2 > len(buf) {
		return 0, len(buf), errTruncated
	}
	return binary.BigEndian.Uint16(buf[off:]), off + 2, nil
}
