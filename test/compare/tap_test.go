package compare_test

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dnstap "github.com/dnstap/golang-dnstap"

	"github.com/hostdns/hostdns/test/harness"
)

// tapReceiver is what `dnstap -u socket -w file` does: it accepts CoreDNS's dnstap
// connections on a unix socket (bidirectional Frame Streams) and writes every frame to a
// dnstap file, with golang-dnstap's own input and output.
type tapReceiver struct {
	socket, file string
	marker       []byte // frames holding it are counted
	frames       atomic.Int64
	listener     net.Listener
	out          *dnstap.FrameStreamOutput
	relay        chan []byte
	done         chan struct{}
	wg           sync.WaitGroup
	closeOnce    sync.Once
}

func startTapReceiver(t *testing.T, socket, file string, marker []byte) *tapReceiver {
	t.Helper()
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	out, err := dnstap.NewFrameStreamOutputFromFilename(file)
	if err != nil {
		t.Fatal(err)
	}
	r := &tapReceiver{socket: socket, file: file, listener: l, out: out, marker: marker, relay: make(chan []byte, 1024), done: make(chan struct{})}
	go out.RunOutputLoop()
	r.wg.Add(1)
	go func() { // count the frames on their way to the file
		defer r.wg.Done()
		for {
			select {
			case f := <-r.relay:
				out.GetOutputChannel() <- f
				if bytes.Contains(f, r.marker) {
					r.frames.Add(1)
				}
			case <-r.done:
				return
			}
		}
	}()
	go r.accept()
	t.Cleanup(r.close)
	return r
}

func (r *tapReceiver) accept() {
	for {
		conn, err := r.listener.Accept()
		if err != nil {
			return // closed
		}
		in, err := dnstap.NewFrameStreamInputTimeout(conn, true, 5*time.Second)
		if err != nil {
			conn.Close()
			continue
		}
		go in.ReadInto(r.relay)
	}
}

// finish waits until the query and the answer holding the marker have arrived, then closes
// the file: the dnstap plugin writes from a queue, some time after the answer.
func (r *tapReceiver) finish(t *testing.T) string {
	t.Helper()
	harness.Eventually(t, 20*time.Second, "dnstap frames from hostdns", func() bool { return r.frames.Load() >= 2 })
	r.close()
	return r.file
}

func (r *tapReceiver) close() {
	r.closeOnce.Do(func() {
		r.listener.Close()
		close(r.done)
		r.wg.Wait()
		r.out.Close()
		// Frames still on their way are dropped (finish waited for the ones wanted), so that
		// no reader of a dnstap connection blocks.
		go func() {
			for range r.relay {
			}
		}()
	})
}
