package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto/natsconn"
)

// status prints the whole cluster at a glance: every service instance that
// answers NATS micro discovery with its numbers, every stream with its
// consumers' lag, and the crawl rate measured over a short interval.
func status(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var (
		interval = fs.Duration("interval", 2*time.Second, "how long to measure rates over")
		watch    = fs.Bool("watch", false, "print again every interval until interrupted")
	)
	natsOpts := natsconn.Flags(fs, "nats://127.0.0.1:4222")
	if code := parse(fs, args, stderr); code >= 0 {
		return code
	}
	if *interval <= 0 {
		fmt.Fprintln(stderr, "trawl status: --interval must be positive")
		return 2
	}
	if err := natsOpts.Validate(); err != nil {
		fmt.Fprintf(stderr, "trawl status: %v\n", err)
		return 2
	}
	nc, err := natsconn.Connect(natsOpts, "trawl-status", nil, nats.Timeout(5*time.Second))
	if err != nil {
		fmt.Fprintf(stderr, "trawl status: %v\n", err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "trawl status: %v\n", err)
		return 1
	}
	for {
		if err := printStatus(ctx, nc, js, *interval, stdout); err != nil {
			if ctx.Err() != nil {
				return 0
			}
			fmt.Fprintf(stderr, "trawl status: %v\n", err)
			return 1
		}
		if !*watch || ctx.Err() != nil {
			return 0
		}
		fmt.Fprintln(stdout)
	}
}

// instance is one service instance's answer to $SRV.STATS.
type instance struct {
	Name    string
	ID      string
	Version string
	Started time.Time
	Numbers map[string]float64 // numeric fields of its endpoints' data
}

func printStatus(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, interval time.Duration, w io.Writer) error {
	before, err := discover(nc)
	if err != nil {
		return err
	}
	select {
	case <-time.After(interval):
	case <-ctx.Done():
		return ctx.Err()
	}
	after, err := discover(nc)
	if err != nil {
		return err
	}
	fetched := func(in []instance) float64 { return sum(in, "trawl-crawler", "fetched") }
	rate := (fetched(after) - fetched(before)) / interval.Seconds()

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tID\tVERSION\tUP\tNUMBERS")
	for _, in := range after {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", in.Name, short(in.ID), in.Version,
			time.Since(in.Started).Truncate(time.Second), numbers(in))
	}
	tw.Flush()
	if len(after) == 0 {
		fmt.Fprintln(w, "(no Trawl service answered)")
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tMESSAGES\tBYTES\tCONSUMERS\tPENDING\tACK-PENDING\tREDELIVERED")
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	l := js.ListStreams(sctx)
	for info := range l.Info() {
		var n, pending, ack, redelivered uint64
		if s, err := js.Stream(sctx, info.Config.Name); err == nil {
			cl := s.ListConsumers(sctx)
			for ci := range cl.Info() {
				n++
				pending += ci.NumPending
				ack += uint64(ci.NumAckPending)
				redelivered += uint64(ci.NumRedelivered)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", info.Config.Name, info.State.Msgs, info.State.Bytes, n, pending, ack, redelivered)
	}
	tw.Flush()
	if err := l.Err(); err != nil {
		return fmt.Errorf("list streams: %w", err)
	}
	fmt.Fprintf(w, "\ncrawl: %.1f pages/s  fetched=%.0f  queued=%.0f  in-flight=%.0f  sites=%.0f  flagged=%.0f\n",
		rate, fetched(after), sum(after, "trawl-frontier", "queued"), sum(after, "trawl-frontier", "inflight"),
		sum(after, "trawl-classifier", "sites"), sum(after, "trawl-classifier", "flagged"))
	return nil
}

// discover gathers every micro service's $SRV.STATS answer for a short while.
func discover(nc *nats.Conn) ([]instance, error) {
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest("$SRV.STATS", inbox, nil); err != nil {
		return nil, err
	}
	var out []instance
	deadline := time.Now().Add(750 * time.Millisecond)
	for {
		msg, err := sub.NextMsg(time.Until(deadline))
		if errors.Is(err, nats.ErrTimeout) {
			break
		}
		if err != nil {
			return nil, err
		}
		var resp struct {
			Name      string    `json:"name"`
			ID        string    `json:"id"`
			Version   string    `json:"version"`
			Started   time.Time `json:"started"`
			Endpoints []struct {
				Name string          `json:"name"`
				Data json.RawMessage `json:"data"`
			} `json:"endpoints"`
		}
		if json.Unmarshal(msg.Data, &resp) != nil || !strings.HasPrefix(resp.Name, "trawl") {
			continue
		}
		in := instance{Name: resp.Name, ID: resp.ID, Version: resp.Version, Started: resp.Started,
			Numbers: make(map[string]float64)}
		// Every endpoint of a service reports the same service stats; the
		// first that has any is enough.
		for _, e := range resp.Endpoints {
			var m map[string]any
			if json.Unmarshal(e.Data, &m) == nil && len(m) > 0 {
				for k, v := range m {
					// Services spell their fields InFlight or in_flight.
					k = strings.ToLower(strings.ReplaceAll(k, "_", ""))
					switch x := v.(type) {
					case float64:
						in.Numbers[k] = x
					case map[string]any: // e.g. failures by code
						var t float64
						for _, y := range x {
							if f, ok := y.(float64); ok {
								t += f
							}
						}
						in.Numbers[k] = t
					}
				}
				break
			}
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func sum(in []instance, name, key string) float64 {
	var t float64
	for _, i := range in {
		if i.Name == name {
			t += i.Numbers[key]
		}
	}
	return t
}

// numbers shows the instance's main numbers: the well-known ones first.
func numbers(in instance) string {
	known := []string{"queued", "inflight", "seen", "fetched", "failed", "hosts", "pages", "links", "sites", "flagged", "verdicts", "malformed", "dead"}
	var parts []string
	for _, k := range known {
		if v, ok := in.Numbers[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.0f", k, v))
		}
	}
	return strings.Join(parts, " ")
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
