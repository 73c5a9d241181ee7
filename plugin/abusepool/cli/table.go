package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

func table(out io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
}

// keyTitle names a dimension's keys in the table header.
var keyTitle = map[inspect.Dimension]string{
	inspect.Names: "Name", inspect.ServfailNames: "Name", inspect.NXDomainNames: "Name",
	inspect.Clients: "Client", inspect.ClientBytes: "Client", inspect.ClientNXDomain: "Client",
	inspect.ClientServfail: "Client", inspect.Clients24: "Subnet", inspect.Clients56: "Subnet",
	inspect.Rcodes: "Rcode", inspect.QTypes: "Type",
}

// printTop prints a top list as dnsdist's topQueries does: rank, key, count, share, and the
// rest of the total last. Error is the count's possible overestimate (space-saving).
func printTop(out io.Writer, t inspect.Top) error {
	title := keyTitle[t.Dimension]
	if title == "" {
		title = "Key"
	}
	tw := table(out)
	fmt.Fprintf(tw, "#\t%s\tCount\tShare\t±Error\n", title)
	var listed uint64
	for i, e := range t.Entries {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", i+1, e.Key, e.Count, percent(e.Share), plusMinus(e.Error))
		listed += e.Count
	}
	if listed < t.Total {
		rest := t.Total - listed
		fmt.Fprintf(tw, "\tRest\t%d\t%s\t\n", rest, percent(float64(rest)/float64(t.Total)))
	}
	return tw.Flush()
}

func percent(share float64) string { return fmt.Sprintf("%.1f%%", 100*share) }

func plusMinus(e uint64) string {
	if e == 0 {
		return ""
	}
	return fmt.Sprintf("%d", e)
}

func printRates(out io.Writer, r inspect.Rates) error {
	tw := table(out)
	fmt.Fprintf(tw, "Window\t%s\n", r.Window)
	fmt.Fprintf(tw, "Queries/s\t%.1f\n", r.QueriesPerSecond)
	fmt.Fprintf(tw, "Answers/s\t%.1f\n", r.AnswersPerSecond)
	fmt.Fprintf(tw, "Dropped/s\t%.1f\n", r.DroppedPerSecond)
	fmt.Fprintf(tw, "Unsampled\t%d\n", r.UnsampledInWindow)
	return tw.Flush()
}

// printRules prints rules one a line, in the order given (the precedence).
func printRules(out io.Writer, rs []rules.Rule, now time.Time) error {
	tw := table(out)
	fmt.Fprintf(tw, "ID\tOrigin\tMatch\tAction\tExpires\tReason\n")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Origin, matchText(r.Match), actionText(r), expiresText(r.Expires, now), r.Reason)
	}
	return tw.Flush()
}

func matchText(m rules.Match) string {
	var parts []string
	if m.Suffix != "" {
		parts = append(parts, "suffix "+m.Suffix)
	}
	if m.CIDR != "" {
		parts = append(parts, "cidr "+m.CIDR)
	}
	if m.QType != "" {
		parts = append(parts, "qtype "+m.QType)
	}
	return strings.Join(parts, " ")
}

func actionText(r rules.Rule) string {
	switch {
	case r.Limit != nil:
		return fmt.Sprintf("%s %g %d %s %s", r.Action, r.Limit.QPS, r.Limit.Burst, r.Limit.Per, r.Limit.Then)
	case r.Pool != "":
		return fmt.Sprintf("%s %s", r.Action, r.Pool)
	}
	return string(r.Action)
}

func expiresText(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return "in " + t.Sub(now).Round(time.Second).String()
}
