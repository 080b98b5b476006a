package main

import (
	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"
)

// collector exports a node's counters and, for the streams this node leads,
// JetStream stream depth and consumer lag, read from the server on every
// scrape. Streams are reported by their leader only, so summing a metric over
// the cluster's nodes counts each stream once.
type collector struct{ ns *server.Server }

func newCollector(ns *server.Server) prometheus.Collector { return collector{ns} }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("trawl_natsd_"+name, help, labels, nil)
}

var (
	descConnections   = desc("connections", "Client connections open now.")
	descRoutes        = desc("routes", "Route connections to other cluster nodes open now.")
	descInMsgs        = desc("in_msgs_total", "Messages received from clients, routes and leaf nodes.")
	descOutMsgs       = desc("out_msgs_total", "Messages sent to clients, routes and leaf nodes.")
	descInBytes       = desc("in_bytes_total", "Bytes received.")
	descOutBytes      = desc("out_bytes_total", "Bytes sent.")
	descSlow          = desc("slow_consumers_total", "Clients disconnected for being slow consumers.")
	descJSMemory      = desc("jetstream_memory_bytes", "JetStream memory in use on this node.")
	descJSStore       = desc("jetstream_storage_bytes", "JetStream storage in use on this node.")
	descJSMemoryMax   = desc("jetstream_memory_limit_bytes", "JetStream memory limit of this node.")
	descJSStoreMax    = desc("jetstream_storage_limit_bytes", "JetStream storage limit of this node.")
	descJSMetaLeader  = desc("jetstream_meta_leader", "1 if this node is the JetStream meta leader.")
	descJSMetaSize    = desc("jetstream_meta_cluster_size", "Nodes in the JetStream meta group as this node sees it.")
	descJSAPIErrors   = desc("jetstream_api_errors_total", "JetStream API requests that failed on this node.")
	descStreamMsgs    = desc("stream_messages", "Messages stored in a stream (reported by its leader).", "stream")
	descStreamBytes   = desc("stream_bytes", "Bytes stored in a stream (reported by its leader).", "stream")
	descStreamReplica = desc("stream_replicas", "Configured replicas of a stream.", "stream")
	descStreamCurrent = desc("stream_replicas_current", "Replicas of a stream that are current, its leader included.", "stream")
	descConsPending   = desc("consumer_pending", "Messages matching a consumer's filter not yet delivered: its lag.", "stream", "consumer")
	descConsAck       = desc("consumer_ack_pending", "Messages delivered to a consumer and not yet acked.", "stream", "consumer")
	descConsRedeliv   = desc("consumer_redelivered", "Messages of a consumer delivered more than once and still pending.", "stream", "consumer")
	descConsWaiting   = desc("consumer_waiting", "Pull requests waiting on a consumer.", "stream", "consumer")
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnections, descRoutes, descInMsgs, descOutMsgs, descInBytes,
		descOutBytes, descSlow, descJSMemory, descJSStore, descJSMemoryMax, descJSStoreMax, descJSMetaLeader, descJSMetaSize, descJSAPIErrors,
		descStreamMsgs, descStreamBytes, descStreamReplica, descStreamCurrent, descConsPending, descConsAck,
		descConsRedeliv, descConsWaiting} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	if v, err := c.ns.Varz(nil); err == nil {
		gauge(descConnections, float64(v.Connections))
		gauge(descRoutes, float64(v.Routes))
		counter(descInMsgs, float64(v.InMsgs))
		counter(descOutMsgs, float64(v.OutMsgs))
		counter(descInBytes, float64(v.InBytes))
		counter(descOutBytes, float64(v.OutBytes))
		counter(descSlow, float64(v.SlowConsumers))
	}
	js, err := c.ns.Jsz(&server.JSzOptions{Accounts: true, Streams: true, Consumer: true, Config: true,
		StreamLeaderOnly: true})
	if err != nil || js.Disabled {
		return
	}
	gauge(descJSMemory, float64(js.Memory))
	gauge(descJSStore, float64(js.Store))
	gauge(descJSMemoryMax, float64(js.Config.MaxMemory))
	gauge(descJSStoreMax, float64(js.Config.MaxStore))
	counter(descJSAPIErrors, float64(js.API.Errors))
	leader := 0.0
	if c.ns.JetStreamIsLeader() {
		leader = 1
	}
	gauge(descJSMetaLeader, leader)
	if js.Meta != nil {
		gauge(descJSMetaSize, float64(js.Meta.Size))
	}
	for _, acc := range js.AccountDetails {
		for _, st := range acc.Streams {
			gauge(descStreamMsgs, float64(st.State.Msgs), st.Name)
			gauge(descStreamBytes, float64(st.State.Bytes), st.Name)
			if st.Config != nil {
				gauge(descStreamReplica, float64(st.Config.Replicas), st.Name)
			}
			current := 1
			if st.Cluster != nil {
				for _, p := range st.Cluster.Replicas {
					if p.Current {
						current++
					}
				}
			}
			gauge(descStreamCurrent, float64(current), st.Name)
			for _, ci := range st.Consumer {
				gauge(descConsPending, float64(ci.NumPending), st.Name, ci.Name)
				gauge(descConsAck, float64(ci.NumAckPending), st.Name, ci.Name)
				gauge(descConsRedeliv, float64(ci.NumRedelivered), st.Name, ci.Name)
				gauge(descConsWaiting, float64(ci.NumWaiting), st.Name, ci.Name)
			}
		}
	}
}
