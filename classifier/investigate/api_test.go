package investigate_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"trawl.dev/classifier/investigate"
	"trawl.dev/classifier/readmodel"
)

// endpoint is one route of the API or the web UI.
type endpoint struct {
	method, path, body string
	ui                 bool
}

func endpoints(site string) []endpoint {
	label := `{"label":"confirmed","note":"x"}`
	return []endpoint{
		{"GET", "/api/v1/sites?flagged=true", "", false},
		{"GET", "/api/v1/sites/" + site, "", false},
		{"GET", "/api/v1/sites/" + site + "/pivots", "", false},
		{"GET", "/api/v1/sites/" + site + "/labels", "", false},
		{"POST", "/api/v1/sites/" + site + "/labels", label, false},
		{"GET", "/api/v1/families/fam-0000", "", false},
		{"GET", "/api/v1/export.csv", "", false},
		{"GET", "/api/v1/export.jsonl", "", false},
		{"GET", "/api/v1/stats", "", false},
		{"GET", "/api/v1/whoami", "", false},
		{"GET", "/metrics", "", false},
		{"GET", "/api/v1/audit", "", false},
		{"GET", "/api/v1/tokens", "", false},
		{"POST", "/api/v1/tokens", `{"name":"x","role":"viewer"}`, false},
		{"DELETE", "/api/v1/tokens/0123456789ab", "", false},
		{"GET", "/api/v1/no-such-endpoint", "", false},
		{"GET", "/?flagged=true", "", true},
		{"GET", "/sites/" + site, "", true},
		{"POST", "/sites/" + site + "/label", "label=confirmed", true},
		{"GET", "/families/fam-0000", "", true},
		{"GET", "/audit", "", true},
		{"GET", "/tokens", "", true},
		{"POST", "/tokens", "name=x&role=viewer", true},
		{"POST", "/tokens/0123456789ab/revoke", "", true},
		{"GET", "/export.csv?flagged=true", "", true},
		{"GET", "/export.jsonl", "", true},
		{"GET", "/no-such-page", "", true},
	}
}

func TestEveryEndpointRejectsAMissingOrWrongToken(t *testing.T) {
	e := startEnv(t, 60)
	site := e.flagged()[0].Site
	for _, ep := range endpoints(site) {
		for _, tok := range []struct{ name, token, code string }{
			{"no token", "", investigate.CodeMissingToken},
			{"wrong token", "trawl_not-a-token-at-all", investigate.CodeInvalidToken},
		} {
			t.Run(fmt.Sprintf("%s %s, %s", ep.method, ep.path, tok.name), func(t *testing.T) {
				if ep.ui {
					req, _ := http.NewRequest(ep.method, e.url+ep.path, strings.NewReader(ep.body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					if tok.token != "" {
						req.AddCookie(&http.Cookie{Name: "trawl_session", Value: tok.token})
					}
					resp, err := noRedirect.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
						t.Fatalf("got %d to %q, want 303 to the sign-in page", resp.StatusCode, loc)
					}
					return
				}
				ct := ""
				if ep.body != "" {
					ct = "application/json"
				}
				resp := e.do(t, ep.method, ep.path, tok.token, ct, ep.body)
				got := decode[apiErr](t, resp)
				if resp.StatusCode != http.StatusUnauthorized || got.Error.Code != tok.code {
					t.Fatalf("got %d %q, want 401 %q", resp.StatusCode, got.Error.Code, tok.code)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Fatalf("401 without WWW-Authenticate")
				}
			})
		}
	}
	// Health stays open.
	for _, p := range []string{"/healthz", "/readyz", "/login", "/static/app.css"} {
		if resp := e.do(t, "GET", p, "", "", ""); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a token: got %d, want 200", p, resp.StatusCode)
		}
	}
}

func TestRolesLimitWhatATokenMayDo(t *testing.T) {
	e := startEnv(t, 60)
	site := e.flagged()[0].Site
	tests := []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"viewer cannot label", "POST", "/api/v1/sites/" + site + "/labels", viewerToken, `{"label":"confirmed"}`, 403},
		{"viewer cannot read the audit log", "GET", "/api/v1/audit", viewerToken, "", 403},
		{"reviewer cannot list tokens", "GET", "/api/v1/tokens", reviewerToken, "", 403},
		{"reviewer cannot create tokens", "POST", "/api/v1/tokens", reviewerToken, `{"name":"x","role":"admin"}`, 403},
		{"viewer can search", "GET", "/api/v1/sites", viewerToken, "", 200},
		{"viewer can export", "GET", "/api/v1/export.csv", viewerToken, "", 200},
		{"viewer can read the metrics", "GET", "/metrics", viewerToken, "", 200},
		{"reviewer can label", "POST", "/api/v1/sites/" + site + "/labels", reviewerToken, `{"label":"needs-review"}`, 201},
		{"admin can read the audit log", "GET", "/api/v1/audit", adminToken, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			resp := e.do(t, tt.method, tt.path, tt.token, ct, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("got %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 403 {
				if got := decode[apiErr](t, resp); got.Error.Code != investigate.CodeForbidden || !strings.Contains(got.Error.Message, "role") {
					t.Fatalf("got %+v, want code forbidden naming the role", got.Error)
				}
			}
		})
	}
	// The web UI's label form refuses a viewer too.
	req, _ := http.NewRequest("POST", e.url+"/sites/"+site+"/label", strings.NewReader("label=confirmed"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "trawl_session", Value: viewerToken})
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer posting the label form: got %d, want 403", resp.StatusCode)
	}
}

func TestBadInputGetsA4xxWithAClearMessage(t *testing.T) {
	e := startEnv(t, 60)
	site := e.flagged()[0].Site
	labels := "/api/v1/sites/" + site + "/labels"
	page := decode[readmodel.Page](t, e.do(t, "GET", "/api/v1/sites?limit=2", viewerToken, "", ""))
	tests := []struct {
		name, method, path, ct, body string
		status                       int
		code, says                   string
	}{
		{"oversized body", "POST", labels, "application/json", `{"label":"confirmed","note":"` + strings.Repeat("x", 20000) + `"}`, 413, investigate.CodeTooLarge, "larger than"},
		{"malformed JSON", "POST", labels, "application/json", `{"label":`, 400, investigate.CodeBadRequest, "not valid JSON"},
		{"empty body", "POST", labels, "application/json", ``, 400, investigate.CodeBadRequest, "empty"},
		{"not JSON", "POST", labels, "text/plain", `label=confirmed`, 415, investigate.CodeUnsupportedType, "application/json"},
		{"unknown field", "POST", labels, "application/json", `{"label":"confirmed","verdict":"guilty"}`, 400, investigate.CodeBadRequest, "verdict"},
		{"two objects", "POST", labels, "application/json", `{"label":"confirmed"} {}`, 400, investigate.CodeBadRequest, "after the JSON"},
		{"unknown label", "POST", labels, "application/json", `{"label":"guilty"}`, 400, investigate.CodeInvalidLabel, "confirmed, false-positive"},
		{"note too long", "POST", labels, "application/json", `{"label":"confirmed","note":"` + strings.Repeat("я", 2100) + `"}`, 400, investigate.CodeBadRequest, "at most 2000"},
		{"unknown site", "POST", "/api/v1/sites/nowhere.example/labels", "application/json", `{"label":"confirmed"}`, 404, investigate.CodeNotFound, "nowhere.example"},
		{"not a site name", "GET", "/api/v1/sites/" + url.PathEscape("a b<c>"), "", "", 400, investigate.CodeBadRequest, "not a site name"},
		{"limit zero", "GET", "/api/v1/sites?limit=0", "", "", 400, investigate.CodeBadRequest, "limit must be"},
		{"limit huge", "GET", "/api/v1/sites?limit=100000", "", "", 400, investigate.CodeBadRequest, "limit must be"},
		{"unknown parameter", "GET", "/api/v1/sites?flaged=true", "", "", 400, investigate.CodeBadRequest, `"flaged"`},
		{"score out of range", "GET", "/api/v1/sites?min_store=7", "", "", 400, investigate.CodeBadRequest, "min_store"},
		{"bad date", "GET", "/api/v1/sites?last_seen_after=yesterday", "", "", 400, investigate.CodeBadRequest, "last_seen_after"},
		{"bad sort", "GET", "/api/v1/sites?sort=price", "", "", 400, investigate.CodeBadRequest, "cannot sort by"},
		{"bad class", "GET", "/api/v1/sites?class=shop", "", "", 400, investigate.CodeBadRequest, "unknown class"},
		{"bad country", "GET", "/api/v1/sites?country=Russia", "", "", 400, investigate.CodeBadRequest, "two-letter"},
		{"garbage cursor", "GET", "/api/v1/sites?cursor=xyz", "", "", 400, investigate.CodeBadCursor, "cursor"},
		{"cursor of another sort", "GET", "/api/v1/sites?sort=site&cursor=" + url.QueryEscape(page.NextCursor), "", "", 400, investigate.CodeBadCursor, "sorted by"},
		{"huge query string", "GET", "/api/v1/sites?q=" + strings.Repeat("a", 5000), "", "", 414, investigate.CodeTooLarge, "query string"},
		{"value too long", "GET", "/api/v1/sites?q=" + strings.Repeat("a", 300), "", "", 400, investigate.CodeBadRequest, "bytes long"},
		{"text without words", "GET", "/api/v1/sites?q=%2A%2A", "", "", 400, investigate.CodeBadRequest, "no word"},
		{"csv with evidence", "GET", "/api/v1/export.csv?evidence=true", "", "", 400, investigate.CodeBadRequest, "JSON lines"},
		{"wrong method", "PUT", "/api/v1/sites", "", "", 405, investigate.CodeMethodNotAllowed, "PUT"},
		{"unknown endpoint", "GET", "/api/v1/nothing", "", "", 404, investigate.CodeNotFound, "no such endpoint"},
		{"unknown family", "GET", "/api/v1/families/fam-none", "", "", 404, investigate.CodeNotFound, "fam-none"},
		{"bad token role", "POST", "/api/v1/tokens", "application/json", `{"name":"x","role":"root"}`, 400, investigate.CodeBadRequest, "unknown role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(t, tt.method, tt.path, adminToken, tt.ct, tt.body)
			got := decode[apiErr](t, resp)
			if resp.StatusCode != tt.status || got.Error.Code != tt.code || !strings.Contains(got.Error.Message, tt.says) {
				t.Fatalf("got %d %q %q, want %d %q saying %q", resp.StatusCode, got.Error.Code, got.Error.Message, tt.status, tt.code, tt.says)
			}
		})
	}
}

func TestLabelSearchAuditAndExport(t *testing.T) {
	e := startEnv(t, 400)
	flagged := e.flagged()
	site := flagged[0].Site
	resp := e.do(t, "POST", "/api/v1/sites/www."+site+"/labels", reviewerToken, "application/json",
		`{"label":"confirmed","note":"per-track prices, ROMS claim"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("label: got %d, want 201 (applied)", resp.StatusCode)
	}
	d := decode[investigate.SiteDetail](t, e.do(t, "GET", "/api/v1/sites/"+site, viewerToken, "", ""))
	if d.Label == nil || d.Label.Label != readmodel.LabelConfirmed || d.Label.Reviewer != "rita" || d.Label.Note != "per-track prices, ROMS claim" {
		t.Fatalf("site after labelling: got label %+v, want confirmed by rita with the note", d.Label)
	}
	if len(d.Evidence) == 0 || len(d.History) == 0 || len(d.Pivots) == 0 {
		t.Fatalf("site detail: got %d evidence, %d history, %d pivots; want some of each", len(d.Evidence), len(d.History), len(d.Pivots))
	}
	page := decode[readmodel.Page](t, e.do(t, "GET", "/api/v1/sites?label=confirmed", viewerToken, "", ""))
	if len(page.Sites) != 1 || page.Sites[0].Site != site {
		t.Fatalf("search label=confirmed: got %d sites, want just %s", len(page.Sites), site)
	}
	audit := decode[struct {
		Entries []readmodel.AuditEntry `json:"entries"`
	}](t, e.do(t, "GET", "/api/v1/audit", adminToken, "", ""))
	if len(audit.Entries) != 1 || audit.Entries[0].Site != site || audit.Entries[0].Reviewer != "rita" {
		t.Fatalf("audit: got %+v, want one entry for %s by rita", audit.Entries, site)
	}

	// Paging through the API lists what the export lists.
	var listed []string
	q := url.Values{"flagged": {"true"}, "limit": {"7"}, "sort": {"last_seen"}}
	for {
		p := decode[readmodel.Page](t, e.do(t, "GET", "/api/v1/sites?"+q.Encode(), viewerToken, "", ""))
		for _, s := range p.Sites {
			listed = append(listed, s.Site)
		}
		if p.NextCursor == "" {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	resp = e.do(t, "GET", "/api/v1/export.csv?flagged=true&sort=last_seen", viewerToken, "", "")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("export content type: got %q", ct)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], investigate.CSVHeader) {
		t.Fatalf("csv header: got %q", recs[0])
	}
	var exported []string
	for _, r := range recs[1:] {
		exported = append(exported, r[0])
	}
	if len(listed) != len(flagged) || !slices.Equal(exported, listed) {
		t.Fatalf("export: got %d sites, paging got %d, want both %d in the same order", len(exported), len(listed), len(flagged))
	}
	resp = e.do(t, "GET", "/api/v1/export.jsonl?flagged=true&evidence=true", viewerToken, "", "")
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		var row struct {
			Site     string               `json:"site"`
			Evidence []readmodel.Evidence `json:"evidence"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil || row.Site == "" || len(row.Evidence) == 0 {
			t.Fatalf("jsonl line %d: %v %.200s", lines+1, err, sc.Bytes())
		}
		lines++
	}
	if lines != len(flagged) {
		t.Fatalf("jsonl export: got %d lines, want %d", lines, len(flagged))
	}
}

func TestTokensCreateAndRevoke(t *testing.T) {
	e := startEnv(t, 10)
	if e.srv.AdminToken() == "" {
		t.Fatal("no admin token was created")
	}
	if resp := e.do(t, "GET", "/api/v1/whoami", e.srv.AdminToken(), "", ""); resp.StatusCode != 200 {
		t.Fatalf("the created admin token: got %d, want 200", resp.StatusCode)
	}
	created := decode[struct {
		Token string                `json:"token"`
		Info  investigate.TokenInfo `json:"info"`
	}](t, e.do(t, "POST", "/api/v1/tokens", adminToken, "application/json", `{"name":"lawyer","role":"viewer"}`))
	who := decode[investigate.TokenInfo](t, e.do(t, "GET", "/api/v1/whoami", created.Token, "", ""))
	if who.Name != "lawyer" || who.Role != investigate.RoleViewer {
		t.Fatalf("whoami with the new token: got %+v", who)
	}
	list := decode[struct {
		Tokens []investigate.TokenInfo `json:"tokens"`
	}](t, e.do(t, "GET", "/api/v1/tokens", adminToken, "", ""))
	for _, ti := range list.Tokens {
		if strings.Contains(fmt.Sprint(ti), created.Token) {
			t.Fatalf("the token list reveals a token")
		}
	}
	if resp := e.do(t, "DELETE", "/api/v1/tokens/"+created.Info.ID, adminToken, "", ""); resp.StatusCode != 200 {
		t.Fatalf("revoke: got %d", resp.StatusCode)
	}
	if resp := e.do(t, "GET", "/api/v1/whoami", created.Token, "", ""); resp.StatusCode != 401 {
		t.Fatalf("a revoked token: got %d, want 401", resp.StatusCode)
	}
}
