package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	// DefaultReadyTimeout is how long StartBinary waits for the first answer: the first
	// start of a fresh binary can be slow on a loaded CI machine.
	DefaultReadyTimeout = 15 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before it kills the process.
	stopGrace = 5 * time.Second
)

// BinaryOptions tunes StartBinaryWith. The zero value is what StartBinary uses.
type BinaryOptions struct {
	// Dir is the working directory of the process, where the Corefile is written (as
	// "Corefile"), so zone files put there with WriteFile can be named relatively.
	// Default: a new t.TempDir().
	Dir string
	// Args are extra command-line arguments, after -conf.
	Args []string
	// Env is added to the test process's environment.
	Env []string
	// Ready is the host:port that must answer a DNS query before the process counts as
	// started. Default: 127.0.0.1 and the port of the first server block key, which must
	// then be a plain DNS address with an explicit port (example.org:1053, dns://.:1053).
	Ready string
	// ReadyNetwork is the network of the readiness query: "udp" (default) or "tcp".
	ReadyNetwork string
	// Timeout bounds the wait for readiness. Default: DefaultReadyTimeout.
	Timeout time.Duration
}

// Process is a coredns binary started by StartBinary.
type Process struct {
	// Cmd is the running command.
	Cmd *exec.Cmd
	// Dir is the working directory holding the Corefile.
	Dir string
	// Addr is the address that answered the readiness query.
	Addr string

	out     *syncBuffer
	done    chan struct{}
	waitErr error
	stop    sync.Once
}

// StartBinary runs the coredns binary (see Binary) with -conf <corefile> and extraArgs,
// waits until it answers DNS on the first server block's port, and stops it when the test
// ends. It fails the test, showing everything the process printed, if the process exits
// or stays silent for DefaultReadyTimeout.
func StartBinary(t testing.TB, corefile string, extraArgs ...string) *Process {
	t.Helper()
	return StartBinaryWith(t, corefile, BinaryOptions{Args: extraArgs})
}

// StartBinaryWith is StartBinary with options: a prepared working directory, environment,
// another readiness address or timeout.
func StartBinaryWith(t testing.TB, corefile string, opts BinaryOptions) *Process {
	t.Helper()
	bin := Binary(t)
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	// The process runs in Dir, so a relative Dir would be resolved twice.
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		t.Fatal(err)
	}
	opts.Dir = dir
	if opts.ReadyNetwork == "" {
		opts.ReadyNetwork = "udp"
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultReadyTimeout
	}
	zone := "."
	if opts.Ready == "" {
		if opts.Ready, zone, err = firstAddress(corefile); err != nil {
			t.Fatalf("StartBinary: %v; set BinaryOptions.Ready\nCorefile:\n%s", err, corefile)
		}
	}
	conf := WriteFile(t, opts.Dir, "Corefile", corefile)

	cmd := exec.Command(bin, append([]string{"-conf", conf}, opts.Args...)...)
	cmd.Env = append(os.Environ(), opts.Env...)
	p := startProcess(t, "coredns", cmd, opts.Dir, opts.Ready)
	if err := p.waitReady(opts.ReadyNetwork, zone, opts.Timeout); err != nil {
		t.Fatalf("coredns %s: %v\nCorefile:\n%s\noutput:\n%s", strings.Join(p.Cmd.Args[1:], " "), err, corefile, p.Output())
	}
	return p
}

// waitReady polls p.Addr with a SOA query for zone until anything answers: any rcode
// means the server is listening and serving.
// startProcess runs cmd in dir as a Process that answers DNS at addr, and stops it when the
// test ends, printing its output (name says whose) if the test failed.
func startProcess(t testing.TB, name string, cmd *exec.Cmd, dir, addr string) *Process {
	t.Helper()
	p := &Process{Cmd: cmd, Dir: dir, Addr: addr, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Dir = dir
	// One writer for both streams keeps their lines in the order they were printed.
	cmd.Stdout, cmd.Stderr = p.out, p.out
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p
}

func (p *Process) waitReady(network, zone string, timeout time.Duration) error {
	c := &dns.Client{Net: network, Timeout: 250 * time.Millisecond}
	m := Query(zone, dns.TypeSOA)
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited before answering on %s: %v", p.Addr, p.waitErr)
		default:
		}
		if _, _, err := c.Exchange(m, p.Addr); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no DNS answer on %s/%s within %s", p.Addr, network, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Output returns everything the process printed so far, stdout and stderr interleaved.
func (p *Process) Output() string { return p.out.String() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop sends SIGTERM, waits for the process to exit, and kills it if it is still running
// after 5 s. It returns the exit error, nil for a clean exit. Calling it again returns the
// same result; the test's cleanup calls it too.
func (p *Process) Stop() error {
	p.stop.Do(func() {
		p.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			p.Cmd.Process.Kill()
			<-p.done
			p.waitErr = errors.Join(fmt.Errorf("still running %s after SIGTERM, killed", stopGrace), p.waitErr)
		}
	})
	<-p.done
	return p.waitErr
}

// WriteFile writes content to dir/name, creating the directories it needs, and returns
// the file's path: for zone files and Corefiles in a test's directory.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a bytes.Buffer the process can write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
