package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
)

// OwnersBucket is the KV bucket where frontier instances claim partitions:
// key "p<n>" holds the Owner of partition n while it runs, and expires
// OwnerTTL after its owner stops renewing it. A second instance asked to own
// a claimed partition waits instead of splitting its messages.
const OwnersBucket = "trawl_frontier_owners"

// Owner identifies the frontier instance that owns a partition.
type Owner struct {
	Instance string    `json:"instance"` // random, per Run
	Host     string    `json:"host"`
	DataDir  string    `json:"data_dir"`
	Since    time.Time `json:"since"`
}

// same reports whether o is this machine and data directory: an earlier run
// of the same instance, whose claim a restart may take over at once.
func (o Owner) same(p Owner) bool { return o.Host == p.Host && o.DataDir == p.DataDir }

func ownerKey(p int) string { return "p" + strconv.Itoa(p) }

func (s *Service) me() Owner {
	host, _ := os.Hostname()
	dir, err := filepath.Abs(s.o.DataDir)
	if err != nil {
		dir = s.o.DataDir
	}
	return Owner{Instance: s.id, Host: host, DataDir: dir, Since: time.Now().UTC()}
}

// ownersKV opens (or creates) the owners bucket.
func (s *Service) ownersKV(ctx context.Context) (jetstream.KeyValue, error) {
	// Replicas 0 (unset) keeps the bucket's, so a frontier started without
	// --replicas cannot scale an R3 bucket down.
	kv, err := proto.EnsureKeyValue(ctx, s.js, jetstream.KeyValueConfig{
		Bucket: OwnersBucket, Description: "frontier partition owners", History: 1,
		TTL: s.o.OwnerTTL, Storage: jetstream.FileStorage, Replicas: s.o.Streams.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("frontier/service: owners bucket: %w", err)
	}
	return kv, nil
}

// claim claims every owned partition, waiting while another instance holds
// one. It returns the revisions to renew, or ctx's error.
func (s *Service) claim(ctx context.Context, kv jetstream.KeyValue, me Owner) (map[int]uint64, error) {
	val, _ := json.Marshal(me)
	revs := make(map[int]uint64, len(s.o.Partitions))
	for _, p := range s.o.Partitions {
		logged := false
		for {
			// A cluster electing the bucket's leader answers with errors
			// for a while: wait for it.
			var rev uint64
			err := proto.Retry(ctx, s.o.Logger, "claim partition", func(ctx context.Context) (err error) {
				rev, err = kv.Create(ctx, ownerKey(p), val)
				return err
			})
			if err == nil {
				revs[p] = rev
				break
			}
			if !errors.Is(err, jetstream.ErrKeyExists) {
				return nil, fmt.Errorf("frontier/service: claim partition %d: %w", p, err)
			}
			var e jetstream.KeyValueEntry
			err = proto.Retry(ctx, s.o.Logger, "read partition claim", func(ctx context.Context) (err error) {
				e, err = kv.Get(ctx, ownerKey(p))
				return err
			})
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("frontier/service: claim partition %d: %w", p, err)
			}
			var other Owner
			_ = json.Unmarshal(e.Value(), &other)
			if other.same(me) {
				if rev, err := kv.Update(ctx, ownerKey(p), val, e.Revision()); err == nil {
					revs[p] = rev
					break
				}
				continue
			}
			if !logged {
				s.o.Logger.Warn("frontier: partition owned by another instance; waiting until it stops or its claim expires",
					"partition", p, "owner", other.Host, "data", other.DataDir, "ttl", s.o.OwnerTTL)
				logged = true
			}
			select {
			case <-ctx.Done():
				s.release(kv, revs)
				return nil, ctx.Err()
			case <-time.After(min(s.o.OwnerTTL/4, time.Second)):
			}
		}
	}
	return revs, nil
}

// renew keeps the claims alive until ctx ends; it calls lost when a claim
// was taken by someone else (the renewals stopped for longer than the TTL).
func (s *Service) renew(ctx context.Context, kv jetstream.KeyValue, me Owner, revs map[int]uint64, lost func(error)) {
	val, _ := json.Marshal(me)
	t := time.NewTicker(s.o.OwnerTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, p := range s.o.Partitions {
			rctx, cancel := context.WithTimeout(ctx, s.o.OwnerTTL/3)
			rev, err := kv.Update(rctx, ownerKey(p), val, revs[p])
			cancel()
			switch {
			case err == nil:
				revs[p] = rev
			case ctx.Err() != nil:
				return
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists):
				// The claim expired (renewals stalled) or was taken: take it
				// back if nobody else holds it.
				if rev, err := kv.Create(ctx, ownerKey(p), val); err == nil {
					revs[p] = rev
					continue
				}
				lost(fmt.Errorf("frontier/service: lost the claim on partition %d to another instance", p))
				return
			default:
				s.o.Logger.Warn("frontier: renew partition claim", "partition", p, "err", err)
			}
		}
	}
}

// release deletes the claims, so that another instance may take the
// partitions at once.
func (s *Service) release(kv jetstream.KeyValue, revs map[int]uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for p, rev := range revs {
		if err := kv.Delete(ctx, ownerKey(p), jetstream.LastRevision(rev)); err != nil {
			s.o.Logger.Warn("frontier: release partition claim", "partition", p, "err", err)
		}
	}
}

// Owners returns the owner of every claimed partition.
func Owners(ctx context.Context, js jetstream.JetStream) (map[int]Owner, error) {
	kv, err := js.KeyValue(ctx, OwnersBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("frontier/service: owners: %w", err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("frontier/service: owners: %w", err)
	}
	out := make(map[int]Owner)
	for k := range keys.Keys() {
		p, err := strconv.Atoi(k[1:])
		if err != nil || k[0] != 'p' {
			continue
		}
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var o Owner
		if json.Unmarshal(e.Value(), &o) == nil {
			out[p] = o
		}
	}
	return out, nil
}
