"""Contender (c) of crawlbench: Scrapy with settings equivalent to Trawl's.

Run by crawlbench as: python3 spider.py CONFIG.json. It crawls simweb from
its seed hubs and prints one JSON result line. Host names are resolved from
the config's host map, never by a DNS query.
"""
import json
import sys
import time
from collections import defaultdict
from urllib.parse import urlparse

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import HtmlResponse
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

with open(sys.argv[1]) as f:
    CFG = json.load(f)
HOSTS = CFG["hosts"]
NS = 1e9  # Go durations are nanoseconds


class MapResolver(CachingThreadedResolver):
    """Answers simweb's hosts from the map; anything else does not exist."""

    def getHostByName(self, name, timeout=()):
        ip = HOSTS.get(name.lower().rstrip("."))
        if ip is None:
            return defer.fail(DNSLookupError(name))
        return defer.succeed(ip)


START = time.monotonic()
TIMES = []


class Bench(scrapy.Spider):
    name = "crawlbench"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.seen = set(CFG["seeds"])
        self.per_host = defaultdict(int)

    def start_requests(self):
        for url in CFG["seeds"]:
            yield scrapy.Request(url, callback=self.parse, meta={"handle_httpstatus_all": True})

    def parse(self, response):
        TIMES.append(time.monotonic() - START)
        if not isinstance(response, HtmlResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href).split("#", 1)[0]
            u = urlparse(url)
            host = (u.hostname or "").lower()
            if u.scheme not in ("http", "https") or host not in HOSTS:
                continue
            if url in self.seen or self.per_host[host] >= CFG["site_budget"]:
                continue
            self.seen.add(url)
            self.per_host[host] += 1
            yield scrapy.Request(url, callback=self.parse, meta={"handle_httpstatus_all": True})


def main():
    settings = {
        "USER_AGENT": CFG["user_agent"],
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": CFG["concurrency"],
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": CFG["min_delay"] / NS,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        # Scrapy has one slot per IP when this is set, and DOWNLOAD_DELAY is
        # then the delay between two requests to one IP (set below).
        "CONCURRENT_REQUESTS_PER_IP": CFG["max_per_ip"],
        "DOWNLOAD_TIMEOUT": CFG["timeout"] / NS,
        "DEPTH_LIMIT": CFG["max_depth"],
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_ENABLED": False,
        "DOWNLOAD_MAXSIZE": 4 << 20,
        "DNS_RESOLVER": "__main__.MapResolver",
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "REACTOR_THREADPOOL_MAXSIZE": 4,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
    }
    if CFG["max_per_ip"] > 0:
        settings["DOWNLOAD_DELAY"] = CFG["ip_min_delay"] / NS
        # The downloader-aware queue refuses per-IP slots.
        del settings["SCHEDULER_PRIORITY_QUEUE"]
    process = CrawlerProcess(settings)
    process.crawl(Bench)
    process.start()
    wall = time.monotonic() - START
    times = sorted(TIMES)
    res = {"name": "scrapy", "pages": len(times), "wall_s": wall, "t95_s": 0.0, "pages_per_s": 0.0}
    if times:
        k = max(0, (len(times) * 95 + 99) // 100 - 1)
        res["t95_s"] = times[k]
        if times[k] > 0:
            res["pages_per_s"] = (k + 1) / times[k]
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
