package service

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/proto"
	"trawl.dev/proto/trawlpb"
)

// pageFromProto converts the wire's PageFacts into a classifier.Page,
// deriving host and site when the crawler left them out, and checking that
// the site belongs to partition p of n.
func pageFromProto(pf *trawlpb.PageFacts, p, n int) (*classifier.Page, error) {
	if pf.GetUrl() == "" {
		return nil, fmt.Errorf("%w: page facts without a url", classifier.ErrInvalidPage)
	}
	u, err := url.Parse(pf.GetUrl())
	if err != nil {
		return nil, fmt.Errorf("%w: url %q: %v", classifier.ErrInvalidPage, pf.GetUrl(), err)
	}
	host := strings.ToLower(pf.GetHost())
	if host == "" {
		host = strings.ToLower(u.Hostname())
	}
	site := classifier.NormalizeSite(pf.GetSite())
	if site == "" {
		site = proto.Site(host)
	}
	page := &classifier.Page{
		URL:        pf.GetUrl(),
		FinalURL:   pf.GetFinalUrl(),
		Host:       host,
		Site:       site,
		Partition:  proto.Partition(site, n),
		StatusCode: int(pf.GetStatusCode()),
		IP:         pf.GetIp(),
		Title:      pf.GetTitle(),
		Lang:       pf.GetLang(),
		Text:       pf.GetText(),
		Headers:    pf.GetHeaders(),
		OutHosts:   pf.GetOutHosts(),
		LinkPaths:  pf.GetLinkPaths(),
		TrackerIDs: pf.GetTrackerIds(),
		Meta:       pf.GetMeta(),
		Depth:      int(pf.GetDepth()),
	}
	if ms := pf.GetFetchedUnixMs(); ms > 0 {
		page.Fetched = time.UnixMilli(ms).UTC()
	}
	page.WARC = warcFromProto(pf.GetWarc())
	for _, pr := range pf.GetPrices() {
		page.Prices = append(page.Prices, classifier.Price{Amount: pr.GetAmount(), Currency: pr.GetCurrency(),
			Unit: pr.GetUnit(), Snippet: pr.GetSnippet()})
	}
	if err := page.Validate(); err != nil {
		return nil, err
	}
	if page.Partition != p {
		return nil, fmt.Errorf("%w: site %s belongs to partition %d of %d, arrived on partition %d",
			classifier.ErrInvalidPage, site, page.Partition, n, p)
	}
	return page, nil
}

// verdictToProto converts a verdict to the wire.
func verdictToProto(v *classifier.Verdict) *trawlpb.Verdict {
	pv := &trawlpb.Verdict{
		Site:          v.Site,
		Class:         string(v.Class),
		Flagged:       v.Flagged,
		StoreScore:    v.StoreScore,
		RussiaScore:   v.RussiaScore,
		Pages:         int32(v.Pages),
		Hosts:         v.Hosts,
		Ips:           v.IPs,
		Countries:     v.Countries,
		UpdatedUnixMs: v.Updated.UnixMilli(),
		Version:       v.Version,
		Partition:     int32(v.Partition),
		Title:         v.Title,
		HostingScore:  v.HostingScore,
		ContentScore:  v.ContentScore,
		PiracyScore:   v.PiracyScore,
		LegitScore:    v.LegitScore,
		Asns:          v.Networks,
		TrackerIds:    v.TrackerIDs,
		Family:        v.Family,
	}
	if !v.FirstSeen.IsZero() {
		pv.FirstSeenUnixMs = v.FirstSeen.UnixMilli()
	}
	for _, l := range v.FamilyLinks {
		pv.FamilyLinks = append(pv.FamilyLinks, &trawlpb.FamilyLink{Site: l.Site, Reason: l.Reason, Value: l.Value})
	}
	for _, e := range v.Evidence {
		pv.Evidence = append(pv.Evidence, &trawlpb.Evidence{Signal: e.Signal, Axis: string(e.Axis),
			Weight: e.Weight, Snippet: e.Snippet, Url: e.URL, SeenUnixMs: e.Seen.UnixMilli(), Warc: warcToProto(e.WARC)})
	}
	return pv
}

// VerdictFromProto converts a wire verdict back to the domain type, for
// readers of the VERDICTS stream. Fields the wire does not carry (the
// music part of the legit score, store groups, labels) are left zero.
func VerdictFromProto(pv *trawlpb.Verdict) *classifier.Verdict {
	v := &classifier.Verdict{
		Site:         pv.GetSite(),
		Partition:    int(pv.GetPartition()),
		Class:        classifier.Class(pv.GetClass()),
		Flagged:      pv.GetFlagged(),
		StoreScore:   pv.GetStoreScore(),
		RussiaScore:  pv.GetRussiaScore(),
		HostingScore: pv.GetHostingScore(),
		ContentScore: pv.GetContentScore(),
		PiracyScore:  pv.GetPiracyScore(),
		LegitScore:   pv.GetLegitScore(),
		Countries:    pv.GetCountries(),
		Networks:     pv.GetAsns(),
		TrackerIDs:   pv.GetTrackerIds(),
		Family:       pv.GetFamily(),
		Hosts:        pv.GetHosts(),
		IPs:          pv.GetIps(),
		Pages:        int(pv.GetPages()),
		Title:        pv.GetTitle(),
		Version:      pv.GetVersion(),
		Updated:      time.UnixMilli(pv.GetUpdatedUnixMs()).UTC(),
	}
	if ms := pv.GetFirstSeenUnixMs(); ms > 0 {
		v.FirstSeen = time.UnixMilli(ms).UTC()
	}
	for _, l := range pv.GetFamilyLinks() {
		v.FamilyLinks = append(v.FamilyLinks, classifier.FamilyLink{Site: l.GetSite(), Reason: l.GetReason(), Value: l.GetValue()})
	}
	for _, e := range pv.GetEvidence() {
		v.Evidence = append(v.Evidence, classifier.Evidence{Signal: e.GetSignal(), Axis: classifier.Axis(e.GetAxis()),
			Weight: e.GetWeight(), Snippet: e.GetSnippet(), URL: e.GetUrl(), Seen: time.UnixMilli(e.GetSeenUnixMs()).UTC(),
			WARC: warcFromProto(e.GetWarc())})
	}
	return v
}

// warcFromProto converts a WARC record reference; nil when there is none.
func warcFromProto(w *trawlpb.WarcRef) *classifier.WARCRef {
	if w == nil || w.GetFile() == "" {
		return nil
	}
	return &classifier.WARCRef{File: w.GetFile(), Offset: w.GetOffset(), RecordID: w.GetRecordId()}
}

func warcToProto(w *classifier.WARCRef) *trawlpb.WarcRef {
	if w == nil {
		return nil
	}
	return &trawlpb.WarcRef{File: w.File, Offset: w.Offset, RecordId: w.RecordID}
}
