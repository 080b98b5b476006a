package service

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/frontier"
	"trawl.dev/proto"
	"trawl.dev/proto/natsconn"
)

// ctlFlags are the flags every control command takes.
type ctlFlags struct {
	fs         *flag.FlagSet
	nats       *natsconn.Options
	partitions *string
	jsonOut    *bool
}

func newCtlFlags(name string, stderr io.Writer, withPartitions bool) *ctlFlags {
	fs := flag.NewFlagSet("frontier "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &ctlFlags{fs: fs,
		nats:    natsconn.Flags(fs, nats.DefaultURL),
		jsonOut: fs.Bool("json", false, "print JSON instead of a table")}
	if withPartitions {
		c.partitions = fs.String("partitions", env("TRAWL_PARTITIONS", "all"), `partitions: "all", "0-31", "0,2,5-7" (TRAWL_PARTITIONS)`)
	}
	return c
}

// connect connects and reads the cluster's partition count.
func (c *ctlFlags) connect(ctx context.Context) (*nats.Conn, *Control, []int, error) {
	nc, err := natsconn.Connect(c.nats, "trawl-frontier-ctl", nil)
	if err != nil {
		return nil, nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err == nil {
		_, err = js.KeyValue(ctx, proto.ClusterBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			err = errors.New("no cluster recorded on this NATS: start a frontier first")
		}
	}
	var n int
	if err == nil {
		n, err = proto.EnsureCluster(ctx, js, 0, 0)
	}
	var parts []int
	if err == nil && c.partitions != nil {
		parts, err = proto.ParsePartitions(*c.partitions, n)
	}
	if err != nil {
		nc.Close()
		return nil, nil, nil, err
	}
	return nc, NewControl(nc, n), parts, nil
}

// ctlCmd runs a control command: pause, resume, stats, hosts, override.
func ctlCmd(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	c := newCtlFlags(name, stderr, name != "override")
	top := 20
	var o frontier.Override
	var clearOverride bool
	switch name {
	case "hosts":
		c.fs.IntVar(&top, "top", 20, "how many hosts, by queue length")
	case "override":
		c.fs.DurationVar(&o.Delay, "delay", 0, "minimum delay between fetches of the host (replaces --min-delay)")
		c.fs.Int64Var(&o.Budget, "budget", 0, "page budget of the host's site")
		c.fs.BoolVar(&o.Block, "block", false, "no fetches and no new URLs for the host")
		c.fs.BoolVar(&clearOverride, "clear", false, "remove the host's override")
	}
	// Let the host come before or after the flags.
	var host string
	if name == "override" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		host, args = args[0], args[1:]
	}
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if name == "override" {
		if host == "" && c.fs.NArg() == 1 {
			host = c.fs.Arg(0)
		} else if c.fs.NArg() > 0 {
			fmt.Fprintf(stderr, "frontier override: unexpected arguments %q\n", c.fs.Args())
			return 2
		}
		if host == "" {
			fmt.Fprintln(stderr, "frontier override: usage: frontier override HOST [--delay D] [--budget N] [--block | --clear]")
			return 2
		}
		if o.IsZero() && !clearOverride {
			fmt.Fprintln(stderr, "frontier override: give --delay, --budget, --block or --clear")
			return 2
		}
		if o.Delay < 0 || o.Budget < 0 {
			fmt.Fprintln(stderr, "frontier override: --delay and --budget must not be negative")
			return 2
		}
	} else if c.fs.NArg() > 0 {
		fmt.Fprintf(stderr, "frontier %s: unexpected arguments %q\n", name, c.fs.Args())
		return 2
	}
	if top <= 0 {
		fmt.Fprintln(stderr, "frontier hosts: --top must be positive")
		return 2
	}
	nc, ctl, parts, err := c.connect(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "frontier %s: %v\n", name, err)
		return 1
	}
	defer nc.Close()
	var out any
	var table func(io.Writer)
	switch name {
	case "pause", "resume":
		reps, e := ctl.Each(ctx, parts, PartitionRequest{Op: name})
		err = e
		out = reps
		table = func(w io.Writer) { fmt.Fprintf(w, "%sd %d of %d partitions\n", name, len(reps), len(parts)) }
	case "stats":
		reps, e := ctl.Each(ctx, parts, PartitionRequest{Op: OpStats})
		err = e
		out = reps
		table = func(w io.Writer) { statsTable(w, reps, len(parts)) }
	case "hosts":
		views, e := ctl.TopHosts(ctx, parts, top)
		err = e
		out = views
		table = func(w io.Writer) { hostsTable(w, views, ctl) }
	case "override":
		rep, e := ctl.Override(ctx, host, o)
		err = e
		out = rep
		table = func(w io.Writer) {
			fmt.Fprintf(w, "override of %s (partition %d): %s\n", host, rep.Partition, describeOverride(o))
			if rep.Host != nil {
				hostsTable(w, []frontier.HostView{*rep.Host}, ctl)
			}
		}
	}
	if *c.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		table(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "frontier %s: %v\n", name, err)
		return 1
	}
	return 0
}

func describeOverride(o frontier.Override) string {
	if o.IsZero() {
		return "cleared"
	}
	var parts []string
	if o.Delay > 0 {
		parts = append(parts, "delay "+o.Delay.String())
	}
	if o.Budget > 0 {
		parts = append(parts, fmt.Sprintf("site budget %d", o.Budget))
	}
	if o.Block {
		parts = append(parts, "blocked")
	}
	return strings.Join(parts, ", ")
}

func statsTable(w io.Writer, reps []PartitionReply, asked int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "part\towner\tpaused\tqueued\tin flight\tseen\tfetched\tfailed\thosts\tparked\tunmerged\t")
	var tot frontier.Counts
	var hosts int64
	waiting := map[string]int{}
	for _, r := range reps {
		unmerged := 0
		if r.Seen != nil {
			unmerged = r.Seen.Pending
		}
		fmt.Fprintf(tw, "%d\t%s\t%v\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Partition, r.Owner.Host, r.Paused,
			r.Counts.Queued, r.Counts.Leased, r.Counts.Seen, r.Counts.Fetched, r.Counts.Failed, r.Hosts, r.Counts.Parked, unmerged)
		tot.Queued += r.Counts.Queued
		tot.Leased += r.Counts.Leased
		tot.Seen += r.Counts.Seen
		tot.Fetched += r.Counts.Fetched
		tot.Failed += r.Counts.Failed
		tot.Parked += r.Counts.Parked
		hosts += r.Hosts
		for k, v := range r.Waiting {
			waiting[k] += v
		}
	}
	fmt.Fprintf(tw, "all\t%d of %d\t\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\t\n", len(reps), asked, tot.Queued, tot.Leased, tot.Seen,
		tot.Fetched, tot.Failed, hosts, tot.Parked)
	tw.Flush()
	keys := make([]string, 0, len(waiting))
	for k := range waiting {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return waiting[b] - waiting[a] })
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, " %s %d", k, waiting[k])
	}
	fmt.Fprintf(w, "active hosts by why they wait:%s\n", sb.String())
}

func hostsTable(w io.Writer, views []frontier.HostView, ctl *Control) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPART\tQUEUED\tWHY\tNEXT\tDELAY\tSET BY\tERRORS\tLAST\tIP\tOVERRIDE")
	for _, v := range views {
		next := "now"
		switch {
		case v.Why == frontier.WaitFetching:
			next = "-"
		case v.Wait > 0:
			next = "in " + v.Wait.Round(10*time.Millisecond).String()
		}
		last := ""
		switch {
		case v.LastError != "":
			last = v.LastError
		case v.LastStatus != 0:
			last = fmt.Sprint(v.LastStatus)
		}
		errs := ""
		if v.Errors > 0 || v.Parks > 0 {
			errs = fmt.Sprintf("%d", v.Errors+v.Parks)
		}
		ov := ""
		if !v.Override.IsZero() {
			ov = describeOverride(v.Override)
		}
		delay := "-"
		if v.Reason != "" {
			delay = v.Delay.Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Host, ctl.PartitionOf(v.Host), v.Queued, v.Why, next,
			delay, v.Reason, errs, last, v.IP, ov)
	}
	tw.Flush()
}
