package autocert_test

import (
	"context"
	"errors"
	"io/fs"
	"reflect"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/urlredirect/autocert"
	"github.com/hostdns/hostdns/test/harness"
)

// TestRedisStorageSemantics: the file-system semantics certmagic.Storage asks for, on a
// real Redis: values, directories implied by keys, listing, stat, recursive delete.
func TestRedisStorageSemantics(t *testing.T) {
	red := harness.NewRedis(t)
	s := autocert.NewRedisStorage(red.Addr, 0, "", red.Prefix)
	defer s.Close()
	ctx := context.Background()
	for _, k := range []string{"certs/ca/a.test/a.test.crt", "certs/ca/a.test/a.test.key", "certs/ca/b.test/b.test.crt", "acme/account.json"} {
		if err := s.Store(ctx, k, []byte("value of "+k)); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Load(ctx, "certs/ca/a.test/a.test.key"); err != nil || string(v) != "value of certs/ca/a.test/a.test.key" {
		t.Errorf("Load: %q, %v", v, err)
	}
	if _, err := s.Load(ctx, "certs/ca/c.test/c.test.crt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing key: %v, want fs.ErrNotExist", err)
	}
	for key, want := range map[string]bool{"certs": true, "certs/ca/a.test": true, "certs/ca/a.test/a.test.crt": true,
		"cert": false, "certs/ca/a": false, "certs/ca/a.test/a.test.crt/x": false} {
		if got := s.Exists(ctx, key); got != want {
			t.Errorf("Exists(%q) = %v, want %v", key, got, want)
		}
	}
	got, err := s.List(ctx, "certs/ca", false)
	if want := []string{"certs/ca/a.test", "certs/ca/b.test"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("List: %v, %v; want %v", got, err, want)
	}
	if _, err := s.List(ctx, "nothing", true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List of a missing directory: %v, want fs.ErrNotExist", err)
	}
	info, err := s.Stat(ctx, "acme/account.json")
	if err != nil || !info.IsTerminal || info.Size != int64(len("value of acme/account.json")) || time.Since(info.Modified) > time.Minute {
		t.Errorf("Stat of a value: %+v, %v", info, err)
	}
	if info, err := s.Stat(ctx, "certs/ca"); err != nil || info.IsTerminal {
		t.Errorf("Stat of a directory: %+v, %v", info, err)
	}
	if err := s.Delete(ctx, "certs/ca/a.test"); err != nil {
		t.Fatal(err)
	}
	got, err = s.List(ctx, "certs", true)
	if want := []string{"certs/ca", "certs/ca/b.test", "certs/ca/b.test/b.test.crt"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after Delete: %v, %v; want %v", got, err, want)
	}
	if err := s.Delete(ctx, "certs/ca/a.test"); err != nil {
		t.Errorf("Delete of a missing key: %v, want nil", err)
	}
}

// TestRedisLocks: one holder at a time across nodes, release by the holder only, a
// waiting Lock gets the lock when it is released and honours its context.
func TestRedisLocks(t *testing.T) {
	red := harness.NewRedis(t)
	a := autocert.NewRedisStorage(red.Addr, 0, "", red.Prefix)
	b := autocert.NewRedisStorage(red.Addr, 0, "", red.Prefix)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()

	if err := a.Lock(ctx, "issue_cert_www"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "issue_cert_www"); ok || err != nil {
		t.Fatalf("B took A's lock: %v %v", ok, err)
	}
	if err := b.Unlock(ctx, "issue_cert_www"); err == nil {
		t.Error("B released a lock it does not hold")
	}
	short, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	err := b.Lock(short, "issue_cert_www")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("B's Lock while A holds it: %v, want the context's deadline", err)
	}
	if err := a.RenewLockLease(ctx, "issue_cert_www", 5*time.Minute); err != nil {
		t.Errorf("RenewLockLease: %v", err)
	}
	if ttl := red.Client.PTTL(ctx, red.Prefix+"lock:issue_cert_www").Val(); ttl < 4*time.Minute {
		t.Errorf("lease after renewal: %s, want about 5m", ttl)
	}

	got := make(chan error, 1)
	go func() { got <- b.Lock(ctx, "issue_cert_www") }()
	if err := a.Unlock(ctx, "issue_cert_www"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("B did not get the lock A released")
	}
	if err := b.Unlock(ctx, "issue_cert_www"); err != nil {
		t.Error(err)
	}
	if n := red.Client.Exists(ctx, red.Prefix+"lock:issue_cert_www").Val(); n != 0 {
		t.Error("lock key left after Unlock")
	}
}
