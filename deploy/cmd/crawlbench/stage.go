package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	gproto "google.golang.org/protobuf/proto"

	crawler "trawl.dev/crawler/service"
	"trawl.dev/proto"
	"trawl.dev/proto/bus"
	"trawl.dev/proto/natsembed"
	"trawl.dev/proto/trawlpb"
)

// runCrawlerStage is an extra contender, "crawler-stage": Trawl's crawler
// service alone on an embedded NATS, given the pages colly fetched as fetch
// tasks all at once (no frontier: no politeness, no dedup) while consumers
// ack its links, page facts and outcomes. It measures the crawler stage
// (robots.txt, fetch, parse, publish over JetStream) without the frontier
// and classifier, to compare with the ceiling.
func runCrawlerStage(ctx context.Context, cfg config, stderr io.Writer) (*result, error) {
	urls, err := readURLs(cfg.URLFile)
	if err != nil {
		return nil, err
	}
	ns, err := natsembed.Start(&natsembed.Options{StoreDir: filepath.Join(cfg.DataDir, "nats")})
	if err != nil {
		return nil, err
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	nc, err := natsembed.Connect(ns, "crawlbench")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1024))
	if err != nil {
		return nil, err
	}
	if err := proto.EnsureStreams(ctx, js, proto.StreamOptions{}); err != nil {
		return nil, err
	}
	np, err := proto.EnsureCluster(ctx, js, cfg.NumPartitions, 1)
	if err != nil {
		return nil, err
	}
	svc, err := crawler.New(nc, crawler.Options{
		Concurrency: cfg.Concurrency, Resolver: cfg.DNS, AllowLoopback: true, Timeout: cfg.Timeout,
		NumPartitions: np, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()

	prog := newProgress()
	var outcomes atomic.Int64
	sink := func(stream string, onMsg func(jetstream.Msg)) {
		go bus.Consume(runCtx, js, bus.ConsumerOptions{Stream: stream, Durable: "bench-" + stream, Workers: 8,
			Logger: slog.New(slog.DiscardHandler)}, func(_ context.Context, m jetstream.Msg) error {
			if onMsg != nil {
				onMsg(m)
			}
			return nil
		})
	}
	sink(proto.StreamLinks, nil)
	sink(proto.StreamPages, nil)
	sink(proto.StreamOutcomes, func(m jetstream.Msg) {
		var o trawlpb.FetchOutcome
		if bus.Decode(m.Data(), &o) == nil && o.StatusCode > 0 {
			prog.page()
		}
		outcomes.Add(1)
	})

	start := time.Now()
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		host := u.Hostname()
		p := proto.PartitionOfHost(host, np)
		ft := &trawlpb.FetchTask{Url: raw, Host: host, Site: proto.Site(host), Partition: int32(p),
			LeaseId: "bench-" + strconv.Itoa(i), Attempt: 1}
		data, _ := gproto.Marshal(ft)
		if _, err := js.PublishAsync(proto.Partitioned(proto.SubjectFetch, p), data); err != nil {
			return nil, fmt.Errorf("publish task: %w", err)
		}
	}
	for outcomes.Load() < int64(len(urls)) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	wall := time.Since(start)
	stop()
	<-done
	res := &result{}
	prog.finish(res, wall)
	return res, ctx.Err()
}
