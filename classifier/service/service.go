// Package service runs the classifier: it consumes page facts from
// trawl.v1.page.<p> for each partition it owns, aggregates them per site in
// bbolt, publishes verdicts to trawl.v1.verdict.<site> when they change
// materially, and asks the frontier (trawl.v1.focus.<p>) to crawl sites that
// start to look like stores sooner. It keeps a family index of its flagged
// sites (families.db) and republishes the verdicts of every site whose
// family changes, and it stores investigators' labels from
// trawl.v1.label.<site> (a durable consumer per set of owned partitions)
// with the sites they are about.
//
// A page is committed to its partition's file before its message is acked;
// a redelivered page changes nothing, and a verdict or focus hint that could
// not be published is published when the page is redelivered.
//
// Caveat: the family index holds the sites of the partitions this instance
// owns; with several instances, families across them are not linked until
// verdicts carry what sites share (see the report of issue 5).
package service

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"trawl.dev/classifier"
	"trawl.dev/classifier/bolt"
	classifierhttp "trawl.dev/classifier/http"
	"trawl.dev/classifier/iploc"
	"trawl.dev/classifier/mmdb"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/trawlpb"
)

// Name is the service's NATS micro name.
const Name = "trawl-classifier"

// Version is the service's version.
const Version = "0.1.0"

// Options configure the service. The zero value of every field is a usable
// default.
type Options struct {
	// DataDir holds the state: DataDir/classifier/part-<p>.db. Default "data".
	DataDir string
	// NumPartitions is the cluster's partition count P, resolved by the
	// caller with proto.EnsureCluster. Default proto.DefaultPartitions.
	NumPartitions int
	// Partitions are the partitions this instance owns; nil means all.
	Partitions []int
	// FamilyInterval is how often changed flagged sites are taken into
	// the family index. Default 2s.
	FamilyInterval time.Duration
	// Workers is how many pages of one partition are handled at a time;
	// default 16. Pages wait for a shared commit (bolt.CommitDelay), so
	// it takes several workers per partition to fill one.
	Workers int
	// Replicas of the streams this service ensures. 0 keeps an existing
	// stream's (one for a new stream), so a classifier cannot scale an R3
	// cluster down.
	Replicas int
	// VerdictHistory is how many verdicts of each site the VERDICTS stream
	// keeps, for read models built from it; 0 keeps the stream's setting,
	// at least proto.DefaultVerdictHistory.
	VerdictHistory int64
	// AckWait and MaxDeliver tune the page consumers; see bus.ConsumerOptions.
	AckWait    time.Duration
	MaxDeliver int

	// IPDB tells hosting countries. Nil: GeoIPFile when set, else the
	// embedded iploc table.
	IPDB classifier.IPDB
	// ASNDB tells hosting networks. Nil: ASNFile when set, else none.
	ASNDB classifier.ASNDB
	// GeoIPFile and ASNFile are MaxMind-format databases (GeoLite2-Country
	// and GeoLite2-ASN shapes), opened by Run.
	GeoIPFile string
	ASNFile   string
	// KnownTrackers are analytics IDs of known stores.
	KnownTrackers []string
	// Registrars tells who registered sites' domains (a WHOIS extract);
	// nil: nobody knows.
	Registrars classifier.Registrars

	// Scoring holds the thresholds; zero fields take defaults.
	Scoring classifier.Scoring
	// FocusPriority is the priority asked of the frontier for a site that
	// looks like a store. Default 10.
	FocusPriority int

	// HTTPAddr serves the HTTP API (see classifier/http) and Prometheus
	// metrics on /metrics when not empty.
	HTTPAddr string

	Logger *slog.Logger
	Now    func() time.Time
}

// Stats are the service's counters.
type Stats struct {
	Pages      int64 `json:"pages"`              // pages counted
	Labels     int64 `json:"labels"`             // investigators' labels stored
	Families   int64 `json:"family_updates"`     // verdicts updated because a family changed
	Duplicates int64 `json:"duplicates"`         // redelivered pages, counted before
	Sites      int64 `json:"sites"`              // sites with an aggregate
	Flagged    int64 `json:"flagged"`            // sites flagged now
	Verdicts   int64 `json:"verdicts_published"` // verdicts published
	Focus      int64 `json:"focus_hints"`        // focus hints published
	Malformed  int64 `json:"malformed"`          // messages that could not be decoded or were invalid
	Dead       int64 `json:"dead"`               // messages dead-lettered (malformed or failing)
	Retried    int64 `json:"retried"`            // handler failures that will be retried
}

// Service is a running classifier.
type Service struct {
	nc         *nats.Conn
	o          Options
	partitions []int
	scoring    classifier.Scoring
	log        *slog.Logger
	now        func() time.Time

	js       jetstream.JetStream
	analyzer *classifier.Analyzer
	counters bus.Counters
	locks    [256]sync.Mutex

	pages, duplicates, sites, flagged, verdicts, focus, malformed, labels, famUpdates atomic.Int64

	// familyMu serialises family updates: an update, the families it
	// changes and the verdicts it patches happen as one step.
	familyMu sync.Mutex
	families *bolt.Families
	// famLast is each site's member fingerprint (and flag) as last written
	// to the family index: a page that changes neither changes no family,
	// and most pages of a flagged store are such pages.
	famLast map[string]uint64

	mu       sync.Mutex
	running  bool
	httpAddr string

	storeMu sync.RWMutex
	store   *bolt.Store // open while Run runs
}

// New validates o and returns a service; Run starts it. New does no I/O.
func New(nc *nats.Conn, o Options) (*Service, error) {
	if nc == nil {
		return nil, errors.New("classifier: new service: nil NATS connection")
	}
	if o.DataDir == "" {
		o.DataDir = "data"
	}
	if o.NumPartitions == 0 {
		o.NumPartitions = proto.DefaultPartitions
	}
	if o.NumPartitions < 0 {
		return nil, fmt.Errorf("classifier: new service: %d partitions", o.NumPartitions)
	}
	if o.FamilyInterval <= 0 {
		o.FamilyInterval = 2 * time.Second
	}
	if o.Workers == 0 {
		o.Workers = 16
	}
	if o.Workers < 0 {
		return nil, fmt.Errorf("classifier: new service: %d workers", o.Workers)
	}
	if o.Replicas < 0 {
		return nil, fmt.Errorf("classifier: new service: %d replicas", o.Replicas)
	}
	if o.FocusPriority == 0 {
		o.FocusPriority = 10
	}
	partitions := o.Partitions
	if partitions == nil {
		partitions, _ = proto.ParsePartitions("all", o.NumPartitions)
	}
	seen := make(map[int]bool)
	var ps []int
	for _, p := range partitions {
		if p < 0 || p >= o.NumPartitions {
			return nil, fmt.Errorf("classifier: new service: partition %d outside 0-%d", p, o.NumPartitions-1)
		}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return nil, errors.New("classifier: new service: no partitions to own")
	}
	sort.Ints(ps)
	sc := o.Scoring
	for name, v := range map[string]float64{"store threshold": sc.StoreThreshold, "russia threshold": sc.RussiaThreshold,
		"group cap": sc.GroupCap, "counter damping": sc.CounterDamping, "focus threshold": sc.FocusThreshold} {
		if v < 0 || v > 1 {
			return nil, fmt.Errorf("classifier: new service: %s %v outside 0..1", name, v)
		}
	}
	s := &Service{nc: nc, o: o, partitions: ps, scoring: sc.WithDefaults(), log: o.Logger, now: o.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Run ensures the streams, opens the partitions' files and the IP
// databases, registers the NATS micro service, serves HTTP when asked, and
// consumes pages until ctx ends. It then stops pulling, lets the pages in
// flight finish, and closes everything.
func (s *Service) Run(ctx context.Context) (err error) {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("classifier: run: already running")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("classifier: run: jetstream: %w", err)
	}
	s.js = js
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{Replicas: s.o.Replicas, VerdictHistory: s.o.VerdictHistory, Logger: s.log}); err != nil {
		return fmt.Errorf("classifier: run: %w", err)
	}

	closeDBs, err := s.openIPDBs()
	if err != nil {
		return err
	}
	defer closeDBs()

	store := bolt.NewStore(filepath.Join(s.o.DataDir, "classifier"), s.partitions, s.o.NumPartitions)
	if err := store.Open(); err != nil {
		return fmt.Errorf("classifier: run: %w", err)
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("classifier: run: %w", cerr)
		}
	}()
	if n, err := store.Rescore(ctx, s.scoring); err != nil {
		return fmt.Errorf("classifier: run: %w", err)
	} else if n > 0 {
		s.log.Info("classifier: rescored sites with new thresholds", "sites", n)
	}
	if err := s.countSites(ctx, store); err != nil {
		return fmt.Errorf("classifier: run: %w", err)
	}
	families := bolt.NewFamilies(bolt.FamiliesPath(filepath.Join(s.o.DataDir, "classifier")))
	if err := families.Open(); err != nil {
		return fmt.Errorf("classifier: run: %w", err)
	}
	defer func() {
		if cerr := families.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("classifier: run: %w", cerr)
		}
	}()
	s.families = families
	s.storeMu.Lock()
	s.store = store
	s.storeMu.Unlock()
	defer func() {
		s.storeMu.Lock()
		s.store = nil
		s.storeMu.Unlock()
	}()

	svc, err := s.addMicro()
	if err != nil {
		return err
	}
	defer svc.Stop()

	if s.o.HTTPAddr != "" {
		stop, err := s.serveHTTP()
		if err != nil {
			return err
		}
		defer stop()
	}

	s.log.Info("classifier: running", "partitions", len(s.partitions), "of", s.o.NumPartitions, "workers", s.o.Workers)
	var wg sync.WaitGroup
	for _, p := range s.partitions {
		wg.Go(func() { s.consume(ctx, js, p, store, store.DB(p)) })
	}
	wg.Go(func() { s.consumeLabels(ctx, js, store) })
	wg.Go(func() { s.familyLoop(ctx, store) })
	wg.Wait()
	s.log.Info("classifier: stopped", "pages", s.pages.Load())
	return nil
}

// consume runs partition p's consumer until ctx ends, starting it again
// (after a pause that grows to 30 s) when it cannot be set up.
func (s *Service) consume(ctx context.Context, js jetstream.JetStream, p int, store *bolt.Store, db *bolt.DB) {
	pause := time.Second
	for ctx.Err() == nil {
		err := bus.Consume(ctx, js, bus.ConsumerOptions{
			Stream:        proto.StreamPages,
			Durable:       "classifier-pages-" + strconv.Itoa(p),
			FilterSubject: proto.Partitioned(proto.SubjectPage, p),
			Workers:       s.o.Workers,
			AckWait:       s.o.AckWait,
			MaxDeliver:    s.o.MaxDeliver,
			// A redelivered page changes nothing (see the package doc).
			StateInMemory: true,
			Logger:        s.log,
			Counters:      &s.counters,
		}, s.handler(p, store, db))
		if err == nil || ctx.Err() != nil {
			return
		}
		s.log.Warn("classifier: consumer failed, will retry", "partition", p, "in", pause, "err", err)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// openIPDBs sets up the analyzer with the IP databases of the options.
func (s *Service) openIPDBs() (func(), error) {
	countries, networks, closeAll, err := openIPDBs(s.o.IPDB, s.o.ASNDB, s.o.GeoIPFile, s.o.ASNFile)
	if err != nil {
		return nil, fmt.Errorf("classifier: run: %w", err)
	}
	s.analyzer = &classifier.Analyzer{IPDB: countries, ASNDB: networks, KnownTrackers: s.o.KnownTrackers, Registrars: s.o.Registrars}
	return closeAll, nil
}

// openIPDBs returns the country and network databases: the ones given,
// else the MaxMind files named, else the embedded country table and no
// networks.
func openIPDBs(countries classifier.IPDB, networks classifier.ASNDB, geoFile, asnFile string) (classifier.IPDB, classifier.ASNDB, func(), error) {
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			_ = c()
		}
	}
	if countries == nil && geoFile != "" {
		db, err := mmdb.OpenCountries(geoFile)
		if err != nil {
			return nil, nil, nil, err
		}
		closers = append(closers, db.Close)
		countries = db
	}
	if countries == nil {
		countries = iploc.DB{}
	}
	if networks == nil && asnFile != "" {
		db, err := mmdb.OpenNetworks(asnFile)
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		closers = append(closers, db.Close)
		networks = db
	}
	return countries, networks, closeAll, nil
}

func (s *Service) countSites(ctx context.Context, store *bolt.Store) error {
	sums, err := store.Summaries(ctx)
	if err != nil {
		return err
	}
	var flagged int64
	for _, sum := range sums {
		if sum.Flagged {
			flagged++
		}
	}
	s.sites.Store(int64(len(sums)))
	s.flagged.Store(flagged)
	return nil
}

// handler returns the message handler of partition p.
func (s *Service) handler(p int, store *bolt.Store, db *bolt.DB) bus.Handler {
	return func(ctx context.Context, msg jetstream.Msg) error {
		var pf trawlpb.PageFacts
		if err := bus.Decode(msg.Data(), &pf); err != nil {
			s.malformed.Add(1)
			return fmt.Errorf("classifier: decode page facts: %w", err)
		}
		page, err := pageFromProto(&pf, p, s.o.NumPartitions)
		if err != nil {
			s.malformed.Add(1)
			return fmt.Errorf("%w: %v", bus.ErrMalformed, err)
		}
		an := s.analyzer.Analyze(page)

		lock := s.lockFor(page.Site)
		lock.Lock()
		defer lock.Unlock()
		res, err := db.Apply(page, an, s.scoring, s.now())
		if err != nil {
			return fmt.Errorf("classifier: %w", err)
		}
		if res.Counted {
			s.pages.Add(1)
		} else {
			s.duplicates.Add(1)
		}
		if res.NewSite {
			s.sites.Add(1)
		}
		if res.Counted && res.Verdict.Flagged != res.WasFlagged {
			if res.Verdict.Flagged {
				s.flagged.Add(1)
			} else {
				s.flagged.Add(-1)
			}
		}
		// A change to a flagged site was marked for the family index
		// (familyLoop) in Apply's transaction.
		return s.publish(ctx, db, res.Verdict, res.Published)
	}
}

// familyLoop takes up the sites Apply marked for the family index, every
// FamilyInterval: the pages of a store arriving one after another make
// one family update, not one each. The marks are in the partition files,
// so a restart loses none.
func (s *Service) familyLoop(ctx context.Context, store *bolt.Store) {
	t := time.NewTicker(s.o.FamilyInterval)
	defer t.Stop()
	for {
		for _, p := range s.partitions {
			if err := s.familyPass(ctx, store, store.DB(p)); err != nil && ctx.Err() == nil {
				s.log.Warn("classifier: family update failed, will retry", "partition", p, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) familyPass(ctx context.Context, store *bolt.Store, db *bolt.DB) error {
	for ctx.Err() == nil {
		marks, err := db.FamilyDirty(256)
		if err != nil || len(marks) == 0 {
			return err
		}
		for _, m := range marks {
			site, err := db.Site(ctx, m.Site)
			if err != nil {
				return err
			}
			if err := s.updateFamily(ctx, store, site, m.Flagged); err != nil {
				return err
			}
		}
		if err := db.FamilyDone(marks); err != nil {
			return err
		}
	}
	return nil
}

// updateFamily records what a flagged site could share with others, or
// that it is no longer flagged, and updates and republishes the verdicts
// of every site whose family changed.
func (s *Service) updateFamily(ctx context.Context, store *bolt.Store, site *classifier.Site, flagged bool) (err error) {
	s.familyMu.Lock()
	defer s.familyMu.Unlock()
	m := classifier.MemberOf(site)
	fp := m.Fingerprint(flagged)
	if last, ok := s.famLast[site.Name]; ok && last == fp {
		return nil
	}
	affected, err := s.families.Update(m, flagged)
	if err != nil {
		return err
	}
	if s.famLast == nil {
		s.famLast = make(map[string]uint64)
	}
	// Recorded only once every affected verdict is republished, so that a
	// failure is retried in full by the message's redelivery.
	defer func() {
		if err == nil {
			s.famLast[site.Name] = fp
		}
	}()
	if len(affected) == 0 {
		return nil
	}
	fams, err := s.families.Families(affected)
	if err != nil {
		return err
	}
	for _, name := range affected {
		db := store.DB(proto.Partition(name, s.o.NumPartitions))
		if db == nil {
			continue
		}
		var fam *classifier.Family
		if f, ok := fams[name]; ok {
			fam = &f
		}
		v, pub, changed, err := db.SetFamily(name, fam)
		if err != nil {
			return fmt.Errorf("classifier: %w", err)
		}
		if !changed || v == nil {
			continue
		}
		s.famUpdates.Add(1)
		if err := s.publish(ctx, db, v, pub); err != nil {
			return err
		}
	}
	return nil
}

// publish sends the verdict when it changed materially since the last one
// published, and a focus hint when the site starts to look like a store,
// then records what it sent.
func (s *Service) publish(ctx context.Context, db *bolt.DB, v *classifier.Verdict, pub classifier.Published) error {
	changed := false
	if s.scoring.Material(pub, v) {
		id := verdictMsgID(v)
		if err := bus.Publish(ctx, s.js, proto.VerdictSubject(v.Site), verdictToProto(v), id); err != nil {
			return fmt.Errorf("classifier: publish verdict of %s: %w", v.Site, err)
		}
		s.verdicts.Add(1)
		pub, changed = pub.MarkPublished(v), true
		s.log.Debug("classifier: verdict", "site", v.Site, "class", v.Class, "flagged", v.Flagged,
			"store", v.StoreScore, "russia", v.RussiaScore, "version", v.Version)
	}
	if s.scoring.WantsFocus(pub, v) {
		hint := &trawlpb.FocusHint{Site: v.Site, Partition: int32(v.Partition), Priority: int32(s.o.FocusPriority),
			Reason: focusReason(v), SentUnixMs: s.now().UnixMilli()}
		id := proto.MsgID("focus", v.Site, strconv.Itoa(s.o.FocusPriority))
		if err := bus.Publish(ctx, s.js, proto.Partitioned(proto.SubjectFocus, v.Partition), hint, id); err != nil {
			return fmt.Errorf("classifier: publish focus hint for %s: %w", v.Site, err)
		}
		s.focus.Add(1)
		pub.Focused, pub.FocusPriority, changed = true, s.o.FocusPriority, true
	}
	if changed {
		if err := db.SetPublished(v.Site, pub); err != nil {
			return fmt.Errorf("classifier: %w", err)
		}
	}
	return nil
}

// verdictMsgID derives a verdict's message ID from its site, version and
// family: a verdict republished because its family changed is not a
// duplicate.
func verdictMsgID(v *classifier.Verdict) string {
	if fh := classifier.FamilyHash(v); fh != "" {
		return proto.MsgID("verdict", v.Site, strconv.FormatInt(v.Version, 10), fh)
	}
	return proto.MsgID("verdict", v.Site, strconv.FormatInt(v.Version, 10))
}

func focusReason(v *classifier.Verdict) string {
	var names []string
	seen := make(map[string]bool)
	for _, e := range v.Evidence {
		if e.Axis == classifier.AxisStore && !seen[e.Signal] && len(names) < 5 {
			seen[e.Signal] = true
			names = append(names, e.Signal)
		}
	}
	return fmt.Sprintf("looks like a store (store_score %.2f): %s", v.StoreScore, strings.Join(names, ", "))
}

func (s *Service) lockFor(site string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(site))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// Stats returns the counters; safe to call from any goroutine.
func (s *Service) Stats() Stats {
	return Stats{
		Pages:      s.pages.Load(),
		Duplicates: s.duplicates.Load(),
		Sites:      s.sites.Load(),
		Flagged:    s.flagged.Load(),
		Verdicts:   s.verdicts.Load(),
		Labels:     s.labels.Load(),
		Families:   s.famUpdates.Load(),
		Focus:      s.focus.Load(),
		Malformed:  s.malformed.Load(),
		Dead:       s.counters.Dead.Load(),
		Retried:    s.counters.Retried.Load() + s.counters.Failed.Load(),
	}
}

// Verdicts returns the current verdict of every site in the partitions the
// service owns, by site name. It reads the open files while Run runs, and
// opens them briefly otherwise.
func (s *Service) Verdicts(ctx context.Context) ([]*classifier.Verdict, error) {
	var vs []*classifier.Verdict
	err := s.withStore(func(st *bolt.Store) error {
		var err error
		vs, err = st.Verdicts(ctx)
		return err
	})
	return vs, err
}

// Handler returns the HTTP API over the service's verdicts, to mount in
// another server; it answers 503 on /readyz while the service is not running.
func (s *Service) Handler() http.Handler {
	return classifierhttp.NewHandler(reader{s}, &classifierhttp.Options{Logger: s.log, Ready: s.ready})
}

// HTTPAddr returns the address the HTTP API listens on while Run runs, or "".
func (s *Service) HTTPAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpAddr
}

func (s *Service) ready() error {
	s.storeMu.RLock()
	defer s.storeMu.RUnlock()
	if s.store == nil {
		return errors.New("classifier is not running")
	}
	return nil
}

// withStore runs f with the running store, or with the files opened for the
// call when the service is not running.
func (s *Service) withStore(f func(*bolt.Store) error) error {
	s.storeMu.RLock()
	if st := s.store; st != nil {
		defer s.storeMu.RUnlock()
		return f(st)
	}
	s.storeMu.RUnlock()
	st := bolt.NewStore(filepath.Join(s.o.DataDir, "classifier"), s.partitions, s.o.NumPartitions)
	if err := st.Open(); err != nil {
		return fmt.Errorf("classifier: read verdicts: %w", err)
	}
	defer st.Close()
	return f(st)
}

// reader reads verdicts through withStore.
type reader struct{ s *Service }

func (r reader) Verdict(ctx context.Context, site string) (*classifier.Verdict, error) {
	var v *classifier.Verdict
	err := r.s.withStore(func(st *bolt.Store) error {
		var err error
		v, err = st.Verdict(ctx, site)
		return err
	})
	return v, err
}

func (r reader) Summaries(ctx context.Context) ([]classifier.Summary, error) {
	var out []classifier.Summary
	err := r.s.withStore(func(st *bolt.Store) error {
		var err error
		out, err = st.Summaries(ctx)
		return err
	})
	return out, err
}

func (s *Service) serveHTTP() (stop func(), err error) {
	ln, err := net.Listen("tcp", s.o.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("classifier: run: listen %s: %w", s.o.HTTPAddr, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collector(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", s.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.httpAddr = ln.Addr().String()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("classifier: http server failed", "err", err)
		}
	}()
	s.log.Info("classifier: serving HTTP", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		s.mu.Lock()
		s.httpAddr = ""
		s.mu.Unlock()
	}, nil
}

// addMicro registers the NATS micro service with its control endpoints:
// trawl.v1.ctl.classifier.stats (Stats as JSON) and
// trawl.v1.ctl.classifier.verdict (request: a site name; reply: its verdict).
func (s *Service) addMicro() (micro.Service, error) {
	svc, err := micro.AddService(s.nc, micro.Config{
		Name:        Name,
		Version:     Version,
		Description: "classifies sites: AllofMP3-style stores linked to Russia",
		// Every instance answers $SRV.STATS with its own numbers, so
		// `trawl status` can show each classifier and add them up.
		StatsHandler: func(*micro.Endpoint) any { return s.Stats() },
	})
	if err != nil {
		return nil, fmt.Errorf("classifier: run: micro service: %w", err)
	}
	g := svc.AddGroup(proto.SubjectControl + ".classifier")
	err = g.AddEndpoint("stats", micro.HandlerFunc(func(r micro.Request) {
		_ = r.RespondJSON(s.Stats())
	}))
	if err == nil {
		err = g.AddEndpoint("verdict", micro.HandlerFunc(func(r micro.Request) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			site := proto.Site(classifier.NormalizeSite(string(r.Data())))
			v, err := reader{s}.Verdict(ctx, site)
			switch {
			case errors.Is(err, classifier.ErrNotFound):
				_ = r.Error("404", "no verdict for site "+site, nil)
			case err != nil:
				_ = r.Error("500", err.Error(), nil)
			default:
				_ = r.RespondJSON(v)
			}
		}))
	}
	if err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("classifier: run: micro endpoint: %w", err)
	}
	return svc, nil
}
