package answerdeps

import (
	"context"
	"testing"
	"time"
)

func TestStampGoesStaleOnBump(t *testing.T) {
	d := New()
	s := d.Stamp()
	if !s.Current() {
		t.Fatal("a fresh stamp is not current")
	}
	d.Bump()
	if s.Current() {
		t.Fatal("a stamp taken before Bump is still current")
	}
	if !d.Stamp().Current() {
		t.Fatal("a stamp taken after Bump is not current")
	}
}

func TestReleasedDepNeverMatchesOldStamps(t *testing.T) {
	d := New()
	old := d.Stamp()
	Release(d)
	again := New()
	if again != d {
		t.Fatalf("New after Release returned %d, want the released %d", again, d)
	}
	if old.Current() {
		t.Fatal("a stamp of the released dep matches its new owner")
	}
}

func TestNewCrossesChunks(t *testing.T) {
	var last Dep
	for i := 0; i < chunkSize+10; i++ {
		last = New()
	}
	s := last.Stamp()
	last.Bump()
	if s.Current() || last.Epoch() != s.Epoch+1 {
		t.Fatalf("dep %d in the second chunk: epoch %d, stamp %d", last, last.Epoch(), s.Epoch)
	}
}

func TestRecorder(t *testing.T) {
	var nilRec *Recorder
	nilRec.Serve(New().Stamp()) // no cache above: must not panic
	if nilRec.Cacheable() {
		t.Fatal("a nil recorder is cacheable")
	}

	r := &Recorder{}
	ctx := With(context.Background(), r)
	if From(ctx) != r || From(context.Background()) != nil {
		t.Fatal("From does not return the recorder of the context")
	}
	members := New()
	From(ctx).Depend(members.Stamp())
	if r.Cacheable() {
		t.Fatal("an answer no plugin served is cacheable")
	}
	z := New()
	r.Serve(z.Stamp())
	r.Serve(z.Stamp()) // the same zone twice: one stamp
	if !r.Cacheable() || len(r.Stamps()) != 2 {
		t.Fatalf("cacheable %v, stamps %v; want true and 2", r.Cacheable(), r.Stamps())
	}
	r.Expire(30 * time.Second)
	r.Expire(time.Minute)
	if r.TTL() != 30*time.Second {
		t.Fatalf("TTL %v, want the shortest, 30s", r.TTL())
	}

	stale := z.Stamp()
	z.Bump()
	r.Serve(z.Stamp())
	_ = stale
	if r.Cacheable() {
		t.Fatal("a zone that changed during the answer left it cacheable")
	}
}

func TestRecorderOverflow(t *testing.T) {
	r := &Recorder{}
	for i := 0; i < MaxStamps; i++ {
		r.Serve(New().Stamp())
	}
	if !r.Cacheable() {
		t.Fatal("MaxStamps stamps made the answer uncacheable")
	}
	r.Depend(New().Stamp())
	if r.Cacheable() {
		t.Fatal("one stamp more than MaxStamps left the answer cacheable")
	}
}
