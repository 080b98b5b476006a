package service

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"trawl.dev/crawler"
	"trawl.dev/proto"
	"trawl.dev/proto/trawlpb"
)

const (
	maxErrorLen     = 512
	linksPerMessage = 200 // keeps a DiscoveredLinks well under the 1 MiB payload limit
	maxOutHosts     = 200
	maxLinkPaths    = 200
)

func taskFromWire(ft *trawlpb.FetchTask) crawler.Task {
	t := crawler.Task{
		URL:       ft.GetUrl(),
		Host:      ft.GetHost(),
		Site:      ft.GetSite(),
		Partition: int(ft.GetPartition()),
		Depth:     int(ft.GetDepth()),
		LeaseID:   ft.GetLeaseId(),
		Attempt:   int(ft.GetAttempt()),
		Referrer:  ft.GetReferrer(),
	}
	if t.Host == "" {
		if u, err := url.Parse(t.URL); err == nil {
			t.Host = u.Hostname()
		}
	}
	return t
}

func outcomeToWire(t crawler.Task, o crawler.Outcome, links int) *trawlpb.FetchOutcome {
	errText := o.Error
	if len(errText) > maxErrorLen {
		errText = strings.ToValidUTF8(errText[:maxErrorLen], "")
	}
	return &trawlpb.FetchOutcome{
		Url:               t.URL,
		FinalUrl:          o.FinalURL,
		Host:              t.Host,
		Partition:         int32(t.Partition),
		LeaseId:           t.LeaseID,
		StatusCode:        int32(o.StatusCode),
		ErrorCode:         o.ErrorCode,
		Error:             errText,
		Ip:                o.IP,
		DurationMs:        o.Duration.Milliseconds(),
		Bytes:             o.Bytes,
		ContentType:       o.ContentType,
		RetryAfterMs:      o.RetryAfter.Milliseconds(),
		FetchedUnixMs:     o.FetchedAt.UnixMilli(),
		Links:             int32(links),
		Truncated:         o.Truncated,
		RobotsCrawlDelayS: o.CrawlDelay.Seconds(),
		Depth:             int32(t.Depth),
	}
}

// pageHost returns the host of the page's final URL (the content belongs to
// the site that served it), falling back to the task's host.
func pageHost(t crawler.Task, p *crawler.Page) string {
	if u, err := url.Parse(p.FinalURL); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return strings.ToLower(t.Host)
}

func pageToWire(t crawler.Task, p *crawler.Page, partition int) *trawlpb.PageFacts {
	host := pageHost(t, p)
	site := proto.Site(host)
	pf := &trawlpb.PageFacts{
		Url:           p.URL,
		FinalUrl:      p.FinalURL,
		Host:          host,
		Site:          site,
		Partition:     int32(partition),
		StatusCode:    int32(p.StatusCode),
		Ip:            p.IP,
		ContentType:   p.ContentType,
		Charset:       p.Charset,
		Title:         p.Title,
		Lang:          p.Lang,
		Text:          p.Text,
		Headers:       p.Headers,
		TrackerIds:    p.TrackerIDs,
		FetchedUnixMs: p.FetchedAt.UnixMilli(),
		Bytes:         p.Bytes,
		Truncated:     p.Truncated || p.TextTruncated,
		Meta:          p.Meta,
		Depth:         int32(t.Depth),
	}
	if r := p.Record; r != nil {
		pf.Warc = &trawlpb.WarcRef{File: r.File, Offset: r.Offset, RecordId: r.ID}
	}
	for _, pr := range p.Prices {
		pf.Prices = append(pf.Prices, &trawlpb.Price{Amount: pr.Amount, Currency: pr.Currency, Unit: pr.Unit, Snippet: pr.Snippet})
	}
	seenHost := map[string]bool{host: true}
	seenPath := map[string]bool{}
	for _, l := range p.Links {
		u, err := url.Parse(l.URL)
		if err != nil {
			continue
		}
		h := strings.ToLower(u.Hostname())
		if !seenHost[h] && len(pf.OutHosts) < maxOutHosts {
			seenHost[h] = true
			pf.OutHosts = append(pf.OutHosts, h)
		}
		if proto.Site(h) == site && len(pf.LinkPaths) < maxLinkPaths {
			if path := u.RequestURI(); !seenPath[path] {
				seenPath[path] = true
				pf.LinkPaths = append(pf.LinkPaths, path)
			}
		}
	}
	return pf
}

// linkBatch is one DiscoveredLinks message to publish.
type linkBatch struct {
	subject, msgID string
	msg            *trawlpb.DiscoveredLinks
}

// linkBatches groups a page's links by the frontier partition that owns each
// link's host, in partition order, at most linksPerMessage links a message.
func linkBatches(t crawler.Task, p *crawler.Page, n int) []linkBatch {
	byPart := map[int][]*trawlpb.Link{}
	for _, l := range p.Links {
		u, err := url.Parse(l.URL)
		if err != nil || u.Hostname() == "" {
			continue
		}
		part := proto.PartitionOfHost(u.Hostname(), n)
		byPart[part] = append(byPart[part], &trawlpb.Link{Url: l.URL, Anchor: l.Anchor})
	}
	parts := make([]int, 0, len(byPart))
	for part := range byPart {
		parts = append(parts, part)
	}
	sort.Ints(parts)
	fromSite := proto.Site(pageHost(t, p))
	var out []linkBatch
	for _, part := range parts {
		links := byPart[part]
		for chunk := 0; len(links) > 0; chunk++ {
			k := min(len(links), linksPerMessage)
			out = append(out, linkBatch{
				subject: proto.Partitioned(proto.SubjectLinks, part),
				msgID:   proto.MsgID("links", t.LeaseID, strconv.Itoa(part), strconv.Itoa(chunk)),
				msg: &trawlpb.DiscoveredLinks{
					FromUrl:   p.FinalURL,
					Partition: int32(part),
					Depth:     int32(t.Depth),
					Links:     links[:k],
					FromSite:  fromSite,
				},
			})
			links = links[k:]
		}
	}
	return out
}
