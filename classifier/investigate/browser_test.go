package investigate_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium to drive, or "".
func chromiumPath() string {
	if p := os.Getenv("TRAWL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the browser test leaves its screenshots:
// $TRAWL_SCREENSHOTS, or trawl-screenshots in the temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("TRAWL_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "trawl-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserReviewFlow drives the web UI in headless Chromium as an
// investigator would: sign in with a token, filter the queue, open a flagged
// site, label it, export the queue as CSV, and check what each page shows.
func TestBrowserReviewFlow(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		t.Skip("SKIP browser test: no chromium on PATH (install it: apt-get install chromium; .ci/run does)")
	}
	e := startEnv(t, 400)
	shots := screenshotDir(t)
	downloads := t.TempDir()

	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1440, 1000),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "en-GB"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// Start the browser with a context that has no deadline (a deadline on
	// the first call would end the browser), then limit each step.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium (%s): %v", chromium, err)
	}
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(bctx, 20*time.Second) }

	shot := func(name string) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// fail reports a step that failed with what the browser shows.
	fail := func(name string, err error) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(sctx, chromedp.Location())
		body, _ := chromedp.Run(sctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(filepath.Join(shots, "failure.png"), png, 0o644)
		}
		t.Fatalf("%s: %v (at %s, showing %.300q; screenshot in %s)", name, err, loc, body, shots)
	}
	do := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			fail(name, err)
		}
	}
	get := func(name string, a chromedp.Action[string]) string {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			fail(name, err)
		}
		return v
	}
	eval := func(name, js string) int {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			fail(name, err)
		}
		return v
	}

	// Sign in: the queue sends an anonymous browser to the sign-in page.
	do("open the queue", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	if loc := get("location", chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Fatalf("anonymous browser at %s, want the sign-in page", loc)
	}
	shot("login.png")
	do("sign in with a wrong token", chromedp.SendKeys(chromedp.ID("token"), "trawl_wrong"), chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.CSS(".flash.err")))
	do("sign in", chromedp.SetValue(chromedp.ID("token"), reviewerToken), chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.CSS("table.sites")))
	heading := get("heading", chromedp.Text(chromedp.CSS("h1")))
	rows := eval("rows", `document.querySelectorAll("table.sites tbody tr").length`)
	if heading != "To review" || rows != min(len(e.flagged()), 50) {
		t.Fatalf("queue after sign-in: got %q with %d rows, want \"To review\" with %d", heading, rows, min(len(e.flagged()), 50))
	}
	shot("queue.png")

	// Filter: hosted in Russia, evidence mentioning ROMS.
	do("filter the queue", chromedp.SetValue(chromedp.ID("country"), "RU"), chromedp.SetValue(chromedp.ID("q"), "roms"),
		chromedp.Click(chromedp.ID("apply")))
	// The old page's table stays visible until the filtered one replaces
	// it: wait for the new address first (a look during the navigation
	// fails, so look again).
	var loc string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(loc, "q=roms") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		lctx, cancel := step()
		if l, err := chromedp.Run(lctx, chromedp.Location()); err == nil {
			loc = l
		}
		cancel()
	}
	do("wait for the filtered queue", chromedp.WaitVisible(chromedp.CSS("table.sites")))
	if !strings.Contains(loc, "country=RU") || !strings.Contains(loc, "q=roms") || strings.Contains(loc, "min_store=") {
		t.Fatalf("filtered queue at %s, want country=RU and q=roms and no empty parameters", loc)
	}
	hosts := strings.Split(get("hosting column", chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll("table.sites tbody td.c-host")).map(td => td.innerText.split("\n")[0]).join("|")`)), "|")
	marks := eval("marks", `document.querySelectorAll("table.sites .match mark").length`)
	want := 0
	for _, v := range e.flagged() {
		if v.Countries[0] == "RU" && strings.Contains(strings.ToLower(fmt.Sprint(v.Evidence)), "roms") {
			want++
		}
	}
	if len(hosts) != min(want, 50) || want == 0 || marks < len(hosts) {
		t.Fatalf("filtered queue: got %d rows and %d marks, want %d rows each with the match marked", len(hosts), marks, min(want, 50))
	}
	for _, h := range hosts {
		if h != "RU" {
			t.Fatalf("filtered queue lists a site hosted in %q, want only RU", h)
		}
	}
	shot("queue-filtered.png")

	// Open the first site.
	site := get("first site", chromedp.Text(chromedp.CSS("table.sites tbody tr a.site")))
	do("open a flagged site", chromedp.Click(chromedp.CSS("table.sites tbody tr a.site")), chromedp.WaitVisible(chromedp.ID("evidence")))
	name := get("site name", chromedp.Text(chromedp.ID("site-name")))
	evidence := get("evidence", chromedp.Text(chromedp.ID("evidence")))
	decide := get("decision", chromedp.Text(chromedp.ID("decide")))
	if name != site || !strings.Contains(evidence, "Store signals") || !strings.Contains(evidence, "Per-track price") ||
		!strings.Contains(decide, "Nobody has labelled") {
		t.Fatalf("site page of %s: got name %q, evidence %.120q…, decision %.80q", site, name, evidence, decide)
	}
	if n := eval("marks", `document.querySelectorAll("#evidence blockquote mark").length`); n == 0 {
		t.Fatalf("site page: no evidence is highlighted")
	}
	shot("site.png")

	// Label it.
	do("label the site", chromedp.SendKeys(chromedp.ID("note"), "Per-track prices of $0.25, ROMS licence claim, hosted in RU."),
		chromedp.Click(chromedp.ID("label-confirmed")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
	flash := get("flash", chromedp.Text(chromedp.CSS(".flash.ok")))
	decide = get("decision", chromedp.Text(chromedp.ID("decide")))
	if !strings.Contains(flash, "Labelled Confirmed store") || !strings.Contains(decide, "Confirmed store") ||
		!strings.Contains(decide, "rita") || !strings.Contains(decide, "ROMS licence claim") {
		t.Fatalf("after labelling: flash %q, decision %q; want confirmed by rita with the note", flash, decide)
	}
	shot("site-labelled.png")

	// The site's family: the sites of the same operation.
	if fam := get("family link", chromedp.Evaluate[string](`(document.querySelector(".facts a[href^='/families/']") || {}).textContent || ""`)); fam != "" {
		do("open the family", chromedp.Click(chromedp.CSS(".facts a[href^='/families/']")), chromedp.WaitVisible(chromedp.CSS("table.sites")))
		if text := get("family page", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, site) || !strings.Contains(text, "What they share") {
			t.Fatalf("family page of %s does not list the site with its links: %.300q", fam, text)
		}
		shot("family.png")
	}

	// Export the confirmed sites as CSV by clicking the export link.
	do("open the confirmed queue", chromedp.Navigate(e.url+"/?label=confirmed"), chromedp.WaitVisible(chromedp.ID("export-csv")))
	if rowsText := get("rows", chromedp.Text(chromedp.CSS("table.sites tbody"))); !strings.Contains(rowsText, site) {
		t.Fatalf("confirmed queue does not list %s: %.200q", site, rowsText)
	}
	shot("queue-confirmed.png")
	ctx, cancel := step()
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true)}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	do("click Export CSV", chromedp.Click(chromedp.ID("export-csv")))
	var guid string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the CSV download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("the CSV download was cancelled")
		}
	}
	f, err := os.Open(filepath.Join(downloads, guid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("exported CSV: %v", err)
	}
	if len(recs) != 2 || recs[1][0] != site || recs[1][19] != "confirmed" || recs[1][20] != "rita" {
		t.Fatalf("exported CSV: got %q, want the header and %s confirmed by rita", recs, site)
	}
	t.Logf("screenshots of the queue and the site page are in %s", shots)
	fmt.Fprintf(os.Stderr, "browser test: screenshots in %s\n", shots)
}
