package ops

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// StreamCollector reports, on every scrape, the messages and bytes of each
// JetStream stream and the lag of each consumer: messages not yet delivered
// (pending) and delivered but not acknowledged (ack pending).
type StreamCollector struct {
	js      jetstream.JetStream
	timeout time.Duration
	msgs    *prometheus.Desc
	bytes   *prometheus.Desc
	pending *prometheus.Desc
	ackPend *prometheus.Desc
	redeliv *prometheus.Desc
	up      *prometheus.Desc
}

// NewStreamCollector returns a collector for every stream js can see.
func NewStreamCollector(js jetstream.JetStream) *StreamCollector {
	return &StreamCollector{
		js: js, timeout: 2 * time.Second,
		msgs:    prometheus.NewDesc("trawl_stream_messages", "Messages stored in a JetStream stream.", []string{"stream"}, nil),
		bytes:   prometheus.NewDesc("trawl_stream_bytes", "Bytes stored in a JetStream stream.", []string{"stream"}, nil),
		pending: prometheus.NewDesc("trawl_consumer_pending", "Messages a consumer has not been delivered yet (its lag).", []string{"stream", "consumer"}, nil),
		ackPend: prometheus.NewDesc("trawl_consumer_ack_pending", "Messages delivered to a consumer and not yet acknowledged.", []string{"stream", "consumer"}, nil),
		redeliv: prometheus.NewDesc("trawl_consumer_redelivered", "Messages redelivered to a consumer and not yet acknowledged.", []string{"stream", "consumer"}, nil),
		up:      prometheus.NewDesc("trawl_jetstream_up", "1 when the stream listing succeeded.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *StreamCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.msgs, c.bytes, c.pending, c.ackPend, c.redeliv, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *StreamCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	l := c.js.ListStreams(ctx)
	for info := range l.Info() {
		name := info.Config.Name
		ch <- prometheus.MustNewConstMetric(c.msgs, prometheus.GaugeValue, float64(info.State.Msgs), name)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(info.State.Bytes), name)
		s, err := c.js.Stream(ctx, name)
		if err != nil {
			continue
		}
		cl := s.ListConsumers(ctx)
		for ci := range cl.Info() {
			ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(ci.NumPending), name, ci.Name)
			ch <- prometheus.MustNewConstMetric(c.ackPend, prometheus.GaugeValue, float64(ci.NumAckPending), name, ci.Name)
			ch <- prometheus.MustNewConstMetric(c.redeliv, prometheus.GaugeValue, float64(ci.NumRedelivered), name, ci.Name)
		}
	}
	up := 1.0
	if l.Err() != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}
