package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

	"trawl.dev/classifier/investigate"
	"trawl.dev/classifier/readmodel"
	"trawl.dev/proto/natsconn"
)

func init() {
	commands["investigate"] = command{"serve the investigators' API and web UI from a read model of the verdicts", investigateCommand}
	commands["sites"] = command{"search the sites (as the web UI's queue does); --format table|csv|jsonl", sitesCommand}
	commands["label"] = command{"label a site: classifier label SITE confirmed|false-positive|needs-review|cleared", labelCommand}
}

func invEnv(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// investigateCommand is "classifier investigate": the API and web UI server.
func investigateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier investigate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defReplicas, err := strconv.Atoi(invEnv("TRAWL_REPLICAS", "0"))
	if err != nil {
		fmt.Fprintf(stderr, "classifier investigate: TRAWL_REPLICAS=%q is not a number\n", os.Getenv("TRAWL_REPLICAS"))
		return 2
	}
	var (
		data     = fs.String("data", invEnv("TRAWL_DATA", "data"), "data directory; the read model goes in <data>/investigate (TRAWL_DATA)")
		addr     = fs.String("http", invEnv("TRAWL_INVESTIGATE_HTTP", "127.0.0.1:8090"), "address of the API and web UI (TRAWL_INVESTIGATE_HTTP)")
		rebuild  = fs.Bool("rebuild", false, "build the read model again from the VERDICTS and LABELS streams")
		admin    = fs.Bool("create-admin-token", false, "create an admin token and print it (e.g. for the first start)")
		replicas = fs.Int("replicas", defReplicas, "stream and token-bucket replicas (3 on a cluster); 0 keeps what the cluster has, 1 for a new stream (TRAWL_REPLICAS)")
		secure   = fs.Bool("secure-cookies", false, "mark the session cookie Secure (behind a TLS proxy)")
		logLevel = fs.String("log-level", invEnv("TRAWL_LOG_LEVEL", "info"), "debug, info, warn or error (TRAWL_LOG_LEVEL)")
	)
	natsOpts := natsconn.Flags(fs, nats.DefaultURL)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "classifier investigate: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "classifier investigate: --log-level %q: want debug, info, warn or error\n", *logLevel)
		return 2
	}
	if *replicas < 0 {
		fmt.Fprintln(stderr, "classifier investigate: --replicas must not be negative")
		return 2
	}
	if err := natsOpts.Validate(); err != nil {
		fmt.Fprintf(stderr, "classifier investigate: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	nc, err := natsconn.Connect(natsOpts, "trawl-investigate", log)
	if err != nil {
		log.Error("investigate: connect to NATS", "err", err)
		return 1
	}
	defer nc.Close()
	srv, err := investigate.New(nc, investigate.Options{DataDir: *data, Addr: *addr, Rebuild: *rebuild,
		CreateAdminToken: *admin, Replicas: *replicas, Secure: *secure, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "classifier investigate: %v\n", err)
		return 2
	}
	go func() {
		select {
		case <-srv.Started():
			fmt.Fprintf(stdout, "investigate: web UI and API on http://%s/\n", srv.Addr())
			if tok := srv.AdminToken(); tok != "" {
				fmt.Fprintf(stdout, "investigate: admin token (shown once): %s\n", tok)
			}
		case <-ctx.Done():
		}
	}()
	if err := srv.Run(ctx); err != nil {
		log.Error("investigate: stopped with an error", "err", err)
		return 1
	}
	return 0
}

// apiFlags are the flags every API client command has.
type apiFlags struct {
	api, token string
}

func (a *apiFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.api, "api", invEnv("TRAWL_API", "http://127.0.0.1:8090"), "URL of the investigators' API (TRAWL_API)")
	fs.StringVar(&a.token, "token", invEnv("TRAWL_TOKEN", ""), "API token (TRAWL_TOKEN)")
}

func (a *apiFlags) check(cmd string, stderr io.Writer) bool {
	if a.token == "" {
		fmt.Fprintf(stderr, "%s: no token: pass --token or set TRAWL_TOKEN\n", cmd)
		return false
	}
	if u, err := url.Parse(a.api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "%s: --api %q: want a URL such as http://127.0.0.1:8090\n", cmd, a.api)
		return false
	}
	return true
}

// call sends a request to the API and returns the response when its status
// is 2xx; otherwise it returns the API's error message.
func (a *apiFlags) call(ctx context.Context, method, path string, query url.Values, body any) (*http.Response, error) {
	u := strings.TrimSuffix(a.api, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
		return nil, fmt.Errorf("%s (%d %s)", e.Error.Message, resp.StatusCode, e.Error.Code)
	}
	return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
}

// sitesCommand is "classifier sites": a search through the API.
func sitesCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier sites", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a apiFlags
	a.register(fs)
	format := fs.String("format", "table", "table, csv or jsonl")
	limit := fs.Int("limit", -1, "most sites to print; 0 prints all (default 50 for a table, all for csv and jsonl)")
	evidence := fs.Bool("evidence", false, "with --format jsonl: include each site's evidence")
	// The filters are the API's query parameters, with dashes.
	params := []struct{ flag, param, usage string }{
		{"q", "q", "free text over the evidence: every word must start a word there"},
		{"class", "class", "store, piracy-other, music-legit, other (comma-separated)"},
		{"flagged", "flagged", "true, false or any"},
		{"label", "label", "confirmed, false-positive, needs-review, cleared or none (comma-separated)"},
		{"country", "country", "hosting country codes, e.g. RU,UA"},
		{"asn", "asn", "networks, e.g. AS12389"},
		{"tld", "tld", "top-level domains, e.g. ru,su"},
		{"family", "family", "family ID"},
		{"ip", "ip", "sites on this IP address"},
		{"tracker", "tracker", "sites with this analytics ID"},
		{"min-store", "min_store", "lowest store score, 0-1"},
		{"max-store", "max_store", "highest store score, 0-1"},
		{"min-russia", "min_russia", "lowest Russia score, 0-1"},
		{"max-russia", "max_russia", "highest Russia score, 0-1"},
		{"min-hosting", "min_hosting", "lowest hosting score, 0-1"},
		{"min-content", "min_content", "lowest content score, 0-1"},
		{"first-seen-after", "first_seen_after", "date (2026-05-01) or RFC 3339 time"},
		{"first-seen-before", "first_seen_before", "date or time"},
		{"last-seen-after", "last_seen_after", "date or time"},
		{"last-seen-before", "last_seen_before", "date or time"},
		{"sort", "sort", "store_score, russia_score, hosting_score, content_score, last_seen, first_seen, pages or site"},
		{"order", "order", "asc or desc"},
	}
	vals := make([]*string, len(params))
	for i, p := range params {
		vals[i] = fs.String(p.flag, "", p.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "classifier sites: unexpected arguments %q (filters are flags, e.g. --country RU)\n", fs.Args())
		return 2
	}
	if !a.check("classifier sites", stderr) {
		return 2
	}
	q := url.Values{}
	for i, p := range params {
		if *vals[i] != "" {
			q.Set(p.param, *vals[i])
		}
	}
	if *evidence && *format != "jsonl" {
		fmt.Fprintln(stderr, "classifier sites: --evidence needs --format jsonl")
		return 2
	}
	switch *format {
	case "table":
		if *limit < 0 {
			*limit = 50
		}
		return sitesTable(ctx, &a, q, *limit, stdout, stderr)
	case "csv", "jsonl":
		if *limit < 0 {
			*limit = 0
		}
		if *evidence {
			q.Set("evidence", "true")
		}
		resp, err := a.call(ctx, "GET", "/api/v1/export."+*format, q, nil)
		if err != nil {
			fmt.Fprintf(stderr, "classifier sites: %v\n", err)
			return 1
		}
		defer resp.Body.Close()
		if err := copyLines(stdout, resp.Body, *limit, *format == "csv"); err != nil {
			fmt.Fprintf(stderr, "classifier sites: export cut short: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "classifier sites: --format %q: want table, csv or jsonl\n", *format)
	return 2
}

// copyLines copies records (lines; CSV records may span lines) to w, at most
// limit of them (0: all) after the CSV header.
func copyLines(w io.Writer, r io.Reader, limit int, isCSV bool) error {
	if limit == 0 {
		_, err := io.Copy(w, r)
		return err
	}
	br := bufio.NewReader(r)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	n := 0
	if isCSV {
		limit++ // the header
	}
	inQuote := false
	for n < limit {
		line, err := br.ReadString('\n')
		if line != "" {
			if _, werr := bw.WriteString(line); werr != nil {
				return werr
			}
			if isCSV && strings.Count(line, `"`)%2 == 1 {
				inQuote = !inQuote
			}
			if !inQuote {
				n++
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func sitesTable(ctx context.Context, a *apiFlags, q url.Values, limit int, stdout, stderr io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tCLASS\tFLAGGED\tSTORE\tRUSSIA\tHOSTED\tLABEL\tLAST SEEN\tTOP SIGNALS")
	printed := 0
	for {
		page := readmodel.MaxLimit
		if limit > 0 {
			page = min(page, limit-printed)
		}
		q.Set("limit", strconv.Itoa(page))
		resp, err := a.call(ctx, "GET", "/api/v1/sites", q, nil)
		if err != nil {
			fmt.Fprintf(stderr, "classifier sites: %v\n", err)
			return 1
		}
		var p readmodel.Page
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintf(stderr, "classifier sites: reading the answer: %v\n", err)
			return 1
		}
		for _, s := range p.Sites {
			label := "-"
			if s.Label != nil {
				label = string(s.Label.Label) + " (" + s.Label.Reviewer + ")"
			}
			flag := ""
			if s.Flagged {
				flag = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t%s\t%s\n", s.Site, s.Class, flag, s.StoreScore, s.RussiaScore,
				strings.Join(s.Countries, ","), label, s.LastSeen.Format("2006-01-02"), strings.Join(s.TopSignals, ", "))
			printed++
		}
		if p.NextCursor == "" || (limit > 0 && printed >= limit) {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	if err := tw.Flush(); err != nil {
		return 1
	}
	fmt.Fprintf(stderr, "%d sites\n", printed)
	return 0
}

// labelCommand is "classifier label SITE LABEL".
func labelCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classifier label", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: classifier label [--note TEXT] SITE confirmed|false-positive|needs-review|cleared")
		fs.PrintDefaults()
	}
	var a apiFlags
	a.register(fs)
	note := fs.String("note", "", "why: kept with the label and in the audit log")
	// Flags may come after the arguments too: classifier label x.ru confirmed --note "…".
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		return 2
	}
	if _, err := readmodel.ParseLabel(pos[1]); err != nil {
		fmt.Fprintf(stderr, "classifier label: %q is not a label: want confirmed, false-positive, needs-review or cleared\n", pos[1])
		return 2
	}
	if !a.check("classifier label", stderr) {
		return 2
	}
	resp, err := a.call(ctx, "POST", "/api/v1/sites/"+url.PathEscape(pos[0])+"/labels", nil,
		investigate.LabelRequest{Label: pos[1], Note: *note})
	if err != nil {
		fmt.Fprintf(stderr, "classifier label: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	var out struct {
		Label   readmodel.LabelEvent `json:"label"`
		Applied bool                 `json:"applied"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		fmt.Fprintf(stderr, "classifier label: reading the answer: %v\n", err)
		return 1
	}
	state := "stored"
	if !out.Applied {
		state = "stored (the read model shows it shortly)"
	}
	fmt.Fprintf(stdout, "%s labelled %s by %s at %s: %s\n", out.Label.Site, out.Label.Label, out.Label.Reviewer,
		out.Label.At.Format(time.RFC3339), state)
	return 0
}
