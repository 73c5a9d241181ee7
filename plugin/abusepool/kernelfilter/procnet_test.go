package kernelfilter

import (
	"net/netip"
	"strings"
	"testing"
)

const procUDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 45678 2 0000000000000000 17
  124: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 45679 2 0000000000000000 0
`

const procUDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  50: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 99 2 0000000000000000 3
  51: B80D0120000000000000000001000000:1F90 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 100 2 0000000000000000 0
`

func TestParseProcNetUDP(t *testing.T) {
	got, err := ParseProcNetUDP(strings.NewReader(procUDP))
	if err != nil {
		t.Fatal(err)
	}
	want := []Socket{
		{Local: netip.MustParseAddrPort("127.0.0.1:53"), Inode: 45678, Drops: 17},
		{Local: netip.MustParseAddrPort("0.0.0.0:5353"), Inode: 45679},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
	got, err = ParseProcNetUDP(strings.NewReader(procUDP6))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Local != netip.MustParseAddrPort("[::1]:53") || got[0].Drops != 3 || got[1].Local != netip.MustParseAddrPort("[2001:db8::1]:8080") {
		t.Errorf("got %+v", got)
	}
}

func TestParseProcNetUDPBad(t *testing.T) {
	for _, in := range []string{
		"h\n 1: 0100007F 00000000:0000 07 0:0 0:0 0 0 0 1 2 0 0\n",
		"h\n 1: 0100007G:0035 00000000:0000 07 0:0 0:0 0 0 0 1 2 0 0\n",
		"h\n 1: 0100007F:10000 00000000:0000 07 0:0 0:0 0 0 0 1 2 0 0\n",
		"h\n 1: 0100007F:0035 00000000:0000 07 0:0 0:0 0 0 0 x 2 0 0\n",
		"h\n 1: 0100007F:0035 00000000:0000 07 0:0 0:0 0 0 0 1 2 0 -1\n",
		"h\n 1: 0100007F:0035 00000000:0000\n",
	} {
		if _, err := ParseProcNetUDP(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func FuzzParseProcNetUDP(f *testing.F) {
	f.Add(procUDP)
	f.Add(procUDP6)
	f.Add("h\n 1: 0100007F:0035 00000000:0000 07 0:0 0:0 0 0 0 1 2 0 0\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseProcNetUDP(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rows {
			if !r.Local.Addr().IsValid() {
				t.Fatalf("row without a valid address: %+v", r)
			}
		}
	})
}
