// Command fixedrate sends HTTP(S) requests at a fixed rate over keep-alive connections and
// reports the latency distribution, as wrk2 does and wrk cannot: the send times are scheduled
// in advance (request i at start + i/rate) and every latency is measured from the scheduled
// time, not from when a connection was free to send it. A server that stalls therefore shows
// its stall in every request scheduled during it (no "coordinated omission"), and the
// generator's own lag is reported (late) rather than hidden.
//
//	fixedrate -url http://127.0.0.1:18080/p -hosts a.example,b.example -rate 5000 -d 10s -c 64
//
// It prints one line of key=value pairs (test/bench/urlredirect.sh reads it). Standard library
// only: no dependency for the benchmark.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type result struct {
	lat      []time.Duration // from the scheduled time to the end of the body, measured window only
	errs     int
	bad      int // status other than -expect
	late     time.Duration
	measured int
}

func main() {
	url := flag.String("url", "", "URL to request (http or https; certificates are not verified)")
	hosts := flag.String("hosts", "", "comma-separated Host headers, rotated per request (default: the URL's host)")
	rate := flag.Float64("rate", 1000, "requests per second")
	dur := flag.Duration("d", 10*time.Second, "measured duration")
	warm := flag.Duration("warmup", 2*time.Second, "duration at the same rate before measuring (connections, TLS handshakes, memo)")
	conns := flag.Int("c", 64, "connections (and requests in flight at most)")
	expect := flag.Int("expect", 301, "expected status")
	flag.Parse()
	if *url == "" || *rate <= 0 || *conns < 1 {
		flag.Usage()
		os.Exit(2)
	}
	var hs []string
	if *hosts != "" {
		hs = strings.Split(*hosts, ",")
	}
	r := run(*url, hs, *rate, *warm, *dur, *conns, *expect)
	report(r, *rate, *dur)
}

type job struct {
	at   time.Time // scheduled send time
	n    int
	keep bool // in the measured window
}

func run(url string, hosts []string, rate float64, warm, dur time.Duration, conns, expect int) result {
	t, err := parseTarget(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	total := int(rate * (warm + dur).Seconds())
	nwarm := int(rate * warm.Seconds())
	jobs := make(chan job, min(total, 1<<22))
	// A stalled server cannot keep the run going for long: whatever is still queued at the
	// deadline is counted as an error.
	ctx, cancel := context.WithTimeout(context.Background(), warm+dur+10*time.Second)
	defer cancel()

	res := make([]result, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(ctx, t, hosts, expect, jobs, &res[w])
		}()
	}

	interval := float64(time.Second) / rate
	start := time.Now().Add(20 * time.Millisecond)
	var late time.Duration
	for i := range total {
		at := start.Add(time.Duration(float64(i) * interval))
		// Lateness counts in the measured window only: at the start the sender
		// waits for 64 dials (and handshakes), which says nothing of the run.
		if d := time.Until(at); d > 200*time.Microsecond {
			time.Sleep(d)
		} else if -d > late && i >= nwarm {
			late = -d
		}
		jobs <- job{at: at, n: i, keep: i >= nwarm}
	}
	close(jobs)
	wg.Wait()
	var all result
	for _, r := range res {
		all.lat = append(all.lat, r.lat...)
		all.errs += r.errs
		all.bad += r.bad
		all.measured += r.measured
	}
	all.late = late
	return all
}

// worker owns one keep-alive connection (redialled after an error) and speaks HTTP/1.1 on it
// by hand, as wrk does: net/http's client costs several times more CPU per request, and a
// generator that cannot keep its schedule measures itself, not the server.
func worker(ctx context.Context, t target, hosts []string, expect int, jobs <-chan job, r *result) {
	var c *conn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for j := range jobs {
		if ctx.Err() != nil {
			if j.keep {
				r.errs++
				r.measured++
			}
			continue
		}
		if d := time.Until(j.at); d > 0 {
			time.Sleep(d)
		}
		host := t.host
		if len(hosts) > 0 {
			host = hosts[j.n%len(hosts)]
		}
		var status int
		var err error
		if c == nil {
			c, err = t.dial(ctx)
		}
		if err == nil {
			status, err = c.get(t.path, host)
			if err != nil {
				c.Close()
				c = nil
			}
		}
		if !j.keep {
			continue
		}
		r.measured++
		switch {
		case err != nil:
			r.errs++
		case status != expect:
			r.bad++
		default:
			r.lat = append(r.lat, time.Since(j.at))
		}
	}
}

func report(r result, rate float64, dur time.Duration) {
	slices.Sort(r.lat)
	pct := func(p float64) float64 {
		if len(r.lat) == 0 {
			return -1
		}
		i := int(p * float64(len(r.lat)-1))
		return ms(r.lat[i])
	}
	maxv := -1.0
	if len(r.lat) > 0 {
		maxv = ms(r.lat[len(r.lat)-1])
	}
	fmt.Printf("rate=%.0f achieved=%.0f requests=%d ok=%d errors=%d bad_status=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f sender_late_max_ms=%.3f\n",
		rate, float64(len(r.lat))/dur.Seconds(), r.measured, len(r.lat), r.errs, r.bad,
		pct(0.50), pct(0.90), pct(0.99), pct(0.999), maxv, ms(r.late))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
