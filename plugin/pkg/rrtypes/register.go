package rrtypes

import "github.com/miekg/dns"

func init() {
	dns.PrivateHandle("ALIAS", TypeALIAS, func() dns.PrivateRdata { return new(ALIAS) })
	dns.PrivateHandle("POOL", TypePOOL, func() dns.PrivateRdata { return new(POOL) })
	dns.PrivateHandle("URL", TypeURL, func() dns.PrivateRdata { return new(URL) })
}
