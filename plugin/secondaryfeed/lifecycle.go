package secondaryfeed

import (
	"context"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/redis/go-redis/v9"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
)

// lifecycle starts and stops one Feed with its server instance. A reload starts the new
// instance before it shuts the old one down, after the old one's restart callback.
type lifecycle struct {
	f         *Feed
	cfg       config
	client    *redis.Client // nil without redis
	server    *dnsserver.Config
	started   bool
	reloading bool // restart was called: shutdown is a reload's
}

func (l *lifecycle) startup() error {
	f := l.f
	if l.client == nil {
		m := acquireMemory(l.cfg.journal)
		f.Store = m.store
		f.checker = newChecker(f.next, m.results)
	}
	f.Pipeline = append(f.Pipeline, f.checker.step)
	l.findHandlers()
	f.gate.server = l.server
	l.warnUnverifiable()
	acquireZones(f.members())
	f.start()
	l.started = true
	if f.report != nil {
		return f.report.start()
	}
	return nil
}

// findHandlers finds the block's zone sources and the plugins that keep zones' transfer
// settings (sqlbackend).
func (l *lifecycle) findHandlers() {
	for _, h := range l.server.Handlers() {
		if t, ok := h.(transfer.Transferer); ok {
			l.f.sources = append(l.f.sources, t)
		}
		if m, ok := h.(xfrmeta.Source); ok {
			l.f.gate.meta = append(l.f.gate.meta, m)
		}
		if ls, ok := h.(xfrmeta.Lister); ok && l.f.disc != nil {
			l.f.listers = append(l.f.listers, ls)
		}
	}
}

// warnUnverifiable warns of the Corefile's accepted keys the server has no secret for:
// a request signed with one cannot be verified.
func (l *lifecycle) warnUnverifiable() {
	for _, k := range access.Unverifiable(l.server, l.f.gate.corefile) {
		log.Warningf("TSIG key %s is accepted but has no secret (tsig_key, or the tsig plugin): signed requests with it get NOTAUTH", k)
	}
}

// restart frees what the next instance needs: the report server's address.
func (l *lifecycle) restart() error {
	l.reloading = true
	beginReload()
	if l.f.report != nil {
		return l.f.report.stop()
	}
	return nil
}

func (l *lifecycle) restartFailed() error {
	l.reloading = false
	endReload()
	if l.f.report != nil && l.started {
		return l.f.report.start()
	}
	return nil
}

func (l *lifecycle) shutdown() error {
	if l.reloading {
		endReload() // this instance's servers stopped: its successor's NOTIFYs go out again
	}
	if !l.started {
		return nil
	}
	l.started = false
	f := l.f
	f.stop()
	if f.report != nil {
		f.report.stop()
	}
	l.forgetGone(releaseZones(f.members()))
	f.checker.dropAll()
	if l.client != nil {
		return l.client.Close()
	}
	releaseMemory(l.cfg.journal)
	return nil
}

// forgetGone drops the stored conversions of zones no instance feeds any more after a
// reload. At the final shutdown they are kept: a restart with Redis loses nothing.
func (l *lifecycle) forgetGone(gone []string) {
	if !l.reloading {
		return
	}
	for _, z := range gone {
		if err := l.f.checker.forget(context.Background(), z); err != nil {
			log.Warningf("Zone %s: dropping its stored conversions: %v", z, err)
		}
	}
}
