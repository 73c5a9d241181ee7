//go:build !linux

package answercache

import (
	"errors"
	"net"
)

// The fast path's batched socket (recvmmsg, sendmmsg, SO_REUSEPORT steering) is Linux's;
// elsewhere a server keeps answering every query through its own loop.

const fastBatch = 16

var errNoFastPath = errors.New("the fast path needs Linux")

type fastSocket struct{}

type rxBatch struct{ bufs [fastBatch][]byte }

type txBatch struct {
	bufs [fastBatch][]byte
	n    int
}

func listenFast(string) (*fastSocket, error)                    { return nil, errNoFastPath }
func (*fastSocket) steer(int, int) error                        { return errNoFastPath }
func (*fastSocket) close() error                                { return nil }
func (*fastSocket) read(*rxBatch) (int, error)                  { return 0, net.ErrClosed }
func (*fastSocket) write(*txBatch) error                        { return errNoFastPath }
func (*fastSocket) writeOne([]byte, *net.UDPAddr, []byte) error { return errNoFastPath }
func newRxBatch() *rxBatch                                      { return &rxBatch{} }
func newTxBatch(int) *txBatch                                   { return &txBatch{} }
func (*rxBatch) packet(int) []byte                              { return nil }
func (*rxBatch) dst(int) []byte                                 { return nil }
func (*rxBatch) sender(int) *net.UDPAddr                        { return nil }
func (*txBatch) add(int, *rxBatch, int)                         {}
