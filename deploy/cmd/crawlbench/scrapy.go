package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
)

//go:embed spider.py
var spiderPy []byte

// python is Debian's interpreter, the one python3-scrapy installs into
// (a python3 earlier on PATH, such as pyenv's, would not see it).
const python = "/usr/bin/python3"

// ensureScrapy returns the interpreter to run the spider with, installing
// Debian's python3-scrapy with apt-get when it is missing.
func ensureScrapy(ctx context.Context, stderr io.Writer) (string, error) {
	if exec.CommandContext(ctx, python, "-c", "import scrapy").Run() == nil {
		return python, nil
	}
	fmt.Fprintln(stderr, "crawlbench: installing python3-scrapy with apt-get")
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "python3-scrapy"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("apt-get %v: %w", args, err)
		}
	}
	if err := exec.CommandContext(ctx, python, "-c", "import scrapy").Run(); err != nil {
		return "", fmt.Errorf("scrapy still missing after apt-get: %w", err)
	}
	return python, nil
}
