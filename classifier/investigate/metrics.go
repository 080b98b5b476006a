package investigate

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Collector returns a Prometheus collector of the server's Stats, to
// register in any registry (the server serves its own on /metrics).
func (s *Server) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Server }

type metric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) float64
}

var metrics = []metric{
	{prometheus.NewDesc("trawl_investigate_requests_total", "HTTP requests served.", nil, nil), prometheus.CounterValue, func(s Stats) float64 { return float64(s.Requests) }},
	{prometheus.NewDesc("trawl_investigate_auth_failures_total", "Requests without a valid token.", nil, nil), prometheus.CounterValue, func(s Stats) float64 { return float64(s.AuthFailures) }},
	{prometheus.NewDesc("trawl_investigate_labels_total", "Labels published to the LABELS stream.", nil, nil), prometheus.CounterValue, func(s Stats) float64 { return float64(s.Labels) }},
	{prometheus.NewDesc("trawl_investigate_exports_total", "Exports started.", nil, nil), prometheus.CounterValue, func(s Stats) float64 { return float64(s.Exports) }},
	{prometheus.NewDesc("trawl_investigate_exported_rows_total", "Rows written by exports.", nil, nil), prometheus.CounterValue, func(s Stats) float64 { return float64(s.ExportedRows) }},
	{prometheus.NewDesc("trawl_investigate_sites", "Sites in the read model.", nil, nil), prometheus.GaugeValue, func(s Stats) float64 { return float64(s.Sites) }},
	{prometheus.NewDesc("trawl_investigate_flagged_sites", "Flagged sites in the read model.", nil, nil), prometheus.GaugeValue, func(s Stats) float64 { return float64(s.Flagged) }},
	{prometheus.NewDesc("trawl_investigate_to_review_sites", "Flagged sites nobody has decided on.", nil, nil), prometheus.GaugeValue, func(s Stats) float64 { return float64(s.ToReview) }},
	{prometheus.NewDesc("trawl_investigate_verdicts_seq", "Last VERDICTS sequence applied to the read model.", nil, nil), prometheus.GaugeValue, func(s Stats) float64 { return float64(s.VerdictsSeq) }},
	{prometheus.NewDesc("trawl_investigate_labels_seq", "Last LABELS sequence applied to the read model.", nil, nil), prometheus.GaugeValue, func(s Stats) float64 { return float64(s.LabelsSeq) }},
	{prometheus.NewDesc("trawl_investigate_malformed_total", "Stream messages the read model could not apply.", nil, nil), prometheus.CounterValue, func(s Stats) float64 { return float64(s.Malformed) }},
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metrics {
		ch <- m.desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for _, m := range metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(st))
	}
}

// metricsHandler serves the server's metrics and the Go runtime's.
func (s *Server) metricsHandler() http.HandlerFunc {
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collector(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return h.ServeHTTP
}
