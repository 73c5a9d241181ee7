package feed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// notifier carries "the change log moved" between nodes over Redis pub/sub.
// The node that first sees a change publishes; the others poll at once
// instead of at their next tick. It only ever makes freshness better: when
// Redis is down, publishing fails quietly (logged once) and every node keeps
// polling the change log on its own, as without Redis.
type notifier struct {
	client  *redis.Client
	channel string
	self    string
	onMsg   func()
	up      prometheus.Gauge // redis_up of the source

	once sync.Once
	ps   *redis.PubSub // set by start
	done chan struct{}
	down atomic.Bool
}

func newNotifier(addr, channel string, onMsg func(), up prometheus.Gauge) *notifier {
	id := make([]byte, 8)
	rand.Read(id)
	return &notifier{
		client: redis.NewClient(&redis.Options{
			Addr: addr,
			// Short timeouts: a publish happens in the feed's loop, which must
			// not stall on a dead Redis.
			DialTimeout:  300 * time.Millisecond,
			ReadTimeout:  300 * time.Millisecond,
			WriteTimeout: 300 * time.Millisecond,
			MaxRetries:   -1,
			PoolSize:     2,
		}),
		channel: channel,
		self:    hex.EncodeToString(id),
		onMsg:   onMsg,
		up:      up,
		done:    make(chan struct{}),
	}
}

// start subscribes, once. go-redis's channel re-subscribes by itself after
// a lost connection; its health check notices a dead one within a second.
// Each (re)subscription is confirmed on the channel, which is when Redis is
// known to work: redis_up reads 1 from then on, not only after the first
// change went through.
func (n *notifier) start() {
	n.once.Do(func() {
		ps := n.client.Subscribe(context.Background(), n.channel)
		n.ps = ps
		ch := ps.ChannelWithSubscriptions(redis.WithChannelHealthCheckInterval(time.Second))
		go n.listen(ch)
	})
}

func (n *notifier) listen(ch <-chan any) {
	defer close(n.done)
	for m := range ch { // closed by ps.Close in close
		n.setDown(false, nil)
		msg, ok := m.(*redis.Message)
		if !ok {
			continue // a subscription confirmed
		}
		if from, _, _ := strings.Cut(msg.Payload, " "); from != n.self {
			n.onMsg()
		}
	}
}

// publish tells the other nodes that the change log reached pos.
func (n *notifier) publish(pos int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := n.client.Publish(ctx, n.channel, fmt.Sprintf("%s %d", n.self, pos)).Err()
	n.setDown(err != nil, err)
}

func (n *notifier) setDown(down bool, err error) {
	was := n.down.Swap(down)
	switch {
	case down && !was:
		n.up.Set(0)
		log.Warningf("Redis unreachable, nodes fall back to polling alone: %v", err)
	case !down && was:
		n.up.Set(1)
		log.Infof("Redis is back")
	case !down:
		n.up.Set(1)
	}
}

// close stops listening and closes the connections. It runs after the feed
// stopped, so start is not running concurrently.
func (n *notifier) close() {
	if n.ps != nil {
		n.ps.Close()
		<-n.done
	}
	n.client.Close()
}
