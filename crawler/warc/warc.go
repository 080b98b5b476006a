package warc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"trawl.dev/crawler"
)

// Options configure a Writer. Dir is required.
type Options struct {
	Dir         string // where WARC files go; created if missing
	MaxFileSize int64  // a file rolls over past this many bytes; default 1 GiB
	Prefix      string // file name prefix; default "trawl"
	Software    string // the warcinfo record's software field
	Writers     int    // files written at once; default 2
}

// Stats count what a Writer did.
type Stats struct {
	Records int64 // response records written
	Errors  int64 // exchanges that could not be written
}

// Writer writes exchanges to rolling WARC files. It is safe for concurrent
// use. Close it to finish the files.
type Writer struct {
	o       Options
	w       *gowarc.WarcFileWriter
	records atomic.Int64
	errs    atomic.Int64
	closed  atomic.Bool
}

var _ crawler.Recorder = (*Writer)(nil)

// New returns a Writer. Files are created on the first record.
func New(o Options) *Writer {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = 1 << 30
	}
	if o.Prefix == "" {
		o.Prefix = "trawl"
	}
	if o.Writers <= 0 {
		o.Writers = 2
	}
	software := o.Software
	w := &Writer{o: o}
	w.w = gowarc.NewWarcFileWriter(
		gowarc.WithFileNameGenerator(&names{dir: o.Dir, prefix: o.Prefix}),
		gowarc.WithMaxFileSize(o.MaxFileSize),
		gowarc.WithCompression(true),
		gowarc.WithMaxConcurrentWriters(o.Writers),
		gowarc.WithBeforeFileCreationHook(func(string) error { return os.MkdirAll(o.Dir, 0o755) }),
		gowarc.WithWarcInfoFunc(func(b gowarc.WarcRecordBuilder) error {
			_, err := fmt.Fprintf(b, "software: %s\r\nformat: WARC File Format 1.1\r\n", software)
			return err
		}),
	)
	return w
}

// names generates file names without any network look-up.
type names struct {
	dir, prefix string
	serial      atomic.Int64
}

func (n *names) NewWarcfileName() (string, string) {
	return n.dir, fmt.Sprintf("%s-%s-%05d-%d.warc", n.prefix, time.Now().UTC().Format("20060102150405"),
		n.serial.Add(1), os.Getpid())
}

// Record writes x as a response record and returns the file it went to,
// the record's offset in it and its WARC-Record-ID. See crawler.Recorder.
func (w *Writer) Record(_ context.Context, x *crawler.Exchange) (crawler.RecordRef, error) {
	if w.closed.Load() {
		return crawler.RecordRef{}, errors.New("warc: writer closed")
	}
	var ref crawler.RecordRef
	rec, err := build(x)
	if err == nil {
		ref.ID = rec.WarcHeader().GetId(gowarc.WarcRecordID)
		res := w.w.Write(rec)
		if len(res) == 0 {
			err = errors.New("writer closed")
		}
		for _, r := range res {
			err = errors.Join(err, r.Err)
			ref.File, ref.Offset = r.FileName, r.FileOffset
		}
		_ = rec.Close()
	}
	if err != nil {
		w.errs.Add(1)
		return crawler.RecordRef{}, fmt.Errorf("warc: record %s: %w", x.URL, err)
	}
	w.records.Add(1)
	return ref, nil
}

func build(x *crawler.Exchange) (gowarc.WarcRecord, error) {
	b := gowarc.NewRecordBuilder(gowarc.Response,
		gowarc.WithSpecViolationPolicy(gowarc.ErrIgnore), gowarc.WithSyntaxErrorPolicy(gowarc.ErrIgnore))
	var block bytes.Buffer
	proto := x.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	status := x.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", x.StatusCode, http.StatusText(x.StatusCode))
	}
	fmt.Fprintf(&block, "%s %s\r\n", proto, status)
	keys := make([]string, 0, len(x.Header))
	for k := range x.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range x.Header[k] {
			fmt.Fprintf(&block, "%s: %s\r\n", k, strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
		}
	}
	block.WriteString("\r\n")
	block.Write(x.Body)
	if _, err := b.Write(block.Bytes()); err != nil {
		return nil, err
	}
	b.AddWarcHeader(gowarc.WarcTargetURI, x.URL)
	b.AddWarcHeaderTime(gowarc.WarcDate, x.Date)
	b.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
	if x.IP != "" {
		b.AddWarcHeader(gowarc.WarcIPAddress, x.IP)
	}
	switch {
	case x.SkippedBody:
		b.AddWarcHeader(gowarc.WarcTruncated, "unspecified")
	case x.Truncated:
		b.AddWarcHeader(gowarc.WarcTruncated, "length")
	}
	rec, _, err := b.Build()
	return rec, err
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	return Stats{Records: w.records.Load(), Errors: w.errs.Load()}
}

// Close finishes the open files. Later Records fail.
func (w *Writer) Close() error {
	if !w.closed.CompareAndSwap(false, true) {
		return nil
	}
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("warc: close: %w", err)
	}
	return nil
}
