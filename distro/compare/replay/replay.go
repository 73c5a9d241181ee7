// Package replay sends captured queries to two servers, A (the one in service) and B (the
// one to move to), at a bounded rate and concurrency, with timeouts and retries, and hands
// both answers on.
package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/hostdns/hostdns/distro/compare/capture"
)

// Config says where and how fast to replay.
type Config struct {
	// A and B are the servers, host:port. An empty A takes the capture's answers as A's: for
	// when the old server is gone; a query captured without its answer is then an error.
	A, B string
	// Rate bounds the queries per second (each asked of both servers); 0 does not bound it.
	Rate float64
	// Concurrency is how many queries are in flight at most.
	Concurrency int
	// Timeout is how long to wait for one answer; Retries how often to ask again after it.
	Timeout time.Duration
	Retries int
	// Network, when set ("udp" or "tcp"), replaces each query's own transport.
	Network string
	// TCPOnTC asks both servers again over TCP when either truncates its UDP answer, as a
	// resolver would, so that the whole answers are compared.
	TCPOnTC bool
}

// Result is both answers to one query, or the error of a side that gave none.
type Result struct {
	Query capture.Query
	A, B  *dns.Msg
	Err   error
	// TruncatedA and TruncatedB tell which UDP answers had TC when A and B are the answers
	// over TCP that followed (Config.TCPOnTC).
	TruncatedA, TruncatedB bool
}

// Replayer replays queries handed to Send; Close waits for the last answers.
type Replayer struct {
	cfg     Config
	limiter *rate.Limiter
	jobs    chan capture.Query
	wg      sync.WaitGroup
	done    atomic.Int64
	handle  func(Result)
}

// ErrNoCapturedAnswer is the error of a query the capture holds no answer for, when the
// capture stands in for server A.
var ErrNoCapturedAnswer = errors.New("the capture holds no answer to it (A is the capture)")

// New starts cfg.Concurrency workers. handle is called from the workers, concurrently.
func New(cfg Config, handle func(Result)) *Replayer {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	r := &Replayer{cfg: cfg, jobs: make(chan capture.Query, cfg.Concurrency), handle: handle}
	if cfg.Rate > 0 {
		burst := max(1, int(cfg.Rate/100)) // smooth at high rates, still paced at low ones
		r.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), burst)
	}
	for range cfg.Concurrency {
		r.wg.Add(1)
		go r.work()
	}
	return r
}

// Send queues q, waiting for the rate limit and a free worker. It fails only when ctx ends.
func (r *Replayer) Send(ctx context.Context, q capture.Query) error {
	if r.limiter != nil {
		if err := r.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	select {
	case r.jobs <- q:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close waits until every queued query is answered.
func (r *Replayer) Close() {
	close(r.jobs)
	r.wg.Wait()
}

// Done counts the queries answered so far, for progress.
func (r *Replayer) Done() int64 { return r.done.Load() }

func (r *Replayer) work() {
	defer r.wg.Done()
	var a *client
	if r.cfg.A != "" {
		a = newClient(r.cfg.A, r.cfg.Timeout)
		defer a.close()
	}
	b := newClient(r.cfg.B, r.cfg.Timeout)
	defer b.close()
	for q := range r.jobs {
		r.handle(r.one(q, a, b))
		r.done.Add(1)
	}
}

func (r *Replayer) one(q capture.Query, a, b *client) Result {
	network := q.Network
	if r.cfg.Network != "" {
		network = r.cfg.Network
	}
	res := Result{Query: q}
	var errA, errB error
	if a == nil {
		if res.A = q.Response; res.A == nil {
			errA = ErrNoCapturedAnswer
		}
	} else {
		res.A, errA = a.exchange(q.Msg, network, r.cfg.Retries)
	}
	res.B, errB = b.exchange(q.Msg, network, r.cfg.Retries)
	if r.cfg.TCPOnTC && network == "udp" && errA == nil && errB == nil && (res.A.Truncated || res.B.Truncated) {
		errA, errB = r.overTCP(&res, q, a, b)
	}
	switch {
	case errA != nil && errB != nil:
		res.Err = fmt.Errorf("server a: %v; server b: %v", errA, errB)
	case errA != nil:
		res.Err = fmt.Errorf("server a: %w", errA)
	case errB != nil:
		res.Err = fmt.Errorf("server b: %w", errB)
	}
	return res
}

// overTCP asks again over TCP after a truncated UDP answer. The capture, standing in for A,
// cannot be asked: a truncated captured answer stays as it is.
func (r *Replayer) overTCP(res *Result, q capture.Query, a, b *client) (errA, errB error) {
	res.TruncatedA, res.TruncatedB = res.A.Truncated, res.B.Truncated
	if a != nil {
		res.A, errA = a.exchange(q.Msg, "tcp", r.cfg.Retries)
	}
	res.B, errB = b.exchange(q.Msg, "tcp", r.cfg.Retries)
	return errA, errB
}
