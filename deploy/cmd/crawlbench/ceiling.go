package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// runCeiling is contender (d): the pages colly fetched, fetched again with
// keep-alive connections as fast as possible: no robots.txt, no politeness,
// no parsing. Its pages/s is what the machine allows at this concurrency.
func runCeiling(ctx context.Context, cfg config) (*result, error) {
	urls, err := readURLs(cfg.URLFile)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Resolver: resolverFor(cfg), Timeout: cfg.Timeout}
	client := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
		DialContext: dialer.DialContext, MaxIdleConns: 2048, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second,
	}}
	work := make(chan string)
	prog := newProgress()
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for u := range work {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				req.Header.Set("User-Agent", cfg.UserAgent)
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.CopyBuffer(io.Discard, resp.Body, buf)
				resp.Body.Close()
				prog.page()
			}
		})
	}
	for _, u := range urls {
		select {
		case work <- u:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	res := &result{}
	prog.finish(res, time.Since(start))
	return res, ctx.Err()
}

func readURLs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var urls []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		urls = append(urls, sc.Text())
	}
	return urls, sc.Err()
}
