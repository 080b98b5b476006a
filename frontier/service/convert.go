package service

import (
	"time"

	"trawl.dev/frontier"
	"trawl.dev/proto/trawlpb"
)

// Wire and domain types meet here and nowhere else.

func toFetchTask(l frontier.Lease, p int) *trawlpb.FetchTask {
	return &trawlpb.FetchTask{
		Url:                l.Task.URL,
		Host:               l.Task.Host,
		Site:               l.Task.Site,
		Partition:          int32(p),
		Depth:              l.Task.Depth,
		Priority:           l.Task.Priority,
		LeaseId:            l.ID,
		LeaseExpiresUnixMs: l.Expires.UnixMilli(),
		Attempt:            l.Task.Attempt,
		Referrer:           l.Task.Referrer,
	}
}

func toOutcome(m *trawlpb.FetchOutcome) frontier.Outcome {
	return frontier.Outcome{
		LeaseID:    m.GetLeaseId(),
		URL:        m.GetUrl(),
		FinalURL:   m.GetFinalUrl(),
		Status:     int(m.GetStatusCode()),
		ErrorCode:  m.GetErrorCode(),
		IP:         m.GetIp(),
		Duration:   time.Duration(m.GetDurationMs()) * time.Millisecond,
		RetryAfter: time.Duration(m.GetRetryAfterMs()) * time.Millisecond,
		CrawlDelay: time.Duration(m.GetRobotsCrawlDelayS() * float64(time.Second)),
	}
}

func toLinks(urls []frontier.Task) []*trawlpb.Link {
	links := make([]*trawlpb.Link, len(urls))
	for i, t := range urls {
		links[i] = &trawlpb.Link{Url: t.URL}
	}
	return links
}
