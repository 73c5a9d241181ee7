// Package access decides who may transfer a fed zone and whom its NOTIFYs
// go to, with which TSIG key.
//
// A zone's Policy is merged from three layers, least specific first: the
// secondaryfeed block's default, the zone's settings in its data plugin
// (PowerDNS domainmetadata read through xfrmeta.Source: ALLOW-AXFR-FROM,
// TSIG-ALLOW-AXFR, ALSO-NOTIFY) and the zone's own block in the Corefile.
// Allow lists, keys and NOTIFY targets add up (PowerDNS unions its
// allow-axfr-ips with ALLOW-AXFR-FROM); the key that signs a target's
// NOTIFY is the one of the layer that lists the target (its notify_key, else
// its first key: PowerDNS signs with the first TSIG-ALLOW-AXFR key), else
// the nearest less specific layer's. The zone's Corefile block thus has the
// last word on the key of a target it lists too.
//
// ALLOW-AXFR-FROM AUTO-NS (the addresses of the zone's NS targets) is kept
// as Policy.AutoNS: the caller, who has the zone's records, passes the
// addresses to WithNS.
//
// Incoming TSIG is verified by the CoreDNS server with the secrets of its
// server block (dnsserver.Config.TsigSecret): the stock tsig plugin's and
// those AddSecrets adds from setup (tsig_key). The server copies them when
// it is made and exposes no way to add one later; a request signed with a
// key it lacks has TsigStatus dns.ErrSecret. For a key of the data
// plugin's tsigkeys that the server lacks, secondaryfeed verifies the
// request and signs its answers itself (../tsigown.go) and hands Check the
// status it found. Outgoing NOTIFYs need no server: their keys (Keys) are
// read live, a changed secret in SQL signing the next NOTIFY.
//
// Wiring, per transfer request of zone z:
//
//	p := access.Merge(def, access.FromMeta(meta), zoneBlock)
//	key, status := access.RequestKey(ctx, w, r)
//	if d := p.Check(remote, key, status); !d.Allowed() {
//		w.WriteMsg(d.Reply(r))
//	}
//
// and per new serial: targets, errs := access.Targets(access.Keys(tsigKeys,
// src), def, access.FromMeta(meta), zoneBlock), then notify.Notifier.Notify.
package access
