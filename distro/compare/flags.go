package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hostdns/hostdns/distro/compare/capture"
	"github.com/hostdns/hostdns/distro/compare/diff"
	"github.com/hostdns/hostdns/distro/compare/replay"
)

// Exit statuses.
const (
	exitSame      = 0 // nothing differs that is not accepted, errors within -max-errors
	exitDifferent = 1 // an unaccepted difference, or more errors than -max-errors
	exitUsage     = 2 // bad flags, unreadable input or allow-list, nothing replayed
)

// flagHelp is -h: usage printed, nothing more to say.
var flagHelp = flag.ErrHelp

// options is the command line.
type options struct {
	input     string
	format    capture.Format
	replay    replay.Config
	diff      diff.Options
	allowFile string
	jsonFile  string
	htmlFile  string
	examples  int
	zones     []string
	maxErrors int
	limit     int
	progress  string
	interval  time.Duration
	quiet     bool
	version   bool
}

const usage = `usage: hostdns-compare [flags] -a OLD -b NEW INPUT

Replays the queries in INPUT (a pcap/pcapng capture, a dnstap file or a dig -f list; "-" is
standard input) against server A (OLD, host:port, or "capture" for the answers the capture
holds) and server B (NEW, host:port), compares the answers and reports the differences.
Exit status: 0 when nothing differs that the allow-list does not accept (and errors are
within -max-errors), 1 otherwise, 2 when the input or the flags are wrong.

`

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("hostdns-compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	format := fs.String("format", "auto", "input format: auto, pcap (pcap or pcapng), dnstap, list")
	fs.StringVar(&o.replay.A, "a", "", `server A, the one in service: host:port, or "capture" for the captured answers`)
	fs.StringVar(&o.replay.B, "b", "", "server B, the one to move to: host:port")
	fs.Float64Var(&o.replay.Rate, "rate", 1000, "queries per second at most (each asked of both servers); 0: no limit")
	fs.IntVar(&o.replay.Concurrency, "concurrency", 32, "queries in flight at most")
	fs.DurationVar(&o.replay.Timeout, "timeout", 2*time.Second, "wait this long for an answer")
	fs.IntVar(&o.replay.Retries, "retries", 2, "ask again this often after a timeout")
	fs.StringVar(&o.replay.Network, "transport", "", `ask every query over "udp" or "tcp" (default: as captured)`)
	fs.BoolVar(&o.replay.TCPOnTC, "tcp-on-tc", true, "when a UDP answer is truncated, ask both servers again over TCP and compare those answers")
	fs.BoolVar(&o.diff.IgnoreTTL, "ignore-ttl", false, "ignore TTLs")
	fs.BoolVar(&o.diff.IgnoreAuthorityNS, "ignore-authority-ns", false, "ignore NS in the authority section of positive answers, and their glue")
	fs.BoolVar(&o.diff.IgnoreCase, "ignore-case", false, "ignore case of names inside rdata")
	fs.BoolVar(&o.diff.IgnoreRRSIGTimes, "ignore-rrsig-times", false, "ignore RRSIG inception and expiration (and so the signature)")
	fs.BoolVar(&o.diff.IgnoreOrder, "ignore-order", false, "ignore the order of records")
	fs.StringVar(&o.allowFile, "allow", "", "allow-list file of accepted differences (kind name type reason)")
	fs.StringVar(&o.jsonFile, "json", "", "write the report as JSON to this file")
	fs.StringVar(&o.htmlFile, "html", "", "write the report as an HTML page to this file")
	fs.IntVar(&o.examples, "examples", 3, "examples to show of each kind of difference")
	zones := fs.String("zones", "", "comma-separated zones to group by (others are learned from SOA records)")
	fs.IntVar(&o.maxErrors, "max-errors", 0, "queries without an answer that still allow exit status 0")
	fs.IntVar(&o.limit, "limit", 0, "replay only the first N queries (0: all)")
	fs.StringVar(&o.progress, "progress", "auto", "progress: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	fs.DurationVar(&o.interval, "progress-interval", 10*time.Second, "time between progress lines")
	fs.BoolVar(&o.quiet, "q", false, "print only the summary line")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, flagHelp
		}
		return nil, err
	}
	if o.version {
		return o, nil
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, fmt.Errorf("want one INPUT, got %d", fs.NArg())
	}
	o.input = fs.Arg(0)
	o.format = capture.Format(*format)
	if *zones != "" {
		o.zones = strings.Split(*zones, ",")
	}
	return o, o.check()
}

func (o *options) check() error {
	switch {
	case o.replay.B == "":
		return fmt.Errorf("-b is required: the server to move to")
	case o.replay.A == "":
		return fmt.Errorf(`-a is required: the server in service, or "capture"`)
	case o.replay.Concurrency < 1 || o.replay.Retries < 0 || o.replay.Timeout <= 0 || o.replay.Rate < 0:
		return fmt.Errorf("-concurrency must be at least 1, -timeout positive, -retries and -rate not negative")
	case o.replay.Network != "" && o.replay.Network != "udp" && o.replay.Network != "tcp":
		return fmt.Errorf(`-transport is "udp" or "tcp", not %q`, o.replay.Network)
	case o.progress != "auto" && o.progress != "bar" && o.progress != "lines" && o.progress != "none":
		return fmt.Errorf("-progress is auto, bar, lines or none, not %q", o.progress)
	}
	if o.replay.A == "capture" {
		o.replay.A = ""
	}
	return nil
}
