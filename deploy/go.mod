module trawl.dev/deploy

go 1.26.0

require (
	trawl.dev/classifier v0.0.0
	trawl.dev/crawler v0.0.0
	trawl.dev/frontier v0.0.0
	trawl.dev/proto v0.0.0
	trawl.dev/simweb v0.0.0
)

replace (
	trawl.dev/classifier => ../classifier
	trawl.dev/crawler => ../crawler
	trawl.dev/frontier => ../frontier
	trawl.dev/proto => ../proto
	trawl.dev/simweb => ../simweb
)
