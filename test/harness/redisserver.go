package harness

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server of the test's own, on a harness port, without persistence:
// for tests that stop and start Redis under the code they test, which the shared server
// (NewRedis) must never be.
type RedisServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *syncBuffer
}

// StartRedisServer runs redis-server ($HOSTDNS_REDIS_SERVER, default /usr/bin/redis-server)
// on 127.0.0.1 and a FreePort, waits until it answers PING, and stops it when the test ends.
func StartRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	r := &RedisServer{
		t:    t,
		bin:  installed(t, "HOSTDNS_REDIS_SERVER", "/usr/bin/redis-server", "redis-server"),
		dir:  t.TempDir(),
		port: FreePort(t),
	}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("redis-server output:\n%s", r.output())
		}
	})
	r.Start()
	return r
}

// Addr is the server's host:port; it stays the same across Stop and Start.
func (r *RedisServer) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
}

// Start starts the server again after Stop, on the same port, empty (nothing is saved), and
// waits until it answers. Calling it while the server runs does nothing.
func (r *RedisServer) Start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return
	}
	cmd := exec.Command(r.bin,
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no")
	if r.out == nil {
		r.out = &syncBuffer{}
	}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("starting %s: %v", r.bin, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	r.cmd, r.done = cmd, done
	if err := r.waitPing(done); err != nil {
		r.t.Fatalf("redis-server on %s: %v\noutput:\n%s", r.Addr(), err, r.out.String())
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 5 s) and waits until it has exited.
// Calling it again does nothing.
func (r *RedisServer) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(stopGrace):
		r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd, r.done = nil, nil
}

func (r *RedisServer) waitPing(done <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 250 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(DefaultReadyTimeout)
	for {
		select {
		case <-done:
			return errors.New("exited before answering PING")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("no answer to PING within " + DefaultReadyTimeout.String() + ": " + err.Error())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *RedisServer) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.out == nil {
		return ""
	}
	return r.out.String()
}
