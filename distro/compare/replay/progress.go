package replay

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress reports a long replay as it goes: on a terminal a bar redrawn in place, elsewhere
// (a log, CI) a plain line now and then. It is small enough not to need a library.
type Progress struct {
	W        io.Writer
	Bar      bool          // redraw a bar in place; else print lines
	Total    int64         // queries to replay; 0 when unknown (no bar then, a counter)
	Interval time.Duration // between lines; the bar redraws every 200 ms
	Count    func() int64  // queries done
	Status   func() string // what to add: the running summary

	stop chan struct{}
	wg   sync.WaitGroup
	t0   time.Time
}

// Start begins reporting until Stop.
func (p *Progress) Start() {
	p.stop, p.t0 = make(chan struct{}), time.Now()
	every := p.Interval
	if p.Bar {
		every = 200 * time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				p.draw()
			case <-p.stop:
				return
			}
		}
	}()
}

// Stop draws the last state and ends the bar's line.
func (p *Progress) Stop() {
	close(p.stop)
	p.wg.Wait()
	p.draw()
	if p.Bar {
		fmt.Fprintln(p.W)
	}
}

func (p *Progress) draw() {
	n := p.Count()
	elapsed := time.Since(p.t0)
	qps := float64(n) / max(elapsed.Seconds(), 0.001)
	status := ""
	if p.Status != nil {
		status = ", " + p.Status()
	}
	if !p.Bar {
		fmt.Fprintf(p.W, "%s: %d queries%s, %.0f q/s%s\n", elapsed.Round(time.Second), n, p.percent(n), qps, status)
		return
	}
	fmt.Fprintf(p.W, "\r%s %d%s %.0f q/s%s%s\x1b[K", p.bar(n), n, p.percent(n), qps, p.eta(n, qps), status)
}

func (p *Progress) percent(n int64) string {
	if p.Total <= 0 {
		return ""
	}
	return fmt.Sprintf("/%d (%d%%)", p.Total, 100*n/p.Total)
}

const barWidth = 30

func (p *Progress) bar(n int64) string {
	if p.Total <= 0 {
		return ""
	}
	full := int(min(n, p.Total) * barWidth / p.Total)
	return "[" + strings.Repeat("#", full) + strings.Repeat(".", barWidth-full) + "]"
}

func (p *Progress) eta(n int64, qps float64) string {
	if p.Total <= 0 || n == 0 || n >= p.Total {
		return ""
	}
	left := time.Duration(float64(p.Total-n) / qps * float64(time.Second))
	return ", " + left.Round(time.Second).String() + " left"
}
