package bolt

import (
	"encoding/binary"
	"errors"
	"time"

	"trawl.dev/frontier"
)

// Values are a version byte followed by varints and length-prefixed strings:
// compact, and readable without reflection. Fields are only ever appended: a
// value that ends before a field was added decodes it as zero.
const codecVersion = 1

var errCorrupt = errors.New("frontier/bolt: corrupt value")

type encoder []byte

func (e encoder) str(s string) encoder { return append(binary.AppendUvarint(e, uint64(len(s))), s...) }
func (e encoder) int(v int64) encoder  { return binary.AppendVarint(e, v) }
func (e encoder) time(t time.Time) encoder {
	if t.IsZero() {
		return e.int(0)
	}
	return e.int(t.UnixNano())
}

type decoder struct {
	b   []byte
	err error
}

func newDecoder(b []byte) *decoder {
	if len(b) == 0 || b[0] != codecVersion {
		return &decoder{err: errCorrupt}
	}
	return &decoder{b: b[1:]}
}

func (d *decoder) int() int64 {
	if d.err != nil || len(d.b) == 0 {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	if d.err != nil || len(d.b) == 0 {
		return ""
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || uint64(len(d.b)-k) < n {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *decoder) time() time.Time {
	v := d.int()
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v)
}

// encodeTask writes a task; a lease writes its task last, so both may grow.
func encodeTask(e encoder, t frontier.Task) encoder {
	return e.str(t.URL).str(t.Host).str(t.Site).str(t.Referrer).
		int(int64(t.Depth)).int(int64(t.Priority)).int(int64(t.Attempt)).
		str(t.FromSite).int(int64(t.Round)).int(int64(t.Parked))
}

func decodeTask(d *decoder) frontier.Task {
	return frontier.Task{URL: d.str(), Host: d.str(), Site: d.str(), Referrer: d.str(),
		Depth: int32(d.int()), Priority: int32(d.int()), Attempt: int32(d.int()),
		FromSite: d.str(), Round: int32(d.int()), Parked: int32(d.int())}
}

func marshalTask(t frontier.Task) []byte { return encodeTask(encoder{codecVersion}, t) }

func unmarshalTask(b []byte) (frontier.Task, error) {
	d := newDecoder(b)
	t := decodeTask(d)
	return t, d.err
}

func marshalLease(l frontier.Lease) []byte {
	return encodeTask(encoder{codecVersion}.str(l.ID).time(l.Expires), l.Task)
}

func unmarshalLease(b []byte) (frontier.Lease, error) {
	d := newDecoder(b)
	l := frontier.Lease{ID: d.str(), Expires: d.time()}
	l.Task = decodeTask(d)
	return l, d.err
}

func marshalHost(h frontier.HostState) []byte {
	e := encoder{codecVersion}.str(h.Site).time(h.NextEligible).str(h.Lease).
		int(int64(h.LastResponse)).int(int64(h.Errors)).int(h.Fetched).str(h.LastIP).int(h.Queued).
		int(int64(h.Delay)).str(h.Reason).int(int64(h.LastStatus)).str(h.LastError).int(int64(h.Parks)).
		str(h.Scheme).int(int64(h.Override.Delay)).int(h.Override.Budget)
	if h.Override.Block {
		return e.int(1)
	}
	return e.int(0)
}

func unmarshalHost(b []byte) (frontier.HostState, error) {
	d := newDecoder(b)
	h := frontier.HostState{Site: d.str(), NextEligible: d.time(), Lease: d.str(),
		LastResponse: time.Duration(d.int()), Errors: int32(d.int()), Fetched: d.int(),
		LastIP: d.str(), Queued: d.int(),
		Delay: time.Duration(d.int()), Reason: d.str(), LastStatus: int32(d.int()), LastError: d.str(),
		Parks: int32(d.int()), Scheme: d.str(),
		Override: frontier.Override{Delay: time.Duration(d.int()), Budget: d.int(), Block: d.int() != 0}}
	return h, d.err
}

// siteState is a site's admission count, priority, budget and recrawls.
type siteState struct {
	Admitted  int64
	Priority  int32
	Linking   int64     // distinct other sites seen linking to it
	Budget    int64     // the operator's budget, 0 for the policy's
	RecrawlAt time.Time // next recrawl, zero for none
	Rounds    int32     // recrawls so far
}

func marshalSite(s siteState) []byte {
	return encoder{codecVersion}.int(s.Admitted).int(int64(s.Priority)).int(s.Linking).int(s.Budget).
		time(s.RecrawlAt).int(int64(s.Rounds))
}

func unmarshalSite(b []byte) (siteState, error) {
	d := newDecoder(b)
	s := siteState{Admitted: d.int(), Priority: int32(d.int()), Linking: d.int(), Budget: d.int(),
		RecrawlAt: d.time(), Rounds: int32(d.int())}
	return s, d.err
}
