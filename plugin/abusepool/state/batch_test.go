package state

import (
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestBatchTakesWhatWaits(t *testing.T) {
	msgs := make(chan any, 10)
	for _, id := range []string{"b", "a", "c"} {
		msgs <- &redis.Message{Payload: id}
	}
	ids, resub := batch(&redis.Message{Payload: "a"}, msgs)
	if resub || !slices.Equal(ids, []string{"a", "b", "c"}) {
		t.Fatalf("batch = %v, %v; want [a b c] (each once), false", ids, resub)
	}
	if len(msgs) != 0 {
		t.Fatalf("%d messages left waiting", len(msgs))
	}

	msgs <- &redis.Subscription{Kind: "subscribe"}
	msgs <- &redis.Message{Payload: "d"}
	if _, resub := batch(&redis.Message{Payload: "x"}, msgs); !resub {
		t.Fatal("a re-subscription in the batch does not ask for a resync")
	}

	big := make(chan any, 1500)
	for i := range 1500 {
		big <- &redis.Message{Payload: "id" + string(rune(0x4e00+i))}
	}
	ids, _ = batch(<-big, big)
	if len(ids) != 1000 || len(big) != 500 {
		t.Fatalf("batch took %d, left %d; want at most 1000 at once", len(ids), len(big))
	}
}
