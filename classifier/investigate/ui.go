package investigate

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"trawl.dev/classifier/readmodel"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// sessionCookie holds the token of a signed-in browser. It is HttpOnly and
// SameSite=Strict; forms also carry a CSRF value derived from it.
const sessionCookie = "trawl_session"

// sessionAge is how long a browser stays signed in.
const sessionAge = 12 * time.Hour

type ui struct {
	s     *Server
	pages map[string]*template.Template
}

func newUI(s *Server) (*ui, error) {
	u := &ui{s: s, pages: make(map[string]*template.Template)}
	funcs := template.FuncMap{
		"pct":       func(f float64) int { return int(math.Round(f * 100)) },
		"pct5":      func(f float64) int { return int(math.Round(min(max(f, 0), 1)*20)) * 5 },
		"score":     func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
		"ago":       func(t time.Time) string { return ago(s.now(), t) },
		"date":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"day":       func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"labelText": labelText,
		"signal":    signalText,
		"highlight": highlight,
		"level": func(f float64) string {
			switch {
			case f >= 0.7:
				return "high"
			case f >= 0.4:
				return "mid"
			}
			return "low"
		},
		"asnNumber": readmodel.ASNumber,
		"join":      strings.Join,
		"urlq":      url.QueryEscape,
		"pathq":     url.PathEscape,
		"hostOf": func(raw string) string {
			if u, err := url.Parse(raw); err == nil && u.Host != "" {
				p := u.EscapedPath()
				if len(p) > 48 {
					p = p[:45] + "…"
				}
				return u.Host + p
			}
			return raw
		},
		"axisTitle": func(a string) string {
			switch a {
			case "store":
				return "Store signals"
			case "russia":
				return "Russia signals"
			case "piracy":
				return "Piracy signals"
			case "legit":
				return "Licensed-service signals"
			}
			return strings.ToUpper(a[:min(1, len(a))]) + a[min(1, len(a)):] + " signals"
		},
		"add":      func(a, b int) int { return a + b },
		"sortName": sortName,
		// uni shows an internationalised domain name in its script.
		"uni": func(s string) string {
			if u, err := idna.ToUnicode(s); err == nil {
				return u
			}
			return s
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		u.pages[base] = t
	}
	return u, nil
}

func (u *ui) route(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(http.FileServerFS(static))))
	mux.HandleFunc("GET /login", u.loginPage)
	mux.HandleFunc("POST /login", u.login)
	mux.HandleFunc("POST /logout", u.logout)
	mux.Handle("GET /{$}", u.auth(RoleViewer, u.queue))
	mux.Handle("GET /sites/{site}", u.auth(RoleViewer, u.site))
	mux.Handle("POST /sites/{site}/label", u.auth(RoleReviewer, u.label))
	mux.Handle("GET /families/{family}", u.auth(RoleViewer, u.family))
	mux.Handle("GET /audit", u.auth(RoleAdmin, u.audit))
	mux.Handle("GET /tokens", u.auth(RoleAdmin, u.tokensPage))
	mux.Handle("POST /tokens", u.auth(RoleAdmin, u.createToken))
	mux.Handle("POST /tokens/{id}/revoke", u.auth(RoleAdmin, u.revokeToken))
	mux.Handle("GET /export.csv", u.auth(RoleViewer, u.s.exportHandler(formatCSV)))
	mux.Handle("GET /export.jsonl", u.auth(RoleViewer, u.s.exportHandler(formatJSONL)))
	mux.Handle("/", u.auth(RoleViewer, func(w http.ResponseWriter, r *http.Request) {
		u.error(w, r, http.StatusNotFound, "Not found", "There is no page at "+r.URL.Path+".")
	}))
}

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// auth lets signed-in browsers with at least role through; others are sent
// to the sign-in page (or shown 403 when their role is too low).
func (u *ui) auth(role Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(sessionCookie)
		var info TokenInfo
		ok := err == nil
		if ok {
			info, ok = u.s.tokens.lookup(ck.Value)
		}
		if !ok {
			u.s.authFailures.Add(1)
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		c := &caller{TokenInfo: info, token: ck.Value}
		if info.Role < role {
			u.render(w, r.WithContext(withCaller(r, c)), http.StatusForbidden, "error", errorView{Title: "Not allowed",
				Message: fmt.Sprintf("Your token (%s) has the role %s; this needs %s.", info.Name, info.Role, role)})
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				u.error(w, r, http.StatusBadRequest, "Bad form", err.Error())
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(csrfToken(c.token))) != 1 {
				u.error(w, r, http.StatusForbidden, "Form expired", "The form did not carry this session's check value. Reload the page and try again.")
				return
			}
		}
		h(w, r.WithContext(withCaller(r, c)))
	})
}

// page is what every page's layout reads.
type page struct {
	Title  string
	Nav    string
	Caller *caller
	CSRF   string
	Stats  *readmodel.Stats
	Flash  string
	Error  string
	Data   any
}

// Labelled counts the sites with a label.
func (p page) Labelled(l string) int64 {
	if p.Stats == nil {
		return 0
	}
	return p.Stats.Labelled[readmodel.Label(l)]
}

// siteRow is a site as a listing shows it.
type siteRow struct {
	readmodel.Site
	MatchHTML template.HTML // the snippet a free-text search matched, marked
}

func rowsOf(sites []readmodel.Site, terms []string) []siteRow {
	rows := make([]siteRow, len(sites))
	for i, s := range sites {
		rows[i].Site = s
		if s.Match != nil {
			rows[i].MatchHTML = highlight(s.Match.Snippet, s.Match.Signal, terms)
		}
	}
	return rows
}

func (p page) Can(role string) bool {
	r, err := ParseRole(role)
	return err == nil && p.Caller != nil && p.Caller.Role >= r
}

type errorView struct{ Title, Message string }

func (u *ui) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	p := page{Caller: callerOf(r.Context()), Data: data}
	if p.Caller != nil {
		p.CSRF = csrfToken(p.Caller.token)
		if idx := u.s.Index(); idx != nil {
			if st, err := idx.Stats(r.Context()); err == nil {
				p.Stats = &st
			}
		}
	}
	switch d := data.(type) {
	case errorView:
		p.Title = d.Title
	case *queueView:
		p.Title, p.Nav, p.Error = d.Heading, d.Nav, d.Error
	case *siteView:
		p.Title, p.Flash = d.Site.Site.Site, d.Flash
	case *familyView:
		p.Title, p.Nav = "Family "+d.Family, "families"
	case *auditView:
		p.Title, p.Nav = "Audit log", "audit"
	case *tokensView:
		p.Title, p.Nav, p.Flash, p.Error = "Tokens", "tokens", d.Flash, d.Error
	case *loginView:
		p.Title = "Sign in"
	}
	var buf bytes.Buffer
	t := u.pages[name]
	if t == nil {
		u.s.log.Error("investigate: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		u.s.log.Error("investigate: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (u *ui) error(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	u.render(w, r, status, "error", errorView{Title: title, Message: msg})
}

// -- sign in ---------------------------------------------------------------

type loginView struct {
	Next, Error string
}

func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (u *ui) loginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "login", &loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

func (u *ui) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		u.render(w, r, http.StatusBadRequest, "login", &loginView{Next: "/", Error: "The form could not be read."})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if _, ok := u.s.tokens.lookup(tok); !ok {
		u.s.authFailures.Add(1)
		u.render(w, r, http.StatusUnauthorized, "login", &loginView{Next: next, Error: "That token is unknown or was revoked."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: u.s.o.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionAge / time.Second)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *ui) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: u.s.o.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// -- the queue ---------------------------------------------------------------

type queueView struct {
	Heading, Nav, Error string
	Form                url.Values
	Query               readmodel.Query
	Rows                []siteRow
	Terms               []string
	Next, First, Export string
	ExportJSONL         string
	PageNo, From        int
	Took                string
	Sorts               []readmodel.SortField
	Classes             []string
	Labels              []readmodel.Label
}

func (v *queueView) Has(name, value string) bool {
	for _, s := range v.Form[name] {
		if slices.Contains(strings.Split(s, ","), value) {
			return true
		}
	}
	return false
}

func (v *queueView) Get(name string) string { return v.Form.Get(name) }

// views are the queue's tabs: each a set of filters.
var views = []struct{ Nav, Heading, Query string }{
	{"review", "To review", "flagged=true&label=none,needs-review"},
	{"flagged", "Flagged", "flagged=true"},
	{"confirmed", "Confirmed", "label=confirmed"},
	{"all", "All sites", "flagged=any"},
}

func (u *ui) queue(w http.ResponseWriter, r *http.Request) {
	form := r.URL.Query()
	if len(form) == 0 {
		http.Redirect(w, r, "/?"+views[0].Query, http.StatusSeeOther)
		return
	}
	v := &queueView{Heading: "Search", Nav: "search", Form: form, Sorts: readmodel.SortFields,
		Classes: readmodel.Classes, Labels: append([]readmodel.Label{readmodel.LabelNone}, readmodel.Labels...), PageNo: 1}
	clean := url.Values{}
	for k, vals := range form {
		if k == "p" {
			continue
		}
		for _, s := range vals {
			if strings.TrimSpace(s) != "" {
				clean.Add(k, s)
			}
		}
	}
	for _, vw := range views {
		if want, _ := url.ParseQuery(vw.Query); sameQuery(want, clean) {
			v.Heading, v.Nav = vw.Heading, vw.Nav
		}
	}
	if p, err := strconv.Atoi(form.Get("p")); err == nil && p > 1 {
		v.PageNo = p
	}
	q, aerr := parseQuery(form, "p")
	if aerr == nil {
		if q.Limit == 0 {
			q.Limit = 50
		}
		v.Query = q
		start := time.Now()
		res, err := u.s.Index().Search(r.Context(), q)
		v.Took = fmt.Sprintf("%.1f ms", float64(time.Since(start).Microseconds())/1000)
		if err != nil {
			if aerr = queryError(err); aerr == nil {
				u.s.fail(w, r, err)
				return
			}
		}
		v.Terms = readmodel.Tokens(q.Text, readmodel.MaxTerms)
		v.Rows = rowsOf(res.Sites, v.Terms)
		if res.NextCursor != "" {
			next := cloneValues(clean)
			next.Set("cursor", res.NextCursor)
			next.Set("p", strconv.Itoa(v.PageNo+1))
			v.Next = "/?" + next.Encode()
		}
	}
	v.From = (v.PageNo-1)*max(q.Limit, 1) + 1
	first := cloneValues(clean)
	first.Del("cursor")
	v.First = "/?" + first.Encode()
	exp := cloneValues(clean)
	exp.Del("cursor")
	exp.Del("limit")
	v.Export = "/export.csv?" + exp.Encode()
	v.ExportJSONL = "/export.jsonl?" + exp.Encode()
	status := http.StatusOK
	if aerr != nil {
		v.Error = aerr.Message
		status = aerr.Status
	}
	u.render(w, r, status, "queue", v)
}

func sameQuery(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		if strings.Join(av, ",") != strings.Join(b[k], ",") {
			return false
		}
	}
	return true
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

// -- one site ----------------------------------------------------------------

type siteView struct {
	Site     *SiteDetail
	Links    []linkGroup
	Flash    string
	Axes     []axisGroup
	Pages    []pageText
	Labels   []readmodel.Label
	Terms    []string
	Reviewer bool
	Next     string // the next site of the review queue
}

// linkGroup is what a site shares with one other site of its family.
type linkGroup struct {
	Site    string
	Reasons []readmodel.FamilyLink
}

type axisGroup struct {
	Axis     string
	Evidence []readmodel.Evidence
}

// pageText is what the evidence shows of one page: its snippets in order.
type pageText struct {
	URL      string
	Seen     time.Time
	Snippets []readmodel.Evidence
}

func (u *ui) site(w http.ResponseWriter, r *http.Request) {
	site, aerr := siteParam(r)
	if aerr != nil {
		u.error(w, r, aerr.Status, "Not a site name", aerr.Message)
		return
	}
	d, err := u.s.detail(r.Context(), site)
	if errors.Is(err, readmodel.ErrNotFound) {
		u.error(w, r, http.StatusNotFound, "No such site", "Trawl has no verdict for "+site+".")
		return
	}
	if err != nil {
		u.s.fail(w, r, err)
		return
	}
	v := &siteView{Site: d, Labels: readmodel.Labels, Reviewer: callerOf(r.Context()).Role >= RoleReviewer,
		Terms: readmodel.Tokens(r.URL.Query().Get("q"), readmodel.MaxTerms)}
	if done := r.URL.Query().Get("done"); done != "" {
		if l, err := readmodel.ParseLabel(done); err == nil {
			v.Flash = "Labelled " + labelText(l) + "."
			if r.URL.Query().Get("pending") != "" {
				v.Flash += " It is stored and will show here in a moment."
			}
		}
	}
	yes := true
	if next, err := u.s.Index().Search(r.Context(), readmodel.Query{Flagged: &yes,
		Labels: []readmodel.Label{readmodel.LabelNone, readmodel.LabelNeedsReview}, Limit: 2}); err == nil {
		for _, n := range next.Sites {
			if n.Site != site {
				v.Next = n.Site
				break
			}
		}
	}
	order := []string{"store", "russia", "piracy", "legit"}
	byAxis := make(map[string][]readmodel.Evidence)
	for _, e := range d.Evidence {
		if !slices.Contains(order, e.Axis) {
			order = append(order, e.Axis)
		}
		byAxis[e.Axis] = append(byAxis[e.Axis], e)
	}
	for _, a := range order {
		if len(byAxis[a]) > 0 {
			v.Axes = append(v.Axes, axisGroup{Axis: a, Evidence: byAxis[a]})
		}
	}
	for _, l := range d.FamilyLinks {
		i := slices.IndexFunc(v.Links, func(g linkGroup) bool { return g.Site == l.Site })
		if i < 0 {
			v.Links = append(v.Links, linkGroup{Site: l.Site})
			i = len(v.Links) - 1
		}
		v.Links[i].Reasons = append(v.Links[i].Reasons, l)
	}
	// The page text: each page's snippets, pages in the order of their
	// strongest evidence. Facts such as "host x.ru" are not page text.
	byURL := make(map[string]*pageText)
	var urls []string
	for _, e := range d.Evidence {
		if e.URL == "" || !strings.Contains(e.Snippet, "…") && len(e.Snippet) < 60 {
			continue
		}
		p := byURL[e.URL]
		if p == nil {
			p = &pageText{URL: e.URL, Seen: e.Seen}
			byURL[e.URL] = p
			urls = append(urls, e.URL)
		}
		if !slices.ContainsFunc(p.Snippets, func(x readmodel.Evidence) bool { return x.Snippet == e.Snippet }) {
			p.Snippets = append(p.Snippets, e)
		}
	}
	for _, u := range urls {
		v.Pages = append(v.Pages, *byURL[u])
	}
	u.render(w, r, http.StatusOK, "site", v)
}

func (u *ui) label(w http.ResponseWriter, r *http.Request) {
	site, aerr := siteParam(r)
	if aerr != nil {
		u.error(w, r, aerr.Status, "Not a site name", aerr.Message)
		return
	}
	ev, applied, err := u.s.label(r.Context(), callerOf(r.Context()), site, r.PostForm.Get("label"), r.PostForm.Get("note"))
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) || errors.As(queryError(err), &ae) {
			u.error(w, r, ae.Status, "The label was not stored", ae.Message)
			return
		}
		u.s.fail(w, r, err)
		return
	}
	dest := "/sites/" + url.PathEscape(site) + "?done=" + url.QueryEscape(string(ev.Label))
	if !applied {
		dest += "&pending=1"
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// -- family, audit, tokens --------------------------------------------------

type familyView struct {
	Family string
	Rows   []siteRow
	Shared []sharedValue
}

// sharedValue is one IP, analytics ID, payment account or template that
// sites of a family share.
type sharedValue struct {
	Reason, Value string
	Sites         []string
}

// shared groups a family's links by what they share.
func shared(links []readmodel.FamilyEdge) []sharedValue {
	var out []sharedValue
	for _, l := range links {
		i := slices.IndexFunc(out, func(v sharedValue) bool { return v.Reason == l.Reason && v.Value == l.Value })
		if i < 0 {
			out = append(out, sharedValue{Reason: l.Reason, Value: l.Value})
			i = len(out) - 1
		}
		for _, s := range []string{l.From, l.Site} {
			if !slices.Contains(out[i].Sites, s) {
				out[i].Sites = append(out[i].Sites, s)
			}
		}
	}
	for i := range out {
		slices.Sort(out[i].Sites)
	}
	slices.SortStableFunc(out, func(a, b sharedValue) int { return len(b.Sites) - len(a.Sites) })
	return out
}

func (u *ui) family(w http.ResponseWriter, r *http.Request) {
	fam := r.PathValue("family")
	sites, links, err := u.s.Index().Family(r.Context(), fam)
	if errors.Is(err, readmodel.ErrNotFound) || errors.Is(err, readmodel.ErrBadQuery) {
		u.error(w, r, http.StatusNotFound, "No such family", "No site belongs to the family "+strconv.Quote(fam)+".")
		return
	}
	if err != nil {
		u.s.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "family", &familyView{Family: fam, Rows: rowsOf(sites, nil), Shared: shared(links)})
}

type auditView struct {
	Entries []readmodel.AuditEntry
	Next    string
}

func (u *ui) audit(w http.ResponseWriter, r *http.Request) {
	entries, next, err := u.s.Index().Audit(r.Context(), r.URL.Query().Get("cursor"), 100)
	if err != nil {
		if ae := queryError(err); ae != nil {
			u.error(w, r, ae.Status, "Bad page", ae.Message)
			return
		}
		u.s.fail(w, r, err)
		return
	}
	v := &auditView{Entries: entries}
	if next != "" {
		v.Next = "/audit?cursor=" + url.QueryEscape(next)
	}
	u.render(w, r, http.StatusOK, "audit", v)
}

type tokensView struct {
	Tokens       []TokenInfo
	New          string
	NewInfo      TokenInfo
	Flash, Error string
	Roles        []Role
}

func (u *ui) tokensPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "tokens", &tokensView{Tokens: u.s.tokens.list(), Roles: []Role{RoleViewer, RoleReviewer, RoleAdmin}})
}

func (u *ui) createToken(w http.ResponseWriter, r *http.Request) {
	v := &tokensView{Roles: []Role{RoleViewer, RoleReviewer, RoleAdmin}}
	role, err := ParseRole(r.PostForm.Get("role"))
	if err == nil {
		err = validTokenName(r.PostForm.Get("name"))
	}
	status := http.StatusOK
	if err != nil {
		v.Error, status = err.Error(), http.StatusBadRequest
	} else {
		tok, info, err := u.s.tokens.create(r.Context(), r.PostForm.Get("name"), role, callerOf(r.Context()).Name, u.s.now())
		if err != nil {
			u.s.fail(w, r, err)
			return
		}
		u.s.log.Info("investigate: token created", "name", info.Name, "role", info.Role, "id", info.ID, "by", callerOf(r.Context()).Name)
		v.New, v.NewInfo = tok, info
		v.Flash = "Token created. Copy it now: it is not shown again."
	}
	v.Tokens = u.s.tokens.list()
	u.render(w, r, status, "tokens", v)
}

func (u *ui) revokeToken(w http.ResponseWriter, r *http.Request) {
	v := &tokensView{Roles: []Role{RoleViewer, RoleReviewer, RoleAdmin}}
	info, err := u.s.tokens.revoke(r.Context(), r.PathValue("id"))
	status := http.StatusOK
	switch {
	case errors.Is(err, errTokenNotFound):
		v.Error, status = "No stored token has that id.", http.StatusNotFound
	case err != nil:
		u.s.fail(w, r, err)
		return
	default:
		v.Flash = "Revoked the token " + info.Name + "."
		u.s.log.Info("investigate: token revoked", "name", info.Name, "id", info.ID, "by", callerOf(r.Context()).Name)
	}
	v.Tokens = u.s.tokens.list()
	u.render(w, r, status, "tokens", v)
}

// -- helpers -----------------------------------------------------------------

func withCaller(r *http.Request, c *caller) context.Context {
	return context.WithValue(r.Context(), ctxKey{}, c)
}

func labelText(l readmodel.Label) string {
	switch l {
	case readmodel.LabelConfirmed:
		return "Confirmed store"
	case readmodel.LabelFalsePositive:
		return "False positive"
	case readmodel.LabelNeedsReview:
		return "Needs review"
	case readmodel.LabelCleared:
		return "Cleared"
	case readmodel.LabelNone, "":
		return "Not labelled"
	}
	return string(l)
}

// signalDescriptions say in words what a signal means.
var signalDescriptions = map[string]string{
	"price.per_track_low":        "Per-track price far below licensed stores",
	"price.per_mb":               "Priced per megabyte, the AllofMP3 model",
	"price.album_low":            "Album price of a dollar or two",
	"price.small_amounts":        "Small amounts of money on the page",
	"billing.prepaid_balance":    "Prepaid balance to spend on downloads",
	"billing.topup_bonus":        "Bonus for topping up the balance",
	"format.picker":              "Choice of format and bitrate per order",
	"format.list":                "Lists audio formats",
	"format.on_demand":           "Encodes each order on demand",
	"format.drm_free":            "Advertises DRM-free files",
	"legal.roms":                 "Claims a ROMS licence",
	"legal.fair":                 "Claims a FAIR licence",
	"legal.russian_law":          "Claims legality under Russian law",
	"legal.license_number":       "Quotes a licence number",
	"legal.buyer_responsibility": "Makes the buyer responsible for legality abroad",
	"catalog.western_charts":     "Western charts and catalogue",
	"catalog.counter":            "Catalogue size counter",
	"ru.hosting":                 "Server hosted in Russia",
	"ru.cctld":                   "Russian country domain",
	"ru.payment":                 "Russian payment systems",
	"ru.language":                "Russian-language text",
	"ru.registrar":               "Russian registrar",
	"ru.currency":                "Prices in roubles",
	"piracy.torrent":             "Torrent tracker",
	"piracy.free_download":       "Free downloads",
	"piracy.file_host":           "Links to file hosts",
	"legit.standard_price":       "Standard licensed-store prices",
	"legit.subscription":         "Streaming subscription",
	"legit.label":                "Record label",
	"legit.radio":                "Radio station",
	"legit.news":                 "News site",
	"legit.press_mention":        "Press article about stores",
	"legit.hardware_shop":        "Sells players and hardware",
}

func sortName(f readmodel.SortField) string {
	switch f {
	case readmodel.SortStore, "":
		return "Store score"
	case readmodel.SortRussia:
		return "Russia score"
	case readmodel.SortHosting:
		return "Hosting score"
	case readmodel.SortContent:
		return "Content score"
	case readmodel.SortLastSeen:
		return "Last seen"
	case readmodel.SortFirstSeen:
		return "First seen"
	case readmodel.SortPages:
		return "Pages read"
	case readmodel.SortSite:
		return "Site name"
	}
	return string(f)
}

func signalText(name string) string {
	if d, ok := signalDescriptions[name]; ok {
		return d
	}
	return name
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.UTC().Format("2006-01-02")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
	return t.UTC().Format("2006-01-02")
}
