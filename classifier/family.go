package classifier

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Reasons a site belongs with another one.
const (
	LinkIP       = "ip"       // they are served from the same IP address
	LinkTracker  = "tracker"  // they share an analytics or counter ID
	LinkPayment  = "payment"  // they take payment into the same account
	LinkTemplate = "template" // their pages are built on a near-identical template
	LinkHref     = "link"     // one links to the other: a mirror or a new domain
)

// MaxTemplateDistance is how many bits two template hashes may differ in
// for their pages to count as one template. Unrelated pages differ in
// about 32; pages of one template with other names, prices and releases
// in 2 to 6 (measured on the corpus).
const MaxTemplateDistance = 6

// MaxFamilyLinks caps the links listed for one site.
const MaxFamilyLinks = 24

// FamilyLink says why a site belongs with another one.
type FamilyLink struct {
	Site   string `json:"site"`
	Reason string `json:"reason"` // LinkIP, LinkTracker, LinkPayment or LinkTemplate
	Value  string `json:"value"`  // the shared IP, ID, account or template hash
}

// FamilyKey is a thing two sites of one operation share: an IP address, an
// analytics ID, a payment account, or a band of a template hash (two
// hashes within MaxTemplateDistance bits agree on at least one of their
// eight 8-bit bands, so bands find the candidates).
type FamilyKey struct {
	Reason string `json:"reason"`
	Value  string `json:"value"`
}

// usable reports whether a key can tie two sites: an analytics key must
// name an account ("ym:31877402", not a bare "liveinternet"), any key a
// value.
func (k FamilyKey) usable() bool {
	if k.Reason == LinkTracker {
		_, id, ok := strings.Cut(k.Value, ":")
		return ok && len(strings.Trim(id, "-:")) >= 3
	}
	return k.Value != ""
}

// String returns "reason:value", the key's form in an index.
func (k FamilyKey) String() string { return k.Reason + ":" + k.Value }

// Member is a site as the family linker sees it: the keys it could share.
type Member struct {
	Site      string      `json:"site"`
	Hosts     []string    `json:"hosts,omitempty"`
	Keys      []FamilyKey `json:"keys"`
	Templates []uint64    `json:"templates,omitempty"`
	OutHosts  []string    `json:"out_hosts,omitempty"` // hosts it links to
}

// MemberOf returns what a site could share with others: its IP addresses,
// its analytics IDs that name an account (not a bare "liveinternet"), its
// payment accounts and its template hashes.
func MemberOf(s *Site) Member {
	m := Member{Site: s.Name, Hosts: append([]string(nil), s.Hosts...), Templates: append([]uint64(nil), s.Templates...),
		OutHosts: append([]string(nil), s.OutHosts...)}
	for _, ip := range s.IPs {
		m.Keys = append(m.Keys, FamilyKey{LinkIP, ip})
	}
	for _, t := range s.Trackers {
		if k := (FamilyKey{LinkTracker, t}); k.usable() {
			m.Keys = append(m.Keys, k)
		}
	}
	for _, a := range s.Accounts {
		m.Keys = append(m.Keys, FamilyKey{LinkPayment, a})
	}
	return m
}

// Fingerprint is a hash of everything in m, and of flagged, that the
// family index depends on: equal fingerprints mean an update would change
// nothing.
func (m Member) Fingerprint(flagged bool) uint64 {
	h := fnv.New64a()
	put := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	put(m.Site)
	put(strconv.FormatBool(flagged))
	for _, x := range m.Hosts {
		put(x)
	}
	put("|")
	for _, k := range m.Keys {
		put(k.Reason)
		put(k.Value)
	}
	put("|")
	for _, t := range m.Templates {
		put(strconv.FormatUint(t, 16))
	}
	put("|")
	for _, x := range m.OutHosts {
		put(x)
	}
	return h.Sum64()
}

// IndexKeys returns the keys to index a member under: its keys, the bands
// of its template hashes, its own name and the hosts it links to (so that
// a site and the sites that link to it meet under one key).
func (m Member) IndexKeys() []FamilyKey {
	out := append([]FamilyKey(nil), m.Keys...)
	seen := make(map[FamilyKey]bool)
	for _, h := range append([]string{m.Site}, m.OutHosts...) {
		k := FamilyKey{"site", strings.TrimPrefix(h, "www.")}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, t := range m.Templates {
		for b := range 8 {
			k := FamilyKey{"template-band", fmt.Sprintf("%d:%02x", b, (t>>(8*b))&0xff)}
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// Index keys of the family index kept on disk (classifier/bolt): only keys
// along which two sites can join one family. An IP address is left out (a
// shared one never joins two sites by itself, and shared hosting puts
// hundreds of sites on one); a link is found from the linking side, under
// the linked site's own names, so that no key gathers every site that links
// to a popular host.
const (
	keySelf         = "self"          // a site's own names: its registrable domain and hosts, "www." trimmed
	keyTemplateBand = "template-band" // one 8-bit band of a template hash
)

// StoredKeys returns the keys a member is filed under in the family index:
// its analytics IDs and payment accounts, the bands of its template hashes
// and its own names.
func (m Member) StoredKeys() []FamilyKey {
	return m.joinKeysAnd(append([]string{m.Site}, m.Hosts...))
}

// SearchKeys returns the keys under which the sites a member may join are
// filed: its analytics IDs and payment accounts, its template bands, and
// the own names of the hosts it links to.
func (m Member) SearchKeys() []FamilyKey {
	return m.joinKeysAnd(m.OutHosts)
}

// joinKeysAnd returns m's keys that can join two sites and a keySelf key
// for each of names, each once.
func (m Member) joinKeysAnd(names []string) []FamilyKey {
	var out []FamilyKey
	seen := make(map[FamilyKey]bool)
	add := func(k FamilyKey) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	m.joinKeys(add)
	for _, h := range names {
		add(FamilyKey{keySelf, strings.TrimPrefix(h, "www.")})
	}
	return out
}

func (m Member) joinKeys(add func(FamilyKey)) {
	for _, k := range m.Keys {
		if k.Reason != LinkIP && k.usable() {
			add(k)
		}
	}
	for _, t := range m.Templates {
		for b := range 8 {
			add(FamilyKey{keyTemplateBand, strconv.Itoa(b) + ":" + strconv.FormatUint((t>>(8*b))&0xff, 16)})
		}
	}
}

// Joined reports whether a and b belong to one family by a link of their
// own (see LinkFamilies): a shared analytics ID or payment account,
// templates within MaxTemplateDistance bits, or links both ways. It is what
// links and joins decide, without building the links.
func Joined(a, b Member) bool {
	for _, k := range a.Keys {
		if k.Reason == LinkIP || !k.usable() {
			continue
		}
		if slices.Contains(b.Keys, k) {
			return true
		}
	}
	for _, ta := range a.Templates {
		for _, tb := range b.Templates {
			if TemplateDistance(ta, tb) <= MaxTemplateDistance {
				return true
			}
		}
	}
	return a.linksTo(b) && b.linksTo(a)
}

// links returns why a and b belong together: every key they share and
// their closest templates when near enough.
func links(a, b Member) []FamilyLink {
	var out []FamilyLink
	keys := make(map[FamilyKey]bool, len(b.Keys))
	for _, k := range b.Keys {
		keys[k] = true
	}
	for _, k := range a.Keys {
		if keys[k] && k.usable() {
			out = append(out, FamilyLink{Site: b.Site, Reason: k.Reason, Value: k.Value})
		}
	}
	switch ab, ba := a.linksTo(b), b.linksTo(a); {
	case ab && ba:
		out = append(out, FamilyLink{Site: b.Site, Reason: LinkHref, Value: a.Site + " and " + b.Site + " link to each other"})
	case ab:
		out = append(out, FamilyLink{Site: b.Site, Reason: LinkHref, Value: a.Site + " links to " + b.Site})
	case ba:
		out = append(out, FamilyLink{Site: b.Site, Reason: LinkHref, Value: b.Site + " links to " + a.Site})
	}
	best, bestA, bestB := 65, uint64(0), uint64(0)
	for _, ta := range a.Templates {
		for _, tb := range b.Templates {
			if d := TemplateDistance(ta, tb); d < best {
				best, bestA, bestB = d, ta, tb
			}
		}
	}
	if best <= MaxTemplateDistance {
		v := fmt.Sprintf("%016x", bestA)
		if bestB != bestA {
			v += fmt.Sprintf("~%016x", bestB)
		}
		out = append(out, FamilyLink{Site: b.Site, Reason: LinkTemplate, Value: v})
	}
	return out
}

// joins reports whether a link alone puts two sites in one family: a
// shared IP address does not (shared hosting), nor a link one way (stores
// link to others); links both ways do (mirrors and new domains).
func joins(l FamilyLink) bool {
	switch l.Reason {
	case LinkIP:
		return false
	case LinkHref:
		return strings.HasSuffix(l.Value, "each other")
	}
	return true
}

// linksTo reports whether m links to a host of o.
func (m Member) linksTo(o Member) bool {
	for _, h := range m.OutHosts {
		h = strings.TrimPrefix(h, "www.")
		if h == o.Site || slices.Contains(o.Hosts, h) || slices.Contains(o.Hosts, "www."+h) {
			return true
		}
	}
	return false
}

// Family is the operation a site belongs to.
type Family struct {
	ID      string       `json:"id"`      // the family's smallest site name
	Members []string     `json:"members"` // every site of the family, sorted
	Links   []FamilyLink `json:"links"`   // why this site belongs: its links to other members
}

// LinkFamilies groups sites into families: two sites are linked when they
// share an analytics ID or a payment account, their templates are within
// MaxTemplateDistance bits, or they link to each other; a family is a connected group of linked sites.
// A shared IP address, or a link one way, is listed among the links of two
// sites of one family but does not make a family by itself: shared
// hosting puts unrelated sites on one address, and stores link to others. It returns the family of every site that has one
// (a site linked to nobody has none). The caller passes the sites that
// may be linked: flagged ones.
func LinkFamilies(members []Member) map[string]Family {
	sort.Slice(members, func(i, j int) bool { return members[i].Site < members[j].Site })
	// Candidates by shared index keys, then confirmed links.
	byKey := make(map[FamilyKey][]int)
	for i, m := range members {
		for _, k := range m.IndexKeys() {
			byKey[k] = append(byKey[k], i)
		}
	}
	parent := make([]int, len(members))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	linked := make([][]FamilyLink, len(members))
	for i, m := range members {
		seen := make(map[int]bool)
		for _, k := range m.IndexKeys() {
			for _, j := range byKey[k] {
				if j == i || seen[j] {
					continue
				}
				seen[j] = true
				ls := links(m, members[j])
				linked[i] = append(linked[i], ls...)
				for _, l := range ls {
					if joins(l) {
						parent[find(i)] = find(j)
						break
					}
				}
			}
		}
	}
	groups := make(map[int][]string)
	root := make(map[string]int, len(members))
	for i, m := range members {
		groups[find(i)] = append(groups[find(i)], m.Site)
		root[m.Site] = find(i)
	}
	out := make(map[string]Family)
	for i, m := range members {
		g := groups[find(i)]
		if len(g) < 2 {
			continue
		}
		// Links within the family; an IP shared with a site of another
		// family is shared hosting, not kinship.
		var ls []FamilyLink
		for _, l := range linked[i] {
			if root[l.Site] == find(i) {
				ls = append(ls, l)
			}
		}
		sort.SliceStable(ls, func(a, b int) bool {
			if ra, rb := linkRank[ls[a].Reason], linkRank[ls[b].Reason]; ra != rb {
				return ra < rb
			}
			return ls[a].Site < ls[b].Site
		})
		if len(ls) > MaxFamilyLinks {
			ls = ls[:MaxFamilyLinks]
		}
		out[m.Site] = Family{ID: g[0], Members: g, Links: ls}
	}
	return out
}

// linkRank orders links from the strongest evidence of one operation.
var linkRank = map[string]int{LinkPayment: 0, LinkTracker: 1, LinkTemplate: 2, LinkHref: 3, LinkIP: 4}
