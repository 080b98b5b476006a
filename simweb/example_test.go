package simweb_test

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"trawl.dev/simweb"
)

func ExampleGenerate() {
	web := simweb.Generate(simweb.Options{Sites: 200, Seed: 1})
	stores, flagged := 0, 0
	for _, s := range web.Sites() {
		if s.Class == simweb.ClassStore {
			stores++
			if s.Flagged {
				flagged++
			}
		}
	}
	fmt.Println(len(web.Sites()), "sites,", stores, "stores,", flagged, "of them Russia-linked")
	// Output: 200 sites, 8 stores, 7 of them Russia-linked
}

func ExampleWeb_Start() {
	web := simweb.Generate(simweb.Options{Sites: 100, Seed: 1})
	srv, err := web.Start(context.Background(), simweb.ServeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	// Resolve site names through the server's DNS, as a crawler under test would.
	dialer := &net.Dialer{Resolver: srv.Resolver()}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	resp, err := client.Get(srv.Seeds()[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
