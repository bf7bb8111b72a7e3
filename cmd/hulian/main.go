// Command hulian is the data interconnection exchange: the operator's
// platform, each member's node, and the members' tools, in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"hulian/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
