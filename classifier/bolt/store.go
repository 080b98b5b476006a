package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"trawl.dev/classifier"
	"trawl.dev/proto"
)

// Store is the set of partition files one classifier instance owns. It
// implements classifier.VerdictReader over all of them.
type Store struct {
	dir           string
	numPartitions int
	partitions    []int
	dbs           map[int]*DB
}

// NewStore returns the store of the given partitions (of numPartitions) in
// dir; Open opens their files.
func NewStore(dir string, partitions []int, numPartitions int) *Store {
	ps := append([]int(nil), partitions...)
	sort.Ints(ps)
	return &Store{dir: dir, numPartitions: numPartitions, partitions: ps}
}

// PartitionPath returns the file of partition p in dir.
func PartitionPath(dir string, p int) string {
	return filepath.Join(dir, "part-"+strconv.Itoa(p)+".db")
}

// Open opens every partition's file.
func (s *Store) Open() error {
	s.dbs = make(map[int]*DB, len(s.partitions))
	for _, p := range s.partitions {
		d := NewDB(PartitionPath(s.dir, p), p)
		if err := d.Open(); err != nil {
			s.Close()
			return err
		}
		s.dbs[p] = d
	}
	return nil
}

// Close closes every file.
func (s *Store) Close() error {
	var errs []error
	for _, d := range s.dbs {
		errs = append(errs, d.Close())
	}
	s.dbs = nil
	return errors.Join(errs...)
}

// DB returns the file of partition p, or nil if the store does not own it.
func (s *Store) DB(p int) *DB { return s.dbs[p] }

// Partitions returns the partitions the store owns, in order.
func (s *Store) Partitions() []int { return append([]int(nil), s.partitions...) }

// Verdict returns a site's verdict from the partition that owns the site.
func (s *Store) Verdict(ctx context.Context, site string) (*classifier.Verdict, error) {
	site = classifier.NormalizeSite(site)
	d := s.dbs[proto.Partition(site, s.numPartitions)]
	if d == nil {
		return nil, fmt.Errorf("%w: %s (partition not owned here)", classifier.ErrNotFound, site)
	}
	return d.Verdict(ctx, site)
}

// Summaries returns the summaries of every site in every owned partition.
func (s *Store) Summaries(ctx context.Context) ([]classifier.Summary, error) {
	var out []classifier.Summary
	for _, p := range s.partitions {
		sums, err := s.dbs[p].Summaries(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, sums...)
	}
	return out, nil
}

// Verdicts returns every verdict in every owned partition, by site name.
func (s *Store) Verdicts(ctx context.Context) ([]*classifier.Verdict, error) {
	var out []*classifier.Verdict
	for _, p := range s.partitions {
		vs, err := s.dbs[p].Verdicts(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Site < out[j].Site })
	return out, nil
}

// Rescore rescores every partition whose verdicts were computed with other
// thresholds than sc.
func (s *Store) Rescore(ctx context.Context, sc classifier.Scoring) (int, error) {
	total := 0
	for _, p := range s.partitions {
		n, err := s.dbs[p].Rescore(ctx, sc)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

var _ classifier.VerdictReader = (*Store)(nil)
