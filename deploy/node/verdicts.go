package node

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// Verdicts reads the latest verdict of every site from the VERDICTS stream,
// the way any read model would, sorted by site. On a NATS cluster that is
// electing a leader (a node lost, a consumer just placed) it starts over
// until the read goes through, for up to proto.SettleTime.
func Verdicts(ctx context.Context, js jetstream.JetStream) ([]*trawlpb.Verdict, error) {
	var latest map[string]*trawlpb.Verdict
	var bad int
	err := proto.Retry(ctx, nil, "read verdicts", func(ctx context.Context) error {
		var err error
		latest, bad, err = readVerdicts(ctx, js)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("node: verdicts: %w", err)
	}
	if bad > 0 && len(latest) == 0 {
		return nil, fmt.Errorf("node: verdicts: %d malformed messages and no verdict", bad)
	}
	out := make([]*trawlpb.Verdict, 0, len(latest))
	for _, v := range latest {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Site < out[j].Site })
	return out, nil
}

// readVerdicts reads the stream once. It takes the messages through one
// ordered consumer's message iterator, which recreates its consumer when the
// stream's leader moves; a pull per message (Next on the consumer) would
// create a consumer per message instead, each racing its own placement.
func readVerdicts(ctx context.Context, js jetstream.JetStream) (map[string]*trawlpb.Verdict, int, error) {
	s, err := js.Stream(ctx, proto.StreamVerdicts)
	if err != nil {
		return nil, 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, 0, err
	}
	latest := make(map[string]*trawlpb.Verdict)
	if info.State.Msgs == 0 {
		return latest, 0, nil
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return nil, 0, err
	}
	it, err := c.Messages()
	if err != nil {
		return nil, 0, err
	}
	defer it.Stop()
	bad := 0
	for {
		// A stream with messages always delivers one: a long silence is
		// a cluster that lost the consumer, and the read starts over.
		nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		msg, err := it.Next(jetstream.NextContext(nctx))
		cancel()
		if err != nil {
			return nil, 0, err
		}
		v := new(trawlpb.Verdict)
		if err := bus.Decode(msg.Data(), v); err != nil {
			bad++
		} else if old, ok := latest[v.Site]; !ok || v.Version >= old.Version {
			latest[v.Site] = v
		}
		md, err := msg.Metadata()
		if err != nil {
			return nil, 0, err
		}
		if md.NumPending == 0 {
			return latest, bad, nil
		}
	}
}
