package node

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// Verdicts reads the latest verdict of every site from the VERDICTS stream,
// the way any read model would, sorted by site.
func Verdicts(ctx context.Context, js jetstream.JetStream) ([]*trawlpb.Verdict, error) {
	s, err := js.Stream(ctx, proto.StreamVerdicts)
	if err != nil {
		return nil, fmt.Errorf("node: verdicts: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("node: verdicts: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil, nil
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("node: verdicts: %w", err)
	}
	latest := make(map[string]*trawlpb.Verdict)
	var bad int
	for {
		msg, err := c.Next(jetstream.FetchMaxWait(2e9))
		if err != nil {
			if errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, context.DeadlineExceeded) {
				break
			}
			return nil, fmt.Errorf("node: verdicts: %w", err)
		}
		v := new(trawlpb.Verdict)
		if err := bus.Decode(msg.Data(), v); err != nil {
			bad++
		} else if old, ok := latest[v.Site]; !ok || v.Version >= old.Version {
			latest[v.Site] = v
		}
		md, err := msg.Metadata()
		if err != nil || md.NumPending == 0 {
			break
		}
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
