// Package version identifies a hostdns build: our release and commit, stamped by build/build.sh
// with -ldflags, and the CoreDNS release it is built on.
package version

import (
	"fmt"
	"runtime"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/coremain"
)

// Name is what the binary calls itself in -version, the chaos plugin's version.bind and dnstap.
const Name = "hostdns"

// Set by build/build.sh: -X github.com/hostdns/hostdns/distro/version.Version=...
var (
	Version = "0.0.0-dev"
	Commit  = "unknown"
)

// Identify makes the caddy application name and version ours, so that everything that reports
// them (startup banner, chaos version.bind, dnstap) names hostdns. It must run before the
// Corefile is loaded.
func Identify() {
	caddy.AppName = Name
	caddy.AppVersion = Version
	coremain.GitCommit = Commit
	buildInfo.WithLabelValues(Version, Commit, coremain.CoreVersion, runtime.Version()).Set(1)
}

// Text is what -version prints: ours first, then the CoreDNS inside, then the platform.
func Text() string {
	return fmt.Sprintf("%s-%s\nCoreDNS-%s\n%s/%s, %s, %s\n",
		Name, Version, coremain.CoreVersion, runtime.GOOS, runtime.GOARCH, runtime.Version(), Commit)
}
