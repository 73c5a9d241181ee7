package harness

import (
	"errors"
	"fmt"
	"strings"

	"github.com/coredns/caddy/caddyfile"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

// serverKey is what a server block key says about where it listens.
type serverKey struct {
	key       string // as written
	transport string // dns, tls, grpc, ...
	zone      string // fully qualified
	port      string // "" when the key names none
}

// serverKeys returns the first key of every server block of corefile, in order.
func serverKeys(corefile string) ([]serverKey, error) {
	blocks, err := caddyfile.Parse("Corefile", strings.NewReader(corefile), nil)
	if err != nil {
		return nil, err
	}
	var keys []serverKey
	for _, b := range blocks {
		if len(b.Keys) == 0 {
			continue
		}
		k := serverKey{key: b.Keys[0], transport: "dns"}
		rest := k.key
		if scheme, r, ok := strings.Cut(rest, "://"); ok {
			k.transport, rest = scheme, r
		}
		hosts, port, err := plugin.SplitHostPort(rest)
		if err != nil {
			return nil, err
		}
		k.zone, k.port = dns.Fqdn(hosts[0]), port
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no server block in Corefile")
	}
	return keys, nil
}

// firstAddress returns the 127.0.0.1 address and the zone of the first server block of
// corefile, which must be plain DNS on an explicit port.
func firstAddress(corefile string) (addr, zone string, err error) {
	keys, err := serverKeys(corefile)
	if err != nil {
		return "", "", err
	}
	k := keys[0]
	if k.transport != "dns" {
		return "", "", fmt.Errorf("first server block %q is not plain DNS", k.key)
	}
	if k.port == "" {
		return "", "", fmt.Errorf("first server block %q has no explicit port", k.key)
	}
	return "127.0.0.1:" + k.port, k.zone, nil
}

// firstListener picks the listener of the first server block among ls. CoreDNS starts
// one server per listen address in map order, so the first listener is not necessarily
// the first block's. The block's own port tells when it is fixed; a port-0 block owns a
// listener on a port no other block names, of its kind (plain DNS listens on UDP and
// TCP, other transports on one of them). When the Corefile cannot tell, it is ls[0].
func firstListener(corefile string, ls []Listener) Listener {
	keys, err := serverKeys(corefile)
	if err != nil || len(ls) == 1 {
		return ls[0]
	}
	first := keys[0]
	fixed := map[string]bool{}
	for _, k := range keys {
		if k.port != "0" {
			fixed[k.port] = true
		}
	}
	for _, l := range ls {
		port := listenerPort(l)
		if first.port != "0" {
			if port == first.port {
				return l
			}
			continue
		}
		if !fixed[port] && (l.UDP != "" && l.TCP != "") == (first.transport == "dns") {
			return l
		}
	}
	return ls[0]
}

func listenerPort(l Listener) string {
	addr := l.TCP
	if addr == "" {
		addr = l.UDP
	}
	i := strings.LastIndex(addr, ":")
	return addr[i+1:]
}
