// Package http serves the classifier's verdicts over HTTP, as JSON:
//
//	GET /api/v1/sites?flagged=true&class=store&limit=100&cursor=…
//	    verdict summaries, highest store_score first, then by site name;
//	    next_cursor pages on
//	GET /api/v1/sites/{domain}
//	    one site's full verdict with its evidence, its family and the links
//	    that make it, and investigators' labels; a host name is mapped to
//	    its site (www.example.ru → example.ru)
//	GET /healthz, GET /readyz
//
// Errors are JSON too: {"error":{"code":"not_found","message":"…"}} with
// status 404, "bad_request" with 400, "internal" with 500.
package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"trawl.dev/classifier"
	"trawl.dev/proto"
)

// Options configure the handler; nil means defaults.
type Options struct {
	Logger *slog.Logger
	// Ready reports whether the service can serve; nil means always.
	Ready func() error
}

// NewHandler returns the API over the verdicts r reads.
func NewHandler(r classifier.VerdictReader, o *Options) http.Handler {
	if o == nil {
		o = &Options{}
	}
	h := &handler{r: r, log: o.Logger, ready: o.Ready}
	if h.log == nil {
		h.log = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/sites", h.list)
	mux.HandleFunc("GET /api/v1/sites/{domain}", h.one)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", h.readyz)
	return mux
}

type handler struct {
	r     classifier.VerdictReader
	log   *slog.Logger
	ready func() error
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	all, err := h.r.Summaries(r.Context())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	list, err := classifier.Select(all, q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func parseQuery(r *http.Request) (classifier.Query, error) {
	v := r.URL.Query()
	var q classifier.Query
	if s := v.Get("flagged"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, errors.New("flagged must be true or false, got " + strconv.Quote(s))
		}
		q.Flagged = &b
	}
	if s := v.Get("class"); s != "" {
		c, err := classifier.ParseClass(s)
		if err != nil {
			return q, err
		}
		q.Class = c
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > classifier.MaxLimit {
			return q, errors.New("limit must be a number from 1 to " + strconv.Itoa(classifier.MaxLimit) + ", got " + strconv.Quote(s))
		}
		q.Limit = n
	}
	q.Cursor = v.Get("cursor")
	return q, nil
}

func (h *handler) one(w http.ResponseWriter, r *http.Request) {
	domain := classifier.NormalizeSite(r.PathValue("domain"))
	if !validDomain(domain) {
		writeError(w, http.StatusBadRequest, "bad_request", "not a domain name: "+strconv.Quote(r.PathValue("domain")))
		return
	}
	site := proto.Site(domain)
	v, err := h.r.Verdict(r.Context(), site)
	if errors.Is(err, classifier.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no verdict for site "+site)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// validDomain accepts host names (letters of any script, digits, hyphens,
// dots) and IP addresses, up to 253 characters.
func validDomain(s string) bool {
	if s == "" || len(s) > 253 || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r == '.' || r == '-' || r == ':' || r == '_':
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z':
		case r > 127 && r != 0xfffd:
		default:
			return false
		}
	}
	return true
}

func (h *handler) readyz(w http.ResponseWriter, _ *http.Request) {
	if h.ready != nil {
		if err := h.ready(); err != nil {
			writeError(w, http.StatusServiceUnavailable, "not_ready", err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (h *handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("classifier http: request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error")
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
