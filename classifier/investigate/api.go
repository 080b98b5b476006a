package investigate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gproto "google.golang.org/protobuf/proto"

	"trawl.dev/classifier/readmodel"
	"trawl.dev/proto"
)

// maxBody is the largest request body accepted.
const maxBody = 16 << 10

type ctxKey struct{}

// caller is who made a request.
type caller struct {
	TokenInfo
	token string
}

func callerOf(ctx context.Context) *caller {
	c, _ := ctx.Value(ctxKey{}).(*caller)
	return c
}

// methods maps HTTP methods to handlers and the least role each needs.
type methods map[string]struct {
	role Role
	h    http.HandlerFunc
}

// api wraps the methods of one API path: it authenticates the bearer token
// first (so nothing, not even whether a path exists, is told to a caller
// without one), then checks the method and the role.
func (s *Server) api(m methods) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, aerr := s.authenticate(r)
		if aerr != nil {
			s.authFailures.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer realm="trawl"`)
			writeError(w, aerr)
			return
		}
		h, ok := m[r.Method]
		if !ok && r.Method == http.MethodHead {
			h, ok = m[http.MethodGet]
		}
		if !ok {
			allow := make([]string, 0, len(m))
			for k := range m {
				allow = append(allow, k)
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, &apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
				Message: r.Method + " is not allowed on " + r.URL.Path})
			return
		}
		if c.Role < h.role {
			writeError(w, &apiError{Status: http.StatusForbidden, Code: CodeForbidden,
				Message: fmt.Sprintf("token %q has role %s; %s %s needs %s", c.Name, c.Role, r.Method, r.URL.Path, h.role)})
			return
		}
		h.h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)))
	}
}

// authenticate reads the bearer token of a request.
func (s *Server) authenticate(r *http.Request) (*caller, *apiError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, &apiError{Status: http.StatusUnauthorized, Code: CodeMissingToken,
			Message: "send a token: Authorization: Bearer <token>"}
	}
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, &apiError{Status: http.StatusUnauthorized, Code: CodeMissingToken,
			Message: "the Authorization header must be: Bearer <token>"}
	}
	tok = strings.TrimSpace(tok)
	info, ok := s.tokens.lookup(tok)
	if !ok {
		return nil, &apiError{Status: http.StatusUnauthorized, Code: CodeInvalidToken, Message: "unknown or revoked token"}
	}
	return &caller{TokenInfo: info, token: tok}, nil
}

func (s *Server) routeAPI(mux *http.ServeMux) {
	mux.Handle("/api/v1/sites", s.api(methods{"GET": {RoleViewer, s.apiSearch}}))
	mux.Handle("/api/v1/sites/{site}", s.api(methods{"GET": {RoleViewer, s.apiSite}}))
	mux.Handle("/api/v1/sites/{site}/pivots", s.api(methods{"GET": {RoleViewer, s.apiPivots}}))
	mux.Handle("/api/v1/sites/{site}/labels", s.api(methods{
		"GET":  {RoleViewer, s.apiLabels},
		"POST": {RoleReviewer, s.apiLabel},
	}))
	mux.Handle("/api/v1/families/{family}", s.api(methods{"GET": {RoleViewer, s.apiFamily}}))
	mux.Handle("/api/v1/export.csv", s.api(methods{"GET": {RoleViewer, s.exportHandler(formatCSV)}}))
	mux.Handle("/api/v1/export.jsonl", s.api(methods{"GET": {RoleViewer, s.exportHandler(formatJSONL)}}))
	mux.Handle("/api/v1/stats", s.api(methods{"GET": {RoleViewer, s.apiStats}}))
	mux.Handle("/api/v1/whoami", s.api(methods{"GET": {RoleViewer, s.apiWhoami}}))
	// Prometheus scrapes with a bearer token too.
	mux.Handle("/metrics", s.api(methods{"GET": {RoleViewer, s.metricsHandler()}}))
	mux.Handle("/api/v1/audit", s.api(methods{"GET": {RoleAdmin, s.apiAudit}}))
	mux.Handle("/api/v1/tokens", s.api(methods{
		"GET":  {RoleAdmin, s.apiTokens},
		"POST": {RoleAdmin, s.apiCreateToken},
	}))
	mux.Handle("/api/v1/tokens/{id}", s.api(methods{"DELETE": {RoleAdmin, s.apiRevokeToken}}))
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no such endpoint: " + r.URL.Path})
	}
	mux.Handle("/api/", s.api(methods{"GET": {RoleViewer, notFound}, "POST": {RoleViewer, notFound},
		"PUT": {RoleViewer, notFound}, "DELETE": {RoleViewer, notFound}, "PATCH": {RoleViewer, notFound}}))
}

// index returns the read model, or answers 503 when it is not open.
func (s *Server) index(w http.ResponseWriter) *readmodel.Index {
	idx := s.Index()
	if idx == nil {
		writeError(w, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotReady, Message: "the read model is not open"})
	}
	return idx
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if aerr := queryError(err); aerr != nil {
		writeError(w, aerr)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("investigate: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, &apiError{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error"})
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q, aerr := parseQuery(r.URL.Query())
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	idx := s.index(w)
	if idx == nil {
		return
	}
	start := time.Now()
	page, err := idx.Search(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		readmodel.Page
		TookMs float64 `json:"took_ms"`
	}{page, float64(time.Since(start).Microseconds()) / 1000})
}

// siteParam reads the {site} of a path: a site or any host name of it.
func siteParam(r *http.Request) (string, *apiError) {
	raw := r.PathValue("site")
	host := readmodel.NormalizeSite(raw)
	if !readmodel.ValidSite(host) {
		return "", badRequest(fmt.Sprintf("not a site name: %q", raw))
	}
	return proto.Site(host), nil
}

// SiteDetail is one site with everything known about it and its pivots.
type SiteDetail struct {
	*readmodel.Detail
	Pivots []readmodel.Pivot `json:"pivots"`
}

func (s *Server) detail(ctx context.Context, site string) (*SiteDetail, error) {
	idx := s.Index()
	if idx == nil {
		return nil, errors.New("the read model is not open")
	}
	d, err := idx.Detail(ctx, site)
	if err != nil {
		return nil, err
	}
	pivots, err := idx.Pivots(ctx, site, 20)
	if err != nil {
		return nil, err
	}
	return &SiteDetail{Detail: d, Pivots: pivots}, nil
}

func (s *Server) apiSite(w http.ResponseWriter, r *http.Request) {
	site, aerr := siteParam(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	d, err := s.detail(r.Context(), site)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiPivots(w http.ResponseWriter, r *http.Request) {
	site, aerr := siteParam(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > readmodel.MaxLimit {
			writeError(w, badRequest(fmt.Sprintf("limit must be a number from 1 to %d, got %q", readmodel.MaxLimit, v)))
			return
		}
		limit = n
	}
	idx := s.index(w)
	if idx == nil {
		return
	}
	p, err := idx.Pivots(r.Context(), site, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "pivots": p})
}

func (s *Server) apiLabels(w http.ResponseWriter, r *http.Request) {
	site, aerr := siteParam(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	idx := s.index(w)
	if idx == nil {
		return
	}
	d, err := idx.Detail(r.Context(), site)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "label": d.Label, "labels": d.Labels})
}

// LabelRequest is the body of POST /api/v1/sites/{site}/labels.
type LabelRequest struct {
	Label string `json:"label"`
	Note  string `json:"note"`
}

func (s *Server) apiLabel(w http.ResponseWriter, r *http.Request) {
	site, aerr := siteParam(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req LabelRequest
	if aerr := readJSON(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	ev, applied, err := s.label(r.Context(), callerOf(r.Context()), site, req.Label, req.Note)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			writeError(w, ae)
			return
		}
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !applied {
		status = http.StatusAccepted
	}
	writeJSON(w, status, map[string]any{"label": ev, "applied": applied})
}

// label publishes a label event to LABELS and waits (up to LabelWait) for
// the read model to apply it; applied tells whether it did.
func (s *Server) label(ctx context.Context, c *caller, site, label, note string) (*readmodel.LabelEvent, bool, error) {
	l, err := readmodel.ParseLabel(strings.TrimSpace(label))
	if err != nil {
		return nil, false, &apiError{Status: http.StatusBadRequest, Code: CodeInvalidLabel,
			Message: fmt.Sprintf("label %q: want confirmed, false-positive, needs-review or cleared", label)}
	}
	idx := s.Index()
	if idx == nil {
		return nil, false, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotReady, Message: "the read model is not open"}
	}
	if _, err := idx.Detail(ctx, site); err != nil {
		return nil, false, err
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	ev := &readmodel.LabelEvent{ID: hex.EncodeToString(id), Site: site, Label: l, Reviewer: c.Name,
		Note: strings.TrimSpace(note), At: s.now().UTC()}
	if err := ev.Validate(); err != nil {
		return nil, false, badRequest(trimPrefixes(err.Error()))
	}
	data, err := gproto.Marshal(readmodel.LabelToProto(ev))
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	js := s.js
	s.mu.Unlock()
	msg := &nats.Msg{Subject: proto.LabelSubject(site), Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, proto.MsgID("label", ev.ID))
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return nil, false, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotReady,
			Message: "the label could not be stored: " + err.Error()}
	}
	s.labels.Add(1)
	s.log.Info("investigate: label", "site", site, "label", l, "reviewer", c.Name, "token", c.ID, "id", ev.ID, "seq", ack.Sequence)
	wctx, cancel := context.WithTimeout(ctx, s.o.LabelWait)
	defer cancel()
	return ev, idx.WaitApplied(wctx, proto.StreamLabels, ack.Sequence) == nil, nil
}

func (s *Server) apiFamily(w http.ResponseWriter, r *http.Request) {
	idx := s.index(w)
	if idx == nil {
		return
	}
	fam := r.PathValue("family")
	members, edges, err := idx.Family(r.Context(), fam)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"family": fam, "sites": members, "links": edges})
}

func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	idx := s.index(w)
	if idx == nil {
		return
	}
	st, err := idx.Stats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiWhoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, callerOf(r.Context()).TokenInfo)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for k := range v {
		if k != "cursor" && k != "limit" {
			writeError(w, badRequest(fmt.Sprintf("unknown parameter %q", k)))
			return
		}
	}
	limit := 100
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > readmodel.MaxLimit {
			writeError(w, badRequest(fmt.Sprintf("limit must be a number from 1 to %d, got %q", readmodel.MaxLimit, l)))
			return
		}
		limit = n
	}
	idx := s.index(w)
	if idx == nil {
		return
	}
	entries, next, err := idx.Audit(r.Context(), v.Get("cursor"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries, "next_cursor": next})
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"tokens": s.tokens.list()})
}

// TokenRequest is the body of POST /api/v1/tokens.
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if aerr := readJSON(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	role, err := ParseRole(req.Role)
	if err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	if err := validTokenName(req.Name); err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	c := callerOf(r.Context())
	tok, info, err := s.tokens.create(r.Context(), req.Name, role, c.Name, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("investigate: token created", "name", info.Name, "role", info.Role, "id", info.ID, "by", c.Name)
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "info": info})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	info, err := s.tokens.revoke(r.Context(), r.PathValue("id"))
	if errors.Is(err, errTokenNotFound) {
		writeError(w, &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no stored token with id " + strconv.Quote(r.PathValue("id"))})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("investigate: token revoked", "name", info.Name, "id", info.ID, "by", callerOf(r.Context()).Name)
	writeJSON(w, http.StatusOK, map[string]any{"revoked": info})
}

// readJSON decodes a JSON body of at most maxBody bytes into v, rejecting
// other content types, unknown fields and trailing data.
func readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/json" {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedType,
			Message: "send the body as Content-Type: application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge,
				Message: fmt.Sprintf("the body is larger than %d bytes", maxBody)}
		}
		if errors.Is(err, io.EOF) {
			return badRequest("the body is empty; send a JSON object")
		}
		return badRequest("the body is not valid JSON for this request: " + err.Error())
	}
	if dec.More() {
		return badRequest("the body has data after the JSON object")
	}
	return nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, map[string]*apiError{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
