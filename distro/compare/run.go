package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/hostdns/hostdns/distro/compare/capture"
	"github.com/hostdns/hostdns/distro/compare/diff"
	"github.com/hostdns/hostdns/distro/compare/replay"
	"github.com/hostdns/hostdns/distro/compare/report"
)

// errLimit stops the reader after -limit queries.
var errLimit = errors.New("limit reached")

// Main runs the tool and returns its exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flagHelp) {
			fmt.Fprintln(stderr, "hostdns-compare:", err)
		}
		return exitUsage
	}
	if o.version {
		fmt.Fprintf(stdout, "hostdns-compare-%s\n%s/%s, %s, %s\n", Version, runtime.GOOS, runtime.GOARCH, runtime.Version(), Commit)
		return exitSame
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, o, stdout, stderr)
}

func run(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	var allow *report.AllowList
	if o.allowFile != "" {
		f, err := os.Open(o.allowFile)
		if err != nil {
			fmt.Fprintln(stderr, "hostdns-compare:", err)
			return exitUsage
		}
		allow, err = report.ParseAllowList(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "hostdns-compare: %s: %v\n", o.allowFile, err)
			return exitUsage
		}
	}
	collector := report.NewCollector(allow, o.examples, o.zones)
	rp := replay.New(o.replay, func(r replay.Result) {
		out := report.Outcome{Query: r.Query.Msg, Network: r.Query.Network, A: r.A, B: r.B, Err: r.Err}
		if r.Err == nil {
			out.Diffs = diff.Compare(r.A, r.B, o.diff)
			if r.TruncatedA != r.TruncatedB {
				// Asked again over TCP: the whole answers are compared, and that one server
				// truncated over UDP where the other did not is a difference of its own.
				out.Diffs = append(out.Diffs, diff.TruncatedOverUDP(r.TruncatedA, r.TruncatedB))
			}
		}
		collector.Add(out)
	})

	prog := o.startProgress(stderr, rp, collector)
	t0 := time.Now()
	stats, readErr := o.read(ctx, rp)
	rp.Close()
	if prog != nil {
		prog.Stop()
	}
	elapsed := time.Since(t0)

	interrupted := errors.Is(readErr, context.Canceled)
	if readErr != nil && !interrupted && !errors.Is(readErr, errLimit) {
		fmt.Fprintf(stderr, "hostdns-compare: %s: %v\n", o.input, readErr)
		if rp.Done() == 0 {
			return exitUsage
		}
		fmt.Fprintf(stderr, "hostdns-compare: reporting the %d queries read before the error\n", rp.Done())
	}
	rep := collector.Report()
	rep.Meta = map[string]any{
		"input": o.input, "read": stats.String(), "a": o.a(), "b": o.replay.B,
		"options": o.diff, "seconds": elapsed.Seconds(), "interrupted": interrupted,
		"version": Version, "commit": Commit,
	}
	if err := o.write(rep, stdout); err != nil {
		fmt.Fprintln(stderr, "hostdns-compare:", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "%s; %d queries in %s (%.0f q/s)\n", stats, rep.Summary.Queries, elapsed.Round(time.Millisecond),
		float64(rep.Summary.Queries)/max(elapsed.Seconds(), 0.001))
	if rep.Summary.Different > 0 || rep.Summary.Errors > o.maxErrors || interrupted || (readErr != nil && !errors.Is(readErr, errLimit)) {
		return exitDifferent
	}
	return exitSame
}

func (o *options) a() string {
	if o.replay.A == "" {
		return "capture"
	}
	return o.replay.A
}

// read feeds the replayer from the input until its end, -limit, an error or ctx's end.
func (o *options) read(ctx context.Context, rp *replay.Replayer) (capture.Stats, error) {
	in, closeIn, err := open(o.input)
	if err != nil {
		return capture.Stats{}, err
	}
	defer closeIn()
	n := 0
	return capture.Read(in, o.format, func(q capture.Query) error {
		if o.limit > 0 && n >= o.limit {
			return errLimit
		}
		n++
		return rp.Send(ctx, q)
	})
}

func open(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// count reads the input once without replaying it, for the bar's total. Reading is cheap
// beside asking two servers.
func (o *options) count() int64 {
	if o.input == "-" {
		return 0
	}
	in, closeIn, err := open(o.input)
	if err != nil {
		return 0
	}
	defer closeIn()
	st, _ := capture.Read(in, o.format, func(capture.Query) error { return nil })
	if o.limit > 0 {
		return int64(min(st.Queries, o.limit))
	}
	return int64(st.Queries)
}

func (o *options) startProgress(stderr io.Writer, rp *replay.Replayer, c *report.Collector) *replay.Progress {
	mode := o.progress
	if mode == "auto" {
		mode = "lines"
		if isTerminal(stderr) {
			mode = "bar"
		}
	}
	if mode == "none" || o.quiet {
		return nil
	}
	p := &replay.Progress{W: stderr, Bar: mode == "bar", Interval: o.interval, Count: rp.Done,
		Status: func() string { return c.Summary().String() }}
	if p.Bar {
		p.Total = o.count()
	}
	p.Start()
	return p
}

// isTerminal tells a terminal by its file mode: a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (o *options) write(rep report.Report, stdout io.Writer) error {
	if o.quiet {
		_, err := fmt.Fprintln(stdout, rep.Line)
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{{o.jsonFile, rep.WriteJSON}, {o.htmlFile, rep.WriteHTML}} {
		if out.name == "" {
			continue
		}
		if err := writeFile(out.name, out.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	return f.Close()
}
