package classifier_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"trawl.dev/classifier"
)

func TestPaymentAccounts(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Pay to WebMoney purse Z418223017745 or R336600102277.", []string{"webmoney:Z418223017745", "webmoney:R336600102277"}},
		{"Кошелёк Яндекс.Деньги: 41001893355211, WMID: 123456789012", []string{"yoomoney:41001893355211", "wmid:123456789012"}},
		{"z 418223017745 is no purse, nor ISBN 978-5-17-118366-2 nor phone +7 (495) 231-88-10", nil},
		{"Order Z4182230177451 has 13 digits", nil},
	}
	for _, tc := range tests {
		if got := classifier.PaymentAccounts(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("PaymentAccounts(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// clone returns the home page of a store built on one template: the brand,
// the prices and the releases change from site to site; the menus, the
// help text and the URL scheme do not.
func clone(brand, price string, releases []string, ids []int) *classifier.Page {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — your music shop. Home | New releases | Top 100 | Genres | Prices | Help | Account\n", brand)
	fmt.Fprintf(&b, "Welcome to %s! Every track costs %s. Download as many as you like.\n", brand, price)
	b.WriteString("How to buy: create an account, add funds to your balance, choose the tracks and the format, and download. ")
	b.WriteString("Your balance never expires. Questions? See the help pages or write to our support team any day of the week.\n")
	b.WriteString("New releases this week:\n")
	var links []string
	for i, r := range releases {
		fmt.Fprintf(&b, "%d. %s\n", i+1, r)
		links = append(links, fmt.Sprintf("/_album%d/", ids[i]))
	}
	b.WriteString("Top genres: Rock, Pop, Dance, Hip-Hop, Jazz, Classical, Soundtracks, Russian.\n")
	b.WriteString("Copyright notice: all rights reserved. Terms of use. Privacy policy. Contact us.")
	links = append(links, "/new/", "/top100/", "/genres/", "/prices/", "/help/", "/account/", "/terms/", "/privacy/")
	host := strings.ToLower(strings.ReplaceAll(brand, " ", "")) + ".example"
	return &classifier.Page{URL: "http://" + host + "/", Host: host, Site: host, Text: b.String(), LinkPaths: links}
}

func TestTemplateHash(t *testing.T) {
	a := classifier.TemplateHash(clone("Tune Tower", "$0.12", []string{"Muse - Black Holes", "The Killers - Sam's Town", "Keane - Under the Iron Sea"}, []int{48213, 48777, 49002}))
	b := classifier.TemplateHash(clone("Beat Box", "$0.09", []string{"Muse - Black Holes", "Arctic Monkeys - Favourite Worst Nightmare", "Keane - Under the Iron Sea"}, []int{501, 77, 9003}))
	other := classifier.TemplateHash(&classifier.Page{URL: "http://blog.example/", Host: "blog.example", Site: "blog.example",
		Text:      strings.Repeat("Posted by Ann on a quiet day. The garden needs rain and the roses are late this year, but the apples look fine. ", 3),
		LinkPaths: []string{"/2007/06/garden.html", "/about/", "/archive/"}})
	if a == 0 || b == 0 || other == 0 {
		t.Fatalf("got hashes %x %x %x, want all non-zero", a, b, other)
	}
	if d := classifier.TemplateDistance(a, b); d > classifier.MaxTemplateDistance {
		t.Errorf("clones on one template: got distance %d, want at most %d", d, classifier.MaxTemplateDistance)
	}
	if d := classifier.TemplateDistance(a, other); d <= 2*classifier.MaxTemplateDistance {
		t.Errorf("a store and a blog: got distance %d, want far more than %d", d, classifier.MaxTemplateDistance)
	}
	if h := classifier.TemplateHash(&classifier.Page{Text: "Tiny page."}); h != 0 {
		t.Errorf("a page with almost nothing: got %x, want 0", h)
	}
}

func TestLinkFamilies(t *testing.T) {
	m := func(site string, keys ...string) classifier.Member {
		mb := classifier.Member{Site: site, Hosts: []string{site}}
		for _, k := range keys {
			reason, value, _ := strings.Cut(k, "=")
			switch reason {
			case "out":
				mb.OutHosts = append(mb.OutHosts, value)
			case "tpl":
				var h uint64
				fmt.Sscanf(value, "%x", &h)
				mb.Templates = append(mb.Templates, h)
			default:
				mb.Keys = append(mb.Keys, classifier.FamilyKey{Reason: reason, Value: value})
			}
		}
		return mb
	}
	members := []classifier.Member{
		m("a.ru", "tracker=ym:31877402", "ip=1.2.3.4"),
		m("b.com", "tracker=ym:31877402", "ip=1.2.3.4"), // a's domain hop: same counter and server
		m("c.su", "payment=webmoney:Z418223017745"),     // c, d: one purse
		m("d.net", "payment=webmoney:Z418223017745"),    //
		m("e.ru", "ip=1.2.3.4"),                         // only a shared server: alone
		m("f.ru", "tpl=ffff0000ffff0000"),               // f, g: one template, two bits apart
		m("g.ru", "tpl=ffff0000ffff0003"),               //
		m("h.ru", "out=i.ru"), m("i.ru", "out=h.ru"),    // mirrors linking to each other
		m("j.ru", "out=a.ru"),                            // a link one way: alone
		m("k.ru", "tracker=liveinternet", "ip=9.9.9.9"),  // no ID in the counter: alone
		m("l.ru", "tracker=liveinternet", "ip=9.9.9.10"), //
	}
	fams := classifier.LinkFamilies(members)
	want := map[string]string{"a.ru": "a.ru", "b.com": "a.ru", "c.su": "c.su", "d.net": "c.su", "f.ru": "f.ru", "g.ru": "f.ru",
		"h.ru": "h.ru", "i.ru": "h.ru"}
	for _, mb := range members {
		if got := fams[mb.Site].ID; got != want[mb.Site] {
			t.Errorf("%s: got family %q, want %q", mb.Site, got, want[mb.Site])
		}
	}
	reasons := func(site string) []string {
		var out []string
		for _, l := range fams[site].Links {
			out = append(out, l.Reason+":"+l.Site)
		}
		return out
	}
	if got := reasons("a.ru"); !slices.Equal(got, []string{"tracker:b.com", "ip:b.com"}) {
		t.Errorf("links of a.ru: got %v, want the tracker then the IP shared with b.com", got)
	}
	if got := reasons("f.ru"); !slices.Equal(got, []string{"template:g.ru"}) {
		t.Errorf("links of f.ru: got %v, want the template", got)
	}
	if got := fams["c.su"].Members; !slices.Equal(got, []string{"c.su", "d.net"}) {
		t.Errorf("members of c.su's family: got %v", got)
	}
}

// TestMemberFingerprint: the fingerprint changes with every part of a member
// the family index reads, and with the flag.
func TestMemberFingerprint(t *testing.T) {
	base := classifier.Member{Site: "a.ru", Hosts: []string{"a.ru"}, Keys: []classifier.FamilyKey{{classifier.LinkIP, "10.0.0.1"}},
		Templates: []uint64{42}, OutHosts: []string{"b.ru"}}
	fp := base.Fingerprint(true)
	if fp != base.Fingerprint(true) {
		t.Fatal("fingerprint is not deterministic")
	}
	variants := map[string]func(m *classifier.Member){
		"site":     func(m *classifier.Member) { m.Site = "c.ru" },
		"host":     func(m *classifier.Member) { m.Hosts = []string{"a.ru", "www.a.ru"} },
		"key":      func(m *classifier.Member) { m.Keys = []classifier.FamilyKey{{classifier.LinkIP, "10.0.0.2"}} },
		"reason":   func(m *classifier.Member) { m.Keys = []classifier.FamilyKey{{classifier.LinkTracker, "10.0.0.1"}} },
		"template": func(m *classifier.Member) { m.Templates = []uint64{43} },
		"outhost":  func(m *classifier.Member) { m.OutHosts = nil },
		"shifted":  func(m *classifier.Member) { m.Hosts, m.OutHosts = []string{"a.ru", "b.ru"}, nil },
	}
	for name, change := range variants {
		m := base
		change(&m)
		if m.Fingerprint(true) == fp {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
	if base.Fingerprint(false) == fp {
		t.Error("flag: fingerprint unchanged")
	}
}

// TestJoinedAgreesWithLinkFamilies: for random pairs drawn from a small pool
// of keys, templates and links, Joined says what LinkFamilies decides, and
// when it says yes the one searching finds the other under its SearchKeys.
func TestJoinedAgreesWithLinkFamilies(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	sites := []string{"a.ru", "b.ru", "www.c.ru", "d.su"}
	keys := []classifier.FamilyKey{
		{Reason: classifier.LinkIP, Value: "1.2.3.4"},
		{Reason: classifier.LinkTracker, Value: "ym:31877402"},
		{Reason: classifier.LinkTracker, Value: "liveinternet"},
		{Reason: classifier.LinkPayment, Value: "webmoney:Z418223017745"},
	}
	random := func(site string) classifier.Member {
		m := classifier.Member{Site: strings.TrimPrefix(site, "www."), Hosts: []string{site}}
		for _, k := range keys {
			if rng.IntN(4) == 0 {
				m.Keys = append(m.Keys, k)
			}
		}
		if rng.IntN(3) == 0 {
			// One template, a few bits flipped: pairs fall on both sides
			// of MaxTemplateDistance.
			tpl := uint64(0xffff0000ffff0000)
			for range rng.IntN(9) {
				tpl ^= 1 << rng.IntN(64)
			}
			m.Templates = append(m.Templates, tpl)
		}
		for _, o := range sites {
			if rng.IntN(3) == 0 {
				m.OutHosts = append(m.OutHosts, o)
			}
		}
		return m
	}
	joined := 0
	for range 5000 {
		i, j := rng.IntN(len(sites)), rng.IntN(len(sites))
		if i == j {
			continue
		}
		a, b := random(sites[i]), random(sites[j])
		want := classifier.LinkFamilies([]classifier.Member{a, b})[a.Site].ID != ""
		if got := classifier.Joined(a, b); got != want {
			t.Fatalf("Joined(%+v, %+v) = %v; LinkFamilies says %v", a, b, got, want)
		}
		if !want {
			continue
		}
		joined++
		stored := make(map[classifier.FamilyKey]bool)
		for _, k := range b.StoredKeys() {
			stored[k] = true
		}
		found := false
		for _, k := range a.SearchKeys() {
			found = found || stored[k]
		}
		if !found {
			t.Fatalf("%+v joins %+v but none of its SearchKeys %v is among the other's StoredKeys %v", a, b, a.SearchKeys(), b.StoredKeys())
		}
	}
	if joined < 100 {
		t.Fatalf("only %d joined pairs: the test draws too few to mean anything", joined)
	}
}
