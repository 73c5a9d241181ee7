package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainUsageErrors(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "q.txt")
	os.WriteFile(list, []byte("www.example.org A\n"), 0o644)
	allow := filepath.Join(dir, "allow.txt")
	os.WriteFile(allow, []byte("ttl * *\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{list}, "-b is required"},
		{[]string{"-b", "127.0.0.1:53", list}, "-a is required"},
		{[]string{"-a", "x:53", "-b", "y:53"}, "want one INPUT"},
		{[]string{"-a", "x:53", "-b", "y:53", "-transport", "sctp", list}, "-transport"},
		{[]string{"-a", "x:53", "-b", "y:53", "-concurrency", "0", list}, "-concurrency"},
		{[]string{"-a", "x:53", "-b", "y:53", "-progress", "fancy", list}, "-progress"},
		{[]string{"-a", "x:53", "-b", "y:53", "-allow", allow, list}, "allow-list line 1"},
		{[]string{"-a", "x:53", "-b", "y:53", filepath.Join(dir, "missing.pcap")}, "no such file"},
		{[]string{"-a", "x:53", "-b", "y:53", "-format", "csv", list}, "unknown input format"},
		{[]string{"-nosuchflag"}, "not defined"},
	} {
		var stdout, stderr bytes.Buffer
		if got := Main(c.args, &stdout, &stderr); got != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, got, stderr.String(), exitUsage, c.want)
		}
	}
}

func TestMainVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if got := Main([]string{"-version"}, &stdout, &stderr); got != exitSame || !strings.HasPrefix(stdout.String(), "hostdns-compare-"+Version+"\n") {
		t.Errorf("exit %d, %q", got, stdout.String())
	}
}
