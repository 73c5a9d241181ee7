package access

import (
	"fmt"
	"maps"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// AddSecrets adds keys to the TSIG secrets of the server block of cfg
// (dnsserver.GetConfig(c) in setup), which the server verifies requests and
// signs responses with. Call it from setup: the server copies the secrets
// when it is made, after every setup ran, and never reads cfg again (keys
// added later, rows of SQL's tsigkeys, are secondaryfeed's own TSIG work:
// ../tsigown.go). The stock tsig plugin, when in the block, replaces the
// map at its setup, which runs before secondaryfeed's (plugin.cfg order):
// its keys are kept. A name already there with another secret is an error.
func AddSecrets(cfg *dnsserver.Config, keys map[string]xfrmeta.Key) error {
	secrets := maps.Clone(cfg.TsigSecret)
	if secrets == nil {
		secrets = map[string]string{}
	}
	for name, k := range keys {
		if old, ok := secrets[name]; ok && old != k.Secret {
			return fmt.Errorf("TSIG key %s has another secret in this server block", name)
		}
		secrets[name] = k.Secret
	}
	cfg.TsigSecret = secrets
	return nil
}

// Unverifiable returns the accepted keys of p the server block cannot
// verify (not in its secrets): unless the data plugin has them, requests
// signed with them get BADKEY. The caller warns of them.
func Unverifiable(cfg *dnsserver.Config, p Policy) []string {
	var out []string
	for _, k := range p.Keys {
		if _, ok := cfg.TsigSecret[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
