package proto

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions tunes the stream specs; the zero value is the embedded
// default (one replica, file storage).
type StreamOptions struct {
	Replicas   int           // 1 on one machine, 3 on a cluster
	Duplicates time.Duration // Nats-Msg-Id window; default 2m
	// VerdictHistory is how many verdicts of each site the VERDICTS stream
	// keeps (MaxMsgsPerSubject), so that a read model built from the stream
	// has each site's recent history. Unset (0) means DefaultVerdictHistory
	// for a new stream; on an existing stream, EnsureStreams keeps a larger
	// value and raises a smaller one to the default.
	VerdictHistory int64
	// Logger, when set, is told while EnsureStreams waits for the cluster.
	Logger *slog.Logger
}

// DefaultVerdictHistory is how many verdicts per site the VERDICTS stream
// keeps unless told otherwise.
const DefaultVerdictHistory = 20

// Streams returns the JetStream stream configs of Trawl v1.
func Streams(o StreamOptions) []jetstream.StreamConfig {
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 2 * time.Minute
	}
	if o.VerdictHistory <= 0 {
		o.VerdictHistory = DefaultVerdictHistory
	}
	work := func(name, desc string, subjects ...string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    subjects,
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    o.Replicas,
			Duplicates:  o.Duplicates,
			Discard:     jetstream.DiscardNew,
		}
	}
	return []jetstream.StreamConfig{
		work(StreamSeeds, "operator seeds for the frontier", SubjectSeed),
		work(StreamLinks, "discovered links, per frontier partition", SubjectLinks+".*"),
		work(StreamFetch, "fetch tasks, per frontier partition", SubjectFetch+".*"),
		work(StreamOutcomes, "fetch outcomes, per frontier partition", SubjectFetched+".*"),
		work(StreamPages, "page facts, per classifier partition", SubjectPage+".*"),
		work(StreamFocus, "focus hints, per frontier partition", SubjectFocus+".*"),
		{
			Name:              StreamVerdicts,
			Description:       "the last verdicts of each site",
			Subjects:          []string{SubjectVerdict + ".>"},
			Retention:         jetstream.LimitsPolicy,
			Storage:           jetstream.FileStorage,
			Replicas:          o.Replicas,
			Duplicates:        o.Duplicates,
			MaxMsgsPerSubject: o.VerdictHistory,
		},
		{
			Name:              StreamLabels,
			Description:       "investigators' labels, kept per site",
			Subjects:          []string{SubjectLabel + ".>"},
			Retention:         jetstream.LimitsPolicy,
			Storage:           jetstream.FileStorage,
			Replicas:          o.Replicas,
			Duplicates:        o.Duplicates,
			MaxMsgsPerSubject: 1000,
		},
		{
			Name:        StreamDead,
			Description: "messages consumers gave up on",
			Subjects:    []string{SubjectDead + ".>"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    o.Replicas,
			MaxAge:      30 * 24 * time.Hour,
		},
	}
}

// EnsureStreams creates or updates every stream, so whichever service starts
// first sets them up and later ones change nothing.
//
// While the cluster settles (a new cluster placing its streams, a leader
// election after a node was lost) it retries for up to SettleTime.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	for _, cfg := range Streams(o) {
		err := Retry(ctx, o.Logger, "ensure stream "+cfg.Name, func(ctx context.Context) error {
			return ensureStream(ctx, js, o, cfg)
		})
		if err != nil {
			return fmt.Errorf("proto: ensure stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, o StreamOptions, cfg jetstream.StreamConfig) error {
	keepVerdicts := cfg.Name == StreamVerdicts && o.VerdictHistory <= 0
	if o.Replicas <= 0 || keepVerdicts {
		s, err := js.Stream(ctx, cfg.Name)
		if err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
		if err == nil {
			old := s.CachedInfo().Config
			if o.Replicas <= 0 {
				// Unset: a stream that exists keeps its replica count, so
				// a service started without --replicas cannot scale an R3
				// cluster's streams down to one copy.
				cfg.Replicas = old.Replicas
			}
			if keepVerdicts {
				// Unset: a longer history someone asked for (or no
				// limit, -1) stays; a shorter one (1 before histories
				// were kept) grows to the default.
				if old.MaxMsgsPerSubject < 0 || old.MaxMsgsPerSubject > cfg.MaxMsgsPerSubject {
					cfg.MaxMsgsPerSubject = old.MaxMsgsPerSubject
				}
			}
		}
	}
	_, err := js.CreateOrUpdateStream(ctx, cfg)
	return err
}

// VerdictSubject is the subject a site's verdicts are published on. Dots in
// the site name become underscores: they would split subject tokens.
func VerdictSubject(site string) string {
	return SubjectVerdict + "." + siteToken(site)
}

// LabelSubject is the subject a site's labels are published on.
func LabelSubject(site string) string {
	return SubjectLabel + "." + siteToken(site)
}

func siteToken(site string) string { return strings.ReplaceAll(site, ".", "_") }

// Cluster settings live in this KV bucket.
const (
	ClusterBucket = "trawl_cluster"
	keyPartitions = "partitions"
)

// ErrPartitionMismatch is returned when a service asks for a partition count
// other than the one the cluster was created with.
var ErrPartitionMismatch = errors.New("proto: partition count differs from the cluster's")

// EnsureCluster records the cluster's partition count the first time it is
// called and returns the recorded count after that. want 0 accepts whatever
// is recorded (or DefaultPartitions for a new cluster). replicas 0 keeps the
// bucket's replica count (one for a new bucket). While the cluster settles
// it retries for up to SettleTime.
func EnsureCluster(ctx context.Context, js jetstream.JetStream, want int, replicas int) (int, error) {
	var n int
	err := Retry(ctx, nil, "cluster settings", func(ctx context.Context) error {
		var err error
		n, err = ensureCluster(ctx, js, want, replicas)
		return err
	})
	return n, err
}

func ensureCluster(ctx context.Context, js jetstream.JetStream, want int, replicas int) (int, error) {
	kv, err := ensureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket: ClusterBucket, Description: "Trawl cluster settings", History: 1,
		Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return 0, fmt.Errorf("proto: cluster bucket: %w", err)
	}
	n := want
	if n <= 0 {
		n = DefaultPartitions
	}
	if _, err := kv.Create(ctx, keyPartitions, []byte(strconv.Itoa(n))); err == nil {
		return n, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("proto: record partitions: %w", err)
	}
	// Create went through the bucket's leader, which has the key; Get may
	// be answered by a replica that has not applied it yet (direct get), so
	// "not found" right after "exists" lasts a moment only. Seen when two
	// services started together on a new three-node cluster.
	e, err := kv.Get(ctx, keyPartitions)
	for wait := 50 * time.Millisecond; errors.Is(err, jetstream.ErrKeyNotFound) && wait <= 3*time.Second; wait *= 2 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
		e, err = kv.Get(ctx, keyPartitions)
	}
	if err != nil {
		return 0, fmt.Errorf("proto: read partitions: %w", err)
	}
	got, err := strconv.Atoi(string(e.Value()))
	if err != nil || got <= 0 {
		return 0, fmt.Errorf("proto: read partitions: bad value %q", e.Value())
	}
	if want > 0 && got != want {
		return 0, fmt.Errorf("%w: want %d, cluster has %d", ErrPartitionMismatch, want, got)
	}
	return got, nil
}

// EnsureKeyValue creates or updates a KV bucket. cfg.Replicas 0 keeps an
// existing bucket's replica count (one for a new bucket), so a service
// started without a replica setting cannot scale an R3 bucket down. While
// the cluster settles it retries for up to SettleTime.
func EnsureKeyValue(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	err := Retry(ctx, nil, "bucket "+cfg.Bucket, func(ctx context.Context) error {
		var err error
		kv, err = ensureKeyValue(ctx, js, cfg)
		return err
	})
	return kv, err
}

func ensureKeyValue(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
		s, err := js.Stream(ctx, "KV_"+cfg.Bucket)
		switch {
		case err == nil:
			cfg.Replicas = s.CachedInfo().Config.Replicas
		case !errors.Is(err, jetstream.ErrStreamNotFound):
			return nil, err
		}
	}
	return js.CreateOrUpdateKeyValue(ctx, cfg)
}

// ParsePartitions parses a partition set like "all", "0-31" or "0,2,5-7"
// for a cluster of n partitions.
func ParsePartitions(s string, n int) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	seen := make(map[int]bool)
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("proto: partitions %q: %q is not a number", s, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("proto: partitions %q: %q is not a number", s, hi)
			}
		}
		if a < 0 || b >= n || a > b {
			return nil, fmt.Errorf("proto: partitions %q: range %d-%d outside 0-%d", s, a, b, n-1)
		}
		for p := a; p <= b; p++ {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}
