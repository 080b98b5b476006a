package service

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/classifier"
	"trawl.dev/classifier/bolt"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// labelsDurable names this instance's consumer of LABELS. Every instance
// reads every label (the stream keeps them) and stores those of the sites
// it owns, so the name depends on the partitions owned: instances that own
// the same partitions share one consumer, and a restart resumes it.
func (s *Service) labelsDurable() string {
	h := fnv.New32a()
	for _, p := range s.partitions {
		h.Write([]byte(strconv.Itoa(p) + ","))
	}
	return "classifier-labels-" + strconv.Itoa(s.o.NumPartitions) + "-" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// consumeLabels stores investigators' labels with the sites they are
// about, until ctx ends.
func (s *Service) consumeLabels(ctx context.Context, js jetstream.JetStream, store *bolt.Store) {
	pause := time.Second
	for ctx.Err() == nil {
		err := bus.Consume(ctx, js, bus.ConsumerOptions{
			Stream:     proto.StreamLabels,
			Durable:    s.labelsDurable(),
			Workers:    1,
			AckWait:    s.o.AckWait,
			MaxDeliver: s.o.MaxDeliver,
			Logger:     s.log,
			Counters:   &s.counters,
		}, s.labelHandler(store))
		if err == nil || ctx.Err() != nil {
			return
		}
		s.log.Warn("classifier: label consumer failed, will retry", "in", pause, "err", err)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (s *Service) labelHandler(store *bolt.Store) bus.Handler {
	return func(ctx context.Context, msg jetstream.Msg) error {
		var pl trawlpb.Label
		if err := bus.Decode(msg.Data(), &pl); err != nil {
			s.malformed.Add(1)
			return fmt.Errorf("classifier: decode label: %w", err)
		}
		l := labelFromProto(&pl)
		if err := l.Validate(); err != nil {
			s.malformed.Add(1)
			return fmt.Errorf("%w: %v", bus.ErrMalformed, err)
		}
		db := store.DB(proto.Partition(l.Site, s.o.NumPartitions))
		if db == nil {
			return nil // another instance owns the site
		}
		added, err := db.AddLabel(l)
		if err != nil {
			return fmt.Errorf("classifier: %w", err)
		}
		if added {
			s.labels.Add(1)
			s.log.Debug("classifier: label", "site", l.Site, "label", l.Kind, "reviewer", l.Reviewer)
		}
		return nil
	}
}

// labelFromProto converts a wire label; the site is normalised to its
// registrable domain, as verdicts are keyed.
func labelFromProto(pl *trawlpb.Label) classifier.Label {
	l := classifier.Label{
		ID:       pl.GetId(),
		Site:     proto.Site(classifier.NormalizeSite(pl.GetSite())),
		Kind:     classifier.LabelKind(pl.GetLabel()),
		Reviewer: pl.GetReviewer(),
		Note:     pl.GetNote(),
	}
	if k, err := classifier.ParseLabelKind(pl.GetLabel()); err == nil {
		l.Kind = k
	}
	if ms := pl.GetCreatedUnixMs(); ms > 0 {
		l.Created = time.UnixMilli(ms).UTC()
	}
	if pl.GetSite() == "" {
		l.Site = ""
	}
	return l
}
