// Package cli is `coredns abusepool ...`: the command-line client of abusepool's HTTP API,
// built into the binary. It shows the inspection lists as tables, like dnsdist's console
// (`top names 5 2` is topQueries(5, 2)), and lists, adds, changes and removes rules.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// Defaults, and the environment variables that override them.
const (
	DefaultAPI = "http://127.0.0.1:8054"
	EnvAPI     = "HOSTDNS_ABUSEPOOL_API"
	EnvToken   = "HOSTDNS_ABUSEPOOL_TOKEN"
)

const usage = `usage: coredns abusepool [-api URL] [-token TOKEN] COMMAND

  top DIMENSION [N [LABELS]] [-window D]  top N (10) of a dimension; names grouped by their last LABELS labels
      dimensions: names clients clients24 clients56 rcodes qtypes servfail-names nxdomain-names
                  client-bytes client-nxdomain client-servfail
  rates [-window D]                       queries, answers and drops per second
  rules                                   every rule, in precedence order
  add RULE                                add a rule (fails if its id exists)
  set RULE                                add or replace a rule
  rm ID                                   delete a rule

  RULE: ID [suffix NAME] [cidr PREFIX] [qtype TYPE] ACTION [ARGS] [for DURATION]
  ACTION: drop | refused | truncate | pool NAME |
          ratelimit QPS BURST client|subnet|name drop|truncate|refused

  -api defaults to $` + EnvAPI + ` or ` + DefaultAPI + `, -token to $` + EnvToken + `.
`

// errUsage marks a mistake in the command line: exit status 2, with the usage.
var errUsage = errors.New("usage")

// Main runs the command in args (what follows "abusepool") and returns the exit status:
// 0 done, 1 the API failed or refused, 2 a bad command line.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("coredns abusepool", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	api := fs.String("api", envOr(EnvAPI, DefaultAPI), "")
	token := fs.String("token", os.Getenv(EnvToken), "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "coredns abusepool: %v\n%s", err, usage)
		return 2
	}
	c, err := newClient(*api, *token)
	if err == nil {
		err = run(c, fs.Args(), stdout)
		c.close()
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "coredns abusepool: %v\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "coredns abusepool: %v\n", err)
		return 1
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run does one command.
func run(c *client, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "top":
		return top(c, args, out)
	case "rates":
		return rates(c, args, out)
	case "rules":
		if len(args) > 0 {
			return fmt.Errorf("%w: rules takes no arguments", errUsage)
		}
		var list struct{ Rules []rules.Rule }
		if err := c.call("GET", "/v1/rules", nil, &list, 200); err != nil {
			return err
		}
		return printRules(out, list.Rules, time.Now())
	case "add", "set":
		return addRule(c, cmd, args, out)
	case "rm":
		if len(args) != 1 {
			return fmt.Errorf("%w: want: rm ID", errUsage)
		}
		if err := c.call("DELETE", "/v1/rules/"+url.PathEscape(args[0]), nil, nil, 204); err != nil {
			return err
		}
		fmt.Fprintf(out, "deleted rule %s\n", args[0])
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

func top(c *client, args []string, out io.Writer) error {
	a, err := parseTop(args)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	q := url.Values{"dimension": {a.dimension}, "n": {strconv.Itoa(a.n)}}
	if a.labels > 0 {
		q.Set("labels", strconv.Itoa(a.labels))
	}
	if a.window > 0 {
		q.Set("window", a.window.String())
	}
	var t inspect.Top
	if err := c.call("GET", "/v1/top?"+q.Encode(), nil, &t, 200); err != nil {
		return err
	}
	return printTop(out, t)
}

func rates(c *client, args []string, out io.Writer) error {
	window, err := parseRates(args)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	path := "/v1/rates"
	if window > 0 {
		path += "?window=" + url.QueryEscape(window.String())
	}
	var r inspect.Rates
	if err := c.call("GET", path, nil, &r, 200); err != nil {
		return err
	}
	return printRates(out, r)
}

// addRule is `add RULE` (POST: the id must be new) and `set RULE` (PUT: add or replace).
func addRule(c *client, cmd string, args []string, out io.Writer) error {
	r, err := rules.ParseCorefile(args, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	r.Origin = rules.FromAPI
	var got rules.Rule
	if cmd == "add" {
		err = c.call("POST", "/v1/rules", r, &got, 201)
	} else {
		err = c.call("PUT", "/v1/rules/"+url.PathEscape(r.ID), r, &got, 200, 201)
	}
	if err != nil {
		return err
	}
	return printRules(out, []rules.Rule{got}, time.Now())
}
