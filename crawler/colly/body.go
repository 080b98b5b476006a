package colly

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// acceptEncoding is what every request offers; bodies are decoded here,
// under the decompressed-size cap, never by net/http or colly.
const acceptEncoding = "gzip, deflate, br"

// maxEncodings bounds the Content-Encoding layers decoded ("gzip, gzip, ...").
const maxEncodings = 3

// maxPooledBuffer is the largest buffer kept for reuse: a rare huge page
// must not pin its memory for ever.
const maxPooledBuffer = 1 << 20

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer {
	b := buffers.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b != nil && b.Cap() <= maxPooledBuffer {
		buffers.Put(b)
	}
}

// wireReader reads at most left bytes of a response body off the network.
// Past the cap it reads one byte more to tell a cut body from one that fits
// exactly, then reports io.EOF with cut set. When tee is set, every byte
// read is copied to it (the WARC record of the raw body).
type wireReader struct {
	r    io.Reader
	left int64
	n    int64
	cut  bool
	tee  *bytes.Buffer
}

func (w *wireReader) Read(p []byte) (int, error) {
	if w.left <= 0 {
		var one [1]byte
		for range 100 { // a reader may return 0, nil a few times
			n, err := w.r.Read(one[:])
			if n > 0 {
				w.cut = true
				return 0, io.EOF
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	n, err := w.r.Read(p)
	w.left -= int64(n)
	w.n += int64(n)
	if w.tee != nil && n > 0 {
		w.tee.Write(p[:n])
	}
	return n, err
}

// errUnknownEncoding is a Content-Encoding this fetcher cannot decode: the
// body is kept as it came.
var errUnknownEncoding = errors.New("unknown content encoding")

// decoder returns a reader that undoes the Content-Encoding header value
// ce ("gzip", "br", "gzip, br", ...) over r. Layers were applied in the
// order listed, so they are undone in reverse.
func decoder(ce string, r io.Reader) (io.Reader, error) {
	if ce == "" {
		return r, nil
	}
	layers := strings.Split(ce, ",")
	if len(layers) > maxEncodings {
		return nil, fmt.Errorf("%w: %d layers in %q", errUnknownEncoding, len(layers), ce)
	}
	for i := len(layers) - 1; i >= 0; i-- {
		switch enc := strings.ToLower(strings.TrimSpace(layers[i])); enc {
		case "", "identity":
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				return nil, fmt.Errorf("gzip: %w", err)
			}
			r = zr
		case "deflate":
			// RFC 9110 deflate is zlib-wrapped; many servers send it raw.
			br := bufio.NewReaderSize(r, 512)
			if hdr, err := br.Peek(2); err == nil && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
				zr, err := zlib.NewReader(br)
				if err != nil {
					return nil, fmt.Errorf("deflate: %w", err)
				}
				r = zr
			} else {
				r = flate.NewReader(br)
			}
		case "br":
			r = brotli.NewReader(r)
		default:
			return nil, fmt.Errorf("%w: %q", errUnknownEncoding, enc)
		}
	}
	return r, nil
}
