package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// levelTrace is below slog.LevelDebug: nats-server's protocol trace.
const levelTrace = slog.LevelDebug - 4

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "trace":
		return levelTrace, nil
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level %q: want trace, debug, info, warn or error", s)
}

// serverLog writes nats-server's log through slog, as JSON like the other
// Trawl services. A fatal error is logged and reported on fatal, so that Main
// shuts the server down and exits 1 instead of the server exiting the
// process itself.
type serverLog struct {
	l     *slog.Logger
	fatal chan<- string
}

func (s *serverLog) log(level slog.Level, format string, v []any) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(format, v...), "component", "nats-server")
}

func (s *serverLog) Noticef(format string, v ...any) { s.log(slog.LevelInfo, format, v) }
func (s *serverLog) Warnf(format string, v ...any)   { s.log(slog.LevelWarn, format, v) }
func (s *serverLog) Errorf(format string, v ...any)  { s.log(slog.LevelError, format, v) }
func (s *serverLog) Debugf(format string, v ...any)  { s.log(slog.LevelDebug, format, v) }
func (s *serverLog) Tracef(format string, v ...any)  { s.log(levelTrace, format, v) }

func (s *serverLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	s.l.Error(msg, "component", "nats-server", "fatal", true)
	select {
	case s.fatal <- msg:
	default:
	}
}
