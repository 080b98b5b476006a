package crawler_test

import (
	"fmt"

	"trawl.dev/crawler"
)

func ExampleParse() {
	page := []byte(`<html lang="ru"><head><title>MP3 shop</title>
		<script>ym(12345678, "init", {})</script></head>
		<body><a href="/album/1#tracks">Album</a> <p>Only $0.02 per MB!</p></body></html>`)
	f := crawler.Parse(page, "text/html", "http://shop.example.ru/index.html", nil)
	fmt.Println(f.Title, f.Lang, f.Charset)
	fmt.Println(f.Links[0].URL, f.Links[0].Anchor)
	fmt.Println(f.TrackerIDs)
	fmt.Printf("%.2f %s per %s\n", f.Prices[0].Amount, f.Prices[0].Currency, f.Prices[0].Unit)
	// Output:
	// MP3 shop ru utf-8
	// http://shop.example.ru/album/1 Album
	// [ym:12345678]
	// 0.02 USD per mb
}

func ExampleRobotsAllowed() {
	robots := "User-agent: *\nDisallow: /private\nAllow: /private/free\n"
	fmt.Println(crawler.RobotsAllowed(robots, "TrawlBot", "http://shop.example.ru/private/x"))
	fmt.Println(crawler.RobotsAllowed(robots, "TrawlBot", "http://shop.example.ru/private/free/1"))
	// Output:
	// false
	// true
}
