package access

import (
	"fmt"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/notify"
)

// KeyLookup finds a TSIG key's algorithm and secret by name.
type KeyLookup func(name string) (xfrmeta.Key, bool)

// Keys looks a key up in the Corefile's tsig_key keys first, then in src
// (the data plugin's tsigkeys; nil for none).
func Keys(corefile map[string]xfrmeta.Key, src xfrmeta.Source) KeyLookup {
	return func(name string) (xfrmeta.Key, bool) {
		if k, ok := corefile[name]; ok {
			return k, true
		}
		if src == nil {
			return xfrmeta.Key{}, false
		}
		return src.TSIGKey(name)
	}
}

// Targets returns a zone's NOTIFY targets from its layers (least specific
// first, as Merge): each layer's targets are signed with that layer's
// signer, or, when it has none, the one of the layers before it. A target
// listed by several layers takes the most specific one's key. A target
// whose key is unknown is left out with an error, as PowerDNS does: an
// unsigned NOTIFY would be dropped by a secondary that expects it signed.
func Targets(keys KeyLookup, layers ...Policy) ([]notify.Target, []error) {
	signerOf := map[string]string{}
	var order []string
	inherited := ""
	for _, l := range layers {
		if s := l.signer(); s != "" {
			inherited = s
		}
		for _, addr := range l.NotifyTo {
			if _, ok := signerOf[addr]; !ok {
				order = append(order, addr)
			}
			signerOf[addr] = inherited
		}
	}
	var (
		out  []notify.Target
		errs []error
	)
	for _, addr := range order {
		t := notify.Target{Addr: addr}
		if name := signerOf[addr]; name != "" {
			k, ok := keys(name)
			if !ok {
				errs = append(errs, fmt.Errorf("NOTIFY to %s: TSIG key %s not found", addr, name))
				continue
			}
			t.Key = &k
		}
		out = append(out, t)
	}
	return out, errs
}
