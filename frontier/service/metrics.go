package service

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// collector exports the frontier's numbers to Prometheus: the same totals
// as Stats and the control endpoints, per partition where they are state,
// the active hosts by why they wait, and the top hosts by queue with their
// next-eligible time, delay and backoff.
type collector struct{ s *Service }

func metricDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("trawl_frontier_"+name, help, labels, nil)
}

var (
	descQueued    = metricDesc("queued_urls", "URLs waiting in host queues.", "partition")
	descInFlight  = metricDesc("in_flight_urls", "URLs leased to crawlers and not completed.", "partition")
	descSeen      = metricDesc("seen_urls", "URLs in the seen set.", "partition")
	descHosts     = metricDesc("active_hosts", "Hosts with queued URLs.", "partition")
	descPaused    = metricDesc("paused", "1 while the partition's dispatching is paused.", "partition")
	descPending   = metricDesc("seen_unmerged", "Seen-set hashes committed to the log, not yet merged.", "partition")
	descBloom     = metricDesc("seen_bloom_bytes", "Size of the seen set's bloom filter.", "partition")
	descMerges    = metricDesc("seen_merges_total", "Seen-set merge rounds completed since start.", "partition")
	descWaiting   = metricDesc("hosts_waiting", "Active hosts by why they wait (fetching, ready, min_delay, backoff, retry_after, robots_unavailable, ip_politeness, ...).", "partition", "why")
	descHostQ     = metricDesc("host_queued_urls", "Queued URLs of the partition's top hosts by queue.", "partition", "host", "why")
	descHostNext  = metricDesc("host_next_eligible_seconds", "Seconds until a top host may be fetched again (0 when due).", "partition", "host", "why")
	descHostDelay = metricDesc("host_delay_seconds", "The wait a top host's last outcome set.", "partition", "host", "reason")
	descHostErrs  = metricDesc("host_errors", "Consecutive host errors of a top host (its backoff exponent).", "partition", "host")
	descCounter   = metricDesc("events_total", "What the frontier did since it started, by event.", "event")
	descState     = metricDesc("urls_total", "Committed totals of the owned partitions, by kind.", "kind")
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueued, descInFlight, descSeen, descHosts, descPaused, descPending,
		descBloom, descMerges, descWaiting, descHostQ, descHostNext, descHostDelay, descHostErrs, descCounter, descState} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	s := c.s
	s.mu.Lock()
	parts := make([]*partition, 0, len(s.parts))
	for _, pt := range s.parts {
		parts = append(parts, pt)
	}
	s.mu.Unlock()
	for _, pt := range parts {
		p := strconv.Itoa(pt.p)
		if cs := pt.counts.Load(); cs != nil {
			gauge(descQueued, float64(cs.Queued), p)
			gauge(descInFlight, float64(cs.Leased), p)
			gauge(descSeen, float64(cs.Seen), p)
		}
		gauge(descHosts, float64(pt.hosts.Load()), p)
		gauge(descPaused, b2f(pt.paused.Load()), p)
		if ss := pt.seen.Load(); ss != nil {
			gauge(descPending, float64(ss.Pending), p)
			gauge(descBloom, float64(ss.BloomBytes), p)
			counter(descMerges, float64(ss.Merges), p)
		}
		if w := pt.waiting.Load(); w != nil {
			for why, n := range *w {
				gauge(descWaiting, float64(n), p, why)
			}
		}
		if top := pt.top.Load(); top != nil {
			for _, v := range *top {
				gauge(descHostQ, float64(v.Queued), p, v.Host, v.Why)
				gauge(descHostNext, v.Wait.Seconds(), p, v.Host, v.Why)
				gauge(descHostDelay, v.Delay.Seconds(), p, v.Host, v.Reason)
				gauge(descHostErrs, float64(v.Errors), p, v.Host)
			}
		}
	}
	st := s.Stats()
	for kind, v := range map[string]int64{"fetched": st.Fetched, "failed": st.Failed, "expired": st.Expired,
		"retried": st.Retried, "dropped": st.Dropped, "parked": st.Parked, "recrawled": st.Recrawled} {
		counter(descState, float64(v), kind)
	}
	for ev, v := range map[string]int64{"published": st.Published, "publish_error": st.PublishErrors, "seed": st.Seeds,
		"duplicate": st.Duplicates, "over_budget": st.OverBudget, "blocked": st.Blocked, "too_deep": st.TooDeep,
		"too_many": st.TooMany, "rejected": st.Rejected, "trap_url": st.TrapURLs, "rerouted": st.Rerouted,
		"stale_outcome": st.StaleOutcomes, "malformed": st.Malformed, "dead": st.Dead} {
		counter(descCounter, float64(v), ev)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// serveMetrics serves /metrics, /healthz and /readyz on addr until ctx ends.
func (s *Service) serveMetrics(ctx context.Context, addr string, ready *atomic.Bool) (func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s})
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s.metricsAddr.Store(l.Addr().String())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.o.Logger.Error("frontier: metrics server", "err", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}
