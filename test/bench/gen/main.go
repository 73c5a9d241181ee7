// Command gen writes hostdns' benchmark data into a directory: bench zones as zone files and as
// PowerDNS generic-schema SQL, the big.example. zone, and dnsperf query files. See
// test/bench/README.md for what each file holds.
//
//	go run ./test/bench/gen -out /tmp/benchdata [-zones 1000] [-big 100000] [-seed 1] [-width 5]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hostdns/hostdns/test/bench/benchdata"
)

func main() {
	d := benchdata.Defaults()
	out := flag.String("out", "", "output directory (created; required)")
	flag.IntVar(&d.Zones, "zones", d.Zones, "number of bench-NNNN.example. zones")
	flag.IntVar(&d.BigZone, "big", d.BigZone, "records in big.example. (0: no big zone)")
	flag.Uint64Var(&d.Seed, "seed", d.Seed, "seed for every random choice")
	flag.IntVar(&d.ZoneWidth, "width", 0, "digits in zone names (0: what -zones needs); a larger set's width names the same zones as it")
	flag.IntVar(&d.RandomQ, "random-queries", 0, "lines in the random and big-random query files (0: 500000)")
	flag.IntVar(&d.MixedQ, "mixed-queries", 0, "lines in the mixed and big-mixed query files (0: 200000)")
	noSQL := flag.Bool("no-sql", false, "do not write the SQL files")
	noQueries := flag.Bool("no-queries", false, "do not write the query files")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		flag.Usage()
		os.Exit(2)
	}
	d.SQL, d.Queries = !*noSQL, !*noQueries
	if err := benchdata.Generate(*out, d); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
