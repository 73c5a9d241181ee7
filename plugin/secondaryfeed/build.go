package secondaryfeed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
)

// start runs one build loop per fed zone, and with discover the listing of the zones,
// until stop.
func (f *Feed) start() {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	if f.Notifier == nil && f.gate != nil {
		f.notifier = newNotifier(f.gate.targets)
		f.Notifier = f.notifier
	}
	for _, z := range *f.zones.Load() {
		f.startZone(ctx, z)
	}
	if f.disc != nil {
		f.rediscover(ctx) // at a reload the sources are loaded: no zone waits for the loop
		f.wg.Go(func() { f.discoverLoop(ctx) })
	}
}

// startZone runs z's build loop until ctx ends or z.stop is called.
func (f *Feed) startZone(ctx context.Context, z *zone) {
	zctx, stop := context.WithCancel(ctx)
	z.stop = stop
	z.poll = f.pollOf(z)
	f.wg.Go(func() {
		defer close(z.done)
		f.loop(zctx, z)
	})
}

// stop ends the build loops and waits for them: a reload must leave none behind.
func (f *Feed) stop() {
	if f.cancel != nil {
		f.cancel()
	}
	f.wg.Wait()
	if f.notifier != nil {
		f.notifier.close() // pending NOTIFYs go on while another instance runs
		f.Notifier, f.notifier = nil, nil
	}
	for _, z := range *f.zones.Load() {
		journalBytes.Sub(float64(z.bytes)) // the next instance counts its own
		z.bytes = 0
	}
}

// loop builds z at start, when asked (Notify), when the source's serial moves (polled),
// and when a pipeline step wants a refresh. One loop per zone: one build at a time.
func (f *Feed) loop(ctx context.Context, z *zone) {
	if v, err := f.Store.Current(ctx, z.name); err == nil && v != nil {
		z.cur.Store(v) // served until the first build, e.g. after a restart with Redis
	}
	poll := time.NewTicker(z.poll)
	defer poll.Stop()
	first := f.build(ctx, z, true)
	if first <= 0 {
		first = noRefresh // a failed first build is retried by the poll
	}
	refresh := time.NewTimer(first)
	defer refresh.Stop()
	for {
		full := true
		select {
		case <-ctx.Done():
			return
		case <-z.trigger:
		case <-refresh.C:
		case <-poll.C:
			full = false
		}
		if d := f.build(ctx, z, full); d > 0 {
			refresh.Reset(d)
		}
	}
}

// noRefresh is the refresh of a build whose steps asked for none.
const noRefresh = 24 * time.Hour

// build makes a new version of z from its source and returns when to refresh it. Not
// full, it only asks the source whether its serial moved (an IXFR-style question that a
// Transferer answers with the SOA alone when it did not).
func (f *Feed) build(ctx context.Context, z *zone, full bool) time.Duration {
	select {
	case f.builds <- struct{}{}:
		defer func() { <-f.builds }()
	case <-ctx.Done():
		return 0
	}
	serial := uint32(0)
	if !full && z.cur.Load() != nil {
		serial = z.srcSerial // 0 after a failed publish: build in full
	}
	if z.static != nil && !full && z.srcSerial != 0 {
		return 0 // it changes only when told
	}
	rrs, err := f.source(z, serial)
	if err != nil {
		builds.WithLabelValues("source_error").Inc()
		if msg := err.Error(); msg != z.lastErr { // once per error, not once per poll
			log.Warningf("Zone %s: source: %v", z.name, err)
			z.lastErr = msg
		}
		return 0
	}
	z.lastErr = ""
	if serial != 0 && len(rrs) == 1 {
		return 0 // the source did not move
	}
	z.srcSerial = rrs[0].(*dns.SOA).Serial
	out, refresh, err := f.transform(ctx, z, rrs)
	if err != nil {
		builds.WithLabelValues("pipeline_error").Inc()
		log.Warningf("Zone %s: keeping serial %d: %v", z.name, servedSerial(z), err)
		return refresh
	}
	f.publish(ctx, z, out)
	return refresh
}

// transform runs the pipeline on a zone from a source; static records go out as they are.
func (f *Feed) transform(ctx context.Context, z *zone, rrs []dns.RR) ([]dns.RR, time.Duration, error) {
	if z.static != nil {
		return rrs, 0, nil
	}
	return f.runPipeline(ctx, z.name, rrs)
}

// runPipeline passes rrs through every step and returns the soonest refresh asked.
func (f *Feed) runPipeline(ctx context.Context, origin string, rrs []dns.RR) ([]dns.RR, time.Duration, error) {
	soonest := noRefresh
	for _, step := range f.Pipeline {
		out, refresh, err := step(ctx, origin, rrs)
		if refresh > 0 && refresh < soonest {
			soonest = refresh
		}
		if err != nil {
			return nil, soonest, err
		}
		rrs = out
	}
	return rrs, soonest, nil
}

// publish hands the built records to the journal, and announces a new version.
func (f *Feed) publish(ctx context.Context, z *zone, rrs []dns.RR) {
	v, changed, err := f.Store.Publish(ctx, z.name, rrs)
	if err != nil {
		builds.WithLabelValues("journal_error").Inc()
		log.Errorf("Zone %s: journal: %v", z.name, err)
		z.srcSerial = 0 // the next poll builds again, whatever the source's serial
		return
	}
	first := z.cur.Swap(v) == nil
	serialGauge.WithLabelValues(z.name).Set(float64(v.Serial))
	if first && z.static == nil {
		f.membersChanged() // it can be transferred now: the catalog lists it
	}
	if !changed {
		builds.WithLabelValues("unchanged").Inc()
		return
	}
	builds.WithLabelValues("published").Inc()
	if n, err := f.Store.Bytes(ctx, z.name); err == nil {
		journalBytes.Add(float64(n - z.bytes))
		z.bytes = n
	}
	log.Infof("Zone %s: serial %d, %d records", z.name, v.Serial, len(v.RRs))
	if f.Notifier != nil {
		f.Notifier.Notify(ctx, z.name, v.SOA())
	}
}

// servedSerial is the serial of the version z serves, 0 before its first.
func servedSerial(z *zone) uint32 {
	if v := z.cur.Load(); v != nil {
		return v.Serial
	}
	return 0
}

// source returns z's records: its static ones, or from fetch.
func (f *Feed) source(z *zone, serial uint32) ([]dns.RR, error) {
	if z.static != nil {
		return z.static()
	}
	return f.fetch(z.name, serial)
}

// errNoSource is the error of a zone that no Transferer of the server block serves.
var errNoSource = errors.New("no plugin of the server block transfers this zone")

// fetch transfers zone from the first source authoritative for it: the SOA first, then
// every record, without the closing SOA. With serial not 0, a source at that serial
// answers the SOA alone.
func (f *Feed) fetch(name string, serial uint32) ([]dns.RR, error) {
	for _, src := range f.sources {
		ch, err := src.Transfer(name, serial)
		if errors.Is(err, transfer.ErrNotAuthoritative) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return collect(ch)
	}
	return nil, errNoSource
}

// collect reads a Transferer's channel to its end (its sender must never block on
// us), and checks its shape.
func collect(ch <-chan []dns.RR) ([]dns.RR, error) {
	var rrs []dns.RR
	for batch := range ch {
		rrs = append(rrs, batch...)
	}
	if len(rrs) == 0 {
		return nil, fmt.Errorf("empty transfer")
	}
	if _, ok := rrs[0].(*dns.SOA); !ok {
		return nil, fmt.Errorf("transfer starts with %s, not the SOA", dns.TypeToString[rrs[0].Header().Rrtype])
	}
	if len(rrs) > 1 {
		if _, ok := rrs[len(rrs)-1].(*dns.SOA); ok {
			rrs = rrs[:len(rrs)-1]
		}
	}
	return rrs, nil
}
