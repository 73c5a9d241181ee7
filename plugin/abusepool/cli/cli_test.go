package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/abusepool/api"
	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/hostdns/hostdns/plugin/abusepool/state"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const token = "cli-test-token"

// backend is a real rule State with a fixed top list: the inspector is tested in its own
// package; here only the CLI's reading and printing of the API's answers counts.
type backend struct{ *state.State }

func (backend) Top(q inspect.Query) (inspect.Top, error) {
	if q.Dimension != inspect.Names {
		return inspect.Top{}, fmt.Errorf("unknown dimension %q", q.Dimension)
	}
	e := []inspect.Entry{
		{Key: "t-ipnet.de.", Count: 700, Error: 2, Share: 0.7},
		{Key: "example.org.", Count: 200, Share: 0.2},
		{Key: "example.net.", Count: 50, Share: 0.05},
	}
	return inspect.Top{Dimension: q.Dimension, Labels: q.Labels, Window: q.Window, Total: 1000, Entries: e[:min(q.N, len(e))]}, nil
}

func (backend) Rates(w time.Duration) inspect.Rates {
	return inspect.Rates{Window: w, QueriesPerSecond: 1520.5, AnswersPerSecond: 1500, DroppedPerSecond: 20.5, UnsampledInWindow: 3}
}

// serve runs a real API server on a loopback port and returns the -api and -token flags.
func serve(t *testing.T) (backend, []string) {
	t.Helper()
	b := backend{state.New([]rules.Rule{{ID: "core", Match: rules.Match{Suffix: "core.example."},
		Action: rules.Refused, Origin: rules.FromCorefile, Created: time.Now()}}, state.Options{})}
	s, err := api.New("127.0.0.1:0", token, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return b, []string{"-api", "http://" + s.Addr(), "-token", token}
}

// cli runs Main and returns its exit status, stdout and stderr.
func cli(flags []string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(append(append([]string{}, flags...), args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// lines splits output into lines of fields, for comparing tables without their spacing.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return out
}

func wantLines(t *testing.T, got string, want ...string) {
	t.Helper()
	if g := lines(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("output:\n%s\nwant (spacing aside):\n%s", got, strings.Join(want, "\n"))
	}
}

func TestTop(t *testing.T) {
	_, flags := serve(t)
	code, out, errOut := cli(flags, "top", "names", "2", "2", "-window", "30s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantLines(t, out,
		"# Name Count Share ±Error",
		"1 t-ipnet.de. 700 70.0% 2",
		"2 example.org. 200 20.0%",
		"Rest 100 10.0%")
	code, _, errOut = cli(flags, "top", "colors")
	if code != 1 || !strings.Contains(errOut, "400") || !strings.Contains(errOut, "unknown dimension") {
		t.Fatalf("top colors: exit %d, stderr %q; want 1 and the API's 400 message", code, errOut)
	}
}

func TestRates(t *testing.T) {
	_, flags := serve(t)
	code, out, errOut := cli(flags, "rates", "--window=10s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantLines(t, out, "Window 10s", "Queries/s 1520.5", "Answers/s 1500.0", "Dropped/s 20.5", "Unsampled 3")
}

func TestRulesAddSetRm(t *testing.T) {
	b, flags := serve(t)
	code, out, errOut := cli(flags, "add", "flood", "suffix", "Bad.Example", "ratelimit", "100", "200", "client", "truncate", "for", "10m")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	wantLines(t, out, "ID Origin Match Action Expires Reason",
		"flood api suffix bad.example. ratelimit 100 200 client truncate in 10m0s")
	r, ok := b.Get("flood")
	if !ok || r.Limit == nil || r.Limit.QPS != 100 || r.Match.Suffix != "bad.example." {
		t.Fatalf("the server has %+v, %v", r, ok)
	}

	code, _, errOut = cli(flags, "add", "flood", "suffix", "x.example", "drop")
	if code != 1 || !strings.Contains(errOut, "409") {
		t.Fatalf("add of an existing id: exit %d, %q; want 1 and 409", code, errOut)
	}
	if code, _, errOut = cli(flags, "set", "flood", "cidr", "192.0.2.0/24", "refused"); code != 0 {
		t.Fatalf("set: exit %d: %s", code, errOut)
	}
	if code, _, errOut = cli(flags, "set", "other", "qtype", "any", "truncate"); code != 0 {
		t.Fatalf("set of a new id: exit %d: %s", code, errOut)
	}

	code, out, _ = cli(flags, "rules")
	if code != 0 {
		t.Fatalf("rules: exit %d", code)
	}
	wantLines(t, out, "ID Origin Match Action Expires Reason",
		"core corefile suffix core.example. refused never",
		"flood api cidr 192.0.2.0/24 refused never",
		"other api qtype ANY truncate never")

	if code, out, _ = cli(flags, "rm", "flood"); code != 0 || out != "deleted rule flood\n" {
		t.Fatalf("rm: exit %d, %q", code, out)
	}
	if _, ok := b.Get("flood"); ok {
		t.Fatal("rm did not delete")
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"rm", "flood"}, "404"},
		{[]string{"rm", "core"}, "409"},
		{[]string{"rm", "BAD/ID"}, "400"},
	} {
		if code, _, errOut := cli(flags, c.args...); code != 1 || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d, %q; want 1 and %s", c.args, code, errOut, c.says)
		}
	}
}

func TestBadCommandLines(t *testing.T) {
	b, flags := serve(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"top"},
		{"top", "names", "zero"},
		{"top", "names", "0"},
		{"top", "names", "5", "-1"},
		{"top", "names", "5", "2", "9"},
		{"top", "names", "-window"},
		{"top", "names", "-window", "soon"},
		{"top", "names", "-n", "5"},
		{"top", "names", "-window", "1s", "-window", "2s"},
		{"rates", "extra"},
		{"rules", "extra"},
		{"add"},
		{"add", "x", "explode"},
		{"add", "x", "suffix", "a.", "drop", "for", "ever"},
		{"rm"},
		{"rm", "a", "b"},
	} {
		code, out, errOut := cli(flags, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "usage:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and the usage", args, code, out, errOut)
		}
	}
	if n := len(b.Rules()); n != 1 {
		t.Fatalf("%d rules after bad command lines, want the corefile rule only", n)
	}
	if code, _, _ := cli([]string{"-nope"}, "rules"); code != 2 {
		t.Errorf("unknown global flag: exit %d, want 2", code)
	}
	if code, _, errOut := cli([]string{"-api", "127.0.0.1:8054"}, "rules"); code != 1 || !strings.Contains(errOut, "want a URL") {
		t.Errorf("-api without scheme: exit %d %q", code, errOut)
	}
}

func TestTokenAndEnvironment(t *testing.T) {
	_, flags := serve(t)
	url := flags[1]
	code, _, errOut := cli([]string{"-api", url, "-token", "wrong"}, "rules")
	if code != 1 || !strings.Contains(errOut, "401") {
		t.Fatalf("wrong token: exit %d, %q", code, errOut)
	}
	t.Setenv(EnvAPI, url)
	t.Setenv(EnvToken, token)
	if code, _, errOut := cli(nil, "rules"); code != 0 {
		t.Fatalf("with %s and %s set: exit %d, %q", EnvAPI, EnvToken, code, errOut)
	}
}

func TestServerDown(t *testing.T) {
	code, _, errOut := cli([]string{"-api", "http://127.0.0.1:1"}, "rules")
	if code != 1 || errOut == "" {
		t.Fatalf("no server: exit %d, %q", code, errOut)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}} {
		if code, out, _ := cli(nil, args...); code != 0 || !strings.Contains(out, "top DIMENSION") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}
