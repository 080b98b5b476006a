// Package cli is the simweb command: "simweb serve" generates a synthetic web, optionally writes its
// ground truth and MaxMind databases, prints the DNS address and seed URLs, and serves until its context
// ends. It is a package so that tests can run the real command in process.
package cli
