// Command wfh finds out why a home worker's calls stutter, VPN won't connect
// or camera isn't seen, and writes a report to hand to IT.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wfh-cli/wfh/internal/iostreams"
)

// Set by the release build through -ldflags -X; see .goreleaser.yaml. Empty
// in a source build, where version.go falls back to the build info.
var (
	version    = ""
	commit     = ""
	commitDate = "" // RFC 3339
	date       = "" // the build's time, RFC 3339
	treeState  = "" // "clean" or "dirty"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C, give the default behaviour back so a
		// second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], iostreams.System())
	stop()
	os.Exit(code)
}
