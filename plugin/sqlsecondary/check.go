package sqlsecondary

import (
	"context"
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// checkArgs is what a check needs of its zone, copied under the lock.
type checkArgs struct {
	id      int64
	name    string
	masters []string
	badRow  string
}

func checkOf(z *zone) checkArgs {
	return checkArgs{id: z.id, name: z.name, masters: z.masters, badRow: z.badRow}
}

// outcome is what a check found.
type outcome struct {
	err  error
	held bool     // another node holds the lease
	soa  *dns.SOA // the zone's SOA now stored, when known
}

// errHeld says another node holds the zone's lease.
var errHeld = errors.New("another node transfers the zone")

// check asks the zone's primaries, in order, for its SOA and transfers it
// from the first that has a newer serial. A primary that fails is skipped
// for the next; the error of the last is the check's.
func (s *Secondary) check(ctx context.Context, c checkArgs) outcome {
	if c.badRow != "" {
		transfers.WithLabelValues(kindSOA, reasonConfig).Inc()
		return outcome{err: fmt.Errorf("master column: %s", c.badRow)}
	}
	key, err := s.db.masterKey(ctx, c.id)
	if err != nil {
		transfers.WithLabelValues(kindSOA, reasonOf(err)).Inc()
		return outcome{err: err}
	}
	have, err := s.db.currentSOA(ctx, s.db.DB, c.name, c.id)
	if err != nil {
		transfers.WithLabelValues(kindSOA, reasonDatabase).Inc()
		return outcome{err: errorf(reasonDatabase, "%v", err)}
	}
	var last error
	for _, addr := range c.masters {
		res := s.checkPrimary(ctx, c, addr, key, have)
		if res.err == nil || res.held || ctx.Err() != nil {
			return res
		}
		last = fmt.Errorf("primary %s: %w", addr, res.err)
	}
	return outcome{err: last, soa: have}
}

// checkPrimary checks the zone at one primary and transfers it when the
// primary's serial is newer than have's.
func (s *Secondary) checkPrimary(ctx context.Context, c checkArgs, addr string, key *xfrmeta.Key, have *dns.SOA) outcome {
	remote, err := s.client.querySOA(ctx, addr, c.name, key)
	if err != nil {
		transfers.WithLabelValues(kindSOA, reasonOf(err)).Inc()
		return outcome{err: err, soa: have}
	}
	if have != nil && !newer(remote.Serial, have.Serial) {
		if remote.Serial != have.Serial {
			transfers.WithLabelValues(kindSOA, reasonSerialBackwards).Inc()
			return outcome{err: errorf(reasonSerialBackwards, "serial %d is behind ours, %d", remote.Serial, have.Serial), soa: have}
		}
		transfers.WithLabelValues(kindSOA, "uptodate").Inc()
		if err := s.db.touchLastCheck(ctx, s.db.DB, c.id, s.now(), lastCheckEvery(have)); err != nil {
			return outcome{err: errorf(reasonDatabase, "%v", err), soa: have}
		}
		return outcome{soa: have}
	}
	transfers.WithLabelValues(kindSOA, "newer").Inc()
	seen := s.now()
	ok, err := s.lease.acquire(ctx, c.id, seen)
	switch {
	case err != nil:
		leases.WithLabelValues("error").Inc()
		return outcome{err: errorf(reasonDatabase, "taking the lease: %v", err), soa: have}
	case !ok:
		leases.WithLabelValues("held_elsewhere").Inc()
		return outcome{err: errHeld, held: true, soa: have}
	}
	leases.WithLabelValues("acquired").Inc()
	defer s.lease.release(context.WithoutCancel(ctx), c.id)
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := s.lease.hold(tctx, c.id, cancel)
	defer stop()
	p, err := s.transfer(tctx, c, addr, key, have)
	if err != nil && tctx.Err() != nil && ctx.Err() == nil {
		err = errorf(reasonLeaseLost, "the transfer lease was lost: transfer abandoned")
	}
	if err != nil {
		return outcome{err: err, soa: have}
	}
	lag.Observe(s.now().Sub(seen).Seconds())
	return outcome{soa: p.soa}
}

// transfer pulls the zone from addr by IXFR when a copy is stored, else or
// when IXFR fails, by AXFR, and writes it. A size or serial refusal is not
// retried by AXFR: the whole zone would be refused the same.
func (s *Secondary) transfer(ctx context.Context, c checkArgs, addr string, key *xfrmeta.Key, have *dns.SOA) (*pulled, error) {
	if have != nil {
		p, err := s.tryIXFR(ctx, c, addr, key, have)
		if err == nil {
			return p, nil
		}
		switch reasonOf(err) {
		case reasonTooLarge, reasonSerialBackwards, reasonLeaseLost, reasonOutOfZone:
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, err
		}
	}
	p, err := s.client.axfr(ctx, addr, c.name, key)
	if err == nil {
		err = s.accept(p, have)
	}
	if err == nil {
		err = s.write(ctx, c.id, c.name, p, s.now())
	}
	if err != nil {
		transfers.WithLabelValues(kindAXFR, reasonOf(err)).Inc()
		return nil, err
	}
	transfers.WithLabelValues(kindAXFR, "ok").Inc()
	return p, nil
}

// accept refuses a transfer whose serial is behind the stored one.
func (s *Secondary) accept(p *pulled, have *dns.SOA) error {
	if have != nil && p.soa.Serial != have.Serial && !newer(p.soa.Serial, have.Serial) {
		return errorf(reasonSerialBackwards, "transfer brings serial %d, behind ours, %d", p.soa.Serial, have.Serial)
	}
	return nil
}

// tryIXFR pulls and writes the differences since have; the primary may send
// the whole zone instead, which is written as an AXFR.
func (s *Secondary) tryIXFR(ctx context.Context, c checkArgs, addr string, key *xfrmeta.Key, have *dns.SOA) (*pulled, error) {
	p, err := s.client.ixfr(ctx, addr, c.name, key, have)
	if err == nil {
		err = s.accept(p, have)
	}
	if err == nil && p.kind == kindIXFR && len(p.diffs) == 0 {
		if !newer(p.soa.Serial, have.Serial) {
			transfers.WithLabelValues(kindIXFR, "uptodate").Inc()
			return p, nil
		}
		// A lone newer SOA: the primary has no differences to give.
		err = errorf(reasonIXFRMismatch, "IXFR answered with the SOA alone")
	}
	if err == nil {
		err = s.write(ctx, c.id, c.name, p, s.now())
	}
	kind := kindIXFR
	if err == nil {
		kind = p.kind
		transfers.WithLabelValues(kind, "ok").Inc()
		return p, nil
	}
	transfers.WithLabelValues(kind, reasonOf(err)).Inc()
	return nil, err
}
