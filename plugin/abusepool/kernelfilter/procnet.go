package kernelfilter

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Socket is a row of /proc/net/udp or /proc/net/udp6.
type Socket struct {
	Local netip.AddrPort
	Inode uint64
	Drops uint64 // sk_drops: packets dropped by the socket filter or a full receive buffer
}

// maxRows bounds what one read of /proc/net/udp* holds, whatever the file says.
const maxRows = 1 << 20

// ParseProcNetUDP reads /proc/net/udp or /proc/net/udp6: a header line, then one row per
// socket: "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref
// pointer drops". Addresses are hex in the kernel's byte order per 32-bit word.
func ParseProcNetUDP(r io.Reader) ([]Socket, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	var out []Socket
	for first := true; sc.Scan(); first = false {
		if first {
			continue // the header
		}
		f := strings.Fields(sc.Text())
		if len(f) < 13 {
			return nil, fmt.Errorf("/proc/net/udp row %q: want 13 fields", sc.Text())
		}
		local, err := parseHexAddrPort(f[1])
		if err != nil {
			return nil, err
		}
		inode, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/net/udp inode %q: %v", f[9], err)
		}
		drops, err := strconv.ParseUint(f[12], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/net/udp drops %q: %v", f[12], err)
		}
		if len(out) == maxRows {
			return nil, fmt.Errorf("/proc/net/udp: more than %d rows", maxRows)
		}
		out = append(out, Socket{Local: local, Inode: inode, Drops: drops})
	}
	return out, sc.Err()
}

// parseHexAddrPort reads "0100007F:0035" or the 32-hex-digit IPv6 form.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	h, p, ok := strings.Cut(s, ":")
	port, err := strconv.ParseUint(p, 16, 16)
	if !ok || err != nil || (len(h) != 8 && len(h) != 32) {
		return netip.AddrPort{}, fmt.Errorf("/proc/net/udp address %q: not ADDR:PORT in hex", s)
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("/proc/net/udp address %q: %v", s, err)
	}
	// Each 32-bit word was printed as a host-order integer: put its bytes back in order.
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	a, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(a, uint16(port)), nil
}
