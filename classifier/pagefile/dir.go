package pagefile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"trawl.dev/classifier"
	"trawl.dev/crawler"
	"trawl.dev/proto"
)

// Scorer scores saved home pages, one site per file. It is safe for
// concurrent use once set up.
type Scorer struct {
	Analyzer *classifier.Analyzer // required
	Scoring  classifier.Scoring   // zero fields take defaults
	IPs      map[string]string    // host or site → IP address, for hosting signals
	Workers  int                  // files scored at a time; default GOMAXPROCS
	MaxBytes int64                // bytes read of a file; default DefaultMaxBytes
	Parse    *crawler.ParseOptions
	// Exact parses with the crawler's tokenizer (Parse) instead of the
	// byte scanner (ParseFast): slower, and exactly what the pipeline sees.
	Exact bool
}

// Result is one line of "classifier score": the verdict on one file's
// site, or why the file could not be scored.
type Result struct {
	File        string                `json:"file,omitempty"` // set on errors only
	Domain      string                `json:"domain"`
	Class       classifier.Class      `json:"class,omitempty"`
	StoreScore  float64               `json:"store_score"`
	RussiaScore float64               `json:"russia_score"`
	Flagged     bool                  `json:"flagged"`
	Evidence    []classifier.Evidence `json:"evidence"`
	Error       string                `json:"error,omitempty"`

	bytes int64
}

// Stats count what ScoreDir did.
type Stats struct {
	Files   int           // files seen (not directories)
	Scored  int           // files scored
	Errors  int           // files reported as errors
	Flagged int           // sites flagged
	Bytes   int64         // bytes read
	Elapsed time.Duration // wall time
	CPU     time.Duration // CPU time of the process meanwhile (0 where unknown)
}

// Rate returns the scored pages per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Files) / s.Elapsed.Seconds()
}

// ScoreFile scores one saved home page. Every failure is in the Result's
// Error: a file that cannot be read, is not a page, or has a name that is
// not a domain.
func (s *Scorer) ScoreFile(path string) Result {
	res := Result{Evidence: []classifier.Evidence{}}
	host, err := Domain(path)
	if err != nil {
		return s.fail(res, path, err)
	}
	res.Domain = host
	body, mtime, err := s.read(path)
	res.bytes = int64(len(body))
	if err != nil {
		return s.fail(res, path, err)
	}
	parse := ParseFast
	if s.Exact {
		parse = Parse
	}
	pg, err := parse(body, "http://"+host+"/", "", s.ip(host), mtime, s.Parse)
	if err != nil {
		return s.fail(res, path, err)
	}
	v := s.score(pg.Page)
	res.Class, res.StoreScore, res.RussiaScore, res.Flagged = v.Class, v.StoreScore, v.RussiaScore, v.Flagged
	if v.Evidence != nil {
		res.Evidence = v.Evidence
	}
	return res
}

func (s *Scorer) fail(res Result, path string, err error) Result {
	res.File = filepath.Base(path)
	res.Error = err.Error()
	return res
}

// score analyses one page as a whole site.
func (s *Scorer) score(p *classifier.Page) *classifier.Verdict {
	site := classifier.NewSite(p.Site, 0)
	site.AddPage(p, s.Analyzer.Analyze(p), p.Fetched)
	return s.Scoring.Score(site)
}

func (s *Scorer) ip(host string) string {
	if ip, ok := s.IPs[host]; ok {
		return ip
	}
	return s.IPs[proto.Site(host)]
}

// read returns up to MaxBytes of a file (decompressed when it is gzip; a
// longer page is cut, as the crawler cuts a body at its size cap) and its
// modification time.
func (s *Scorer) read(path string) ([]byte, time.Time, error) {
	max := s.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("pagefile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("pagefile: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("%w: %s is not a regular file", ErrNotPage, filepath.Base(path))
	}
	// Read into a buffer of the file's size: growing one costs more than
	// the reading.
	buf := bytes.NewBuffer(make([]byte, 0, min(fi.Size(), max)+bytes.MinRead))
	_, err = buf.ReadFrom(io.LimitReader(f, max+1))
	body := buf.Bytes()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("pagefile: read %s: %w", filepath.Base(path), err)
	}
	if int64(len(body)) > max {
		body = body[:max]
	}
	body, _, err = gunzip(body, max)
	if err != nil {
		return nil, time.Time{}, err
	}
	return body, fi.ModTime().UTC(), nil
}

// ScoreDir scores every file in dir (not its subdirectories), in name
// order, and writes one JSON line per file to w: a Result. Bad files are
// lines with an error; only an unreadable directory or a failing writer
// stop it.
func (s *Scorer) ScoreDir(ctx context.Context, dir string, w io.Writer) (Stats, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Stats{}, fmt.Errorf("pagefile: score %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	return s.ScoreFiles(ctx, files, w)
}

// ScoreFiles scores files concurrently and writes their Results in order.
func (s *Scorer) ScoreFiles(ctx context.Context, files []string, w io.Writer) (st Stats, err error) {
	start, cpu0 := time.Now(), cpuTime()
	defer func() { st.Elapsed, st.CPU = time.Since(start), cpuTime()-cpu0 }()
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type slot struct {
		i   int
		res Result
	}
	jobs := make(chan int)
	done := make(chan slot, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				done <- slot{i, s.ScoreFile(files[i])}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()

	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	pending := make(map[int]Result)
	next := 0
	var werr error
	for sl := range done {
		pending[sl.i] = sl.res
		for {
			res, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			st.Files++
			st.Bytes += res.bytes
			if res.Error != "" {
				st.Errors++
			} else {
				st.Scored++
				if res.Flagged {
					st.Flagged++
				}
			}
			if werr == nil {
				werr = enc.Encode(res)
			}
		}
	}
	if werr != nil {
		return st, fmt.Errorf("pagefile: write results: %w", werr)
	}
	if err := ctx.Err(); err != nil && next < len(files) {
		return st, fmt.Errorf("pagefile: scored %d of %d files: %w", next, len(files), err)
	}
	return st, nil
}
