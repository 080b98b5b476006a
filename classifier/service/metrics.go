package service

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector returns a Prometheus collector of the service's Stats, to
// register in any registry (the service serves its own on /metrics when
// HTTPAddr is set).
func (s *Service) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Service }

type metric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) int64
}

var metrics = []metric{
	{prometheus.NewDesc("trawl_classifier_pages_total", "Pages counted into site aggregates.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Pages }},
	{prometheus.NewDesc("trawl_classifier_duplicate_pages_total", "Redelivered pages that were counted before.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Duplicates }},
	{prometheus.NewDesc("trawl_classifier_sites", "Sites with an aggregate in the owned partitions.", nil, nil), prometheus.GaugeValue, func(s Stats) int64 { return s.Sites }},
	{prometheus.NewDesc("trawl_classifier_flagged_sites", "Sites flagged as Russia-linked stores now.", nil, nil), prometheus.GaugeValue, func(s Stats) int64 { return s.Flagged }},
	{prometheus.NewDesc("trawl_classifier_verdicts_published_total", "Verdicts published.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Verdicts }},
	{prometheus.NewDesc("trawl_classifier_focus_hints_total", "Focus hints published to the frontier.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Focus }},
	{prometheus.NewDesc("trawl_classifier_labels_total", "Investigators' labels stored.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Labels }},
	{prometheus.NewDesc("trawl_classifier_family_updates_total", "Verdicts updated because the site's family changed.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Families }},
	{prometheus.NewDesc("trawl_classifier_malformed_total", "Messages that could not be decoded or were invalid.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Malformed }},
	{prometheus.NewDesc("trawl_classifier_dead_total", "Messages dead-lettered.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Dead }},
	{prometheus.NewDesc("trawl_classifier_retried_total", "Handler failures that were retried.", nil, nil), prometheus.CounterValue, func(s Stats) int64 { return s.Retried }},
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metrics {
		ch <- m.desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for _, m := range metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.value(st)))
	}
}
