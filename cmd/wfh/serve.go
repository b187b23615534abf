package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/speedserver"
)

// exitServeFailed: wfh serve could not start (the port is taken, or a
// privileged port without the right) or stopped on an error.
const exitServeFailed = 1

// tokenEnv carries the token without showing it in the process list.
const tokenEnv = "WFH_SERVE_TOKEN"

type serveOptions struct {
	listen     string
	token      string
	maxClients int
	maxTest    time.Duration
	maxBody    string
	congestion string
}

func newServeCmd(f *factory, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a speed-test server that wfh doctor (and speedtest-go) can measure against",
		Long: `Serve the speed-test protocol that wfh doctor's bandwidth check and
speedtest-go use (latency.txt, random{N}x{N}.jpg, upload.php under / and
/speedtest/, plus the HI and PING lines of the Ookla control protocol on
the same port), so that IT can measure the path from a teleworker's home to
its own network, or through its VPN.

Point teleworkers at it with the profile key bandwidth.server, for example
  bandwidth:
    server: http://speedtest.acme.example:8080/

It limits how many clients test at once, how long one client may test and
how large an upload may be; it can require a token; it logs one line per
test on standard error; and it stops cleanly on Ctrl-C or SIGTERM. See
docs/serve.md.

EXIT STATUS
  0  stopped by Ctrl-C or SIGTERM
  1  could not listen (the port is in use, or needs privileges) or failed
  2  usage error: a bad flag or listen address
  3  internal error (a bug in wfh)`,
		Example: `  # Serve on port 8080 of every address
  wfh serve

  # Only on the VPN address, with a token clients add as ?token=...
  WFH_SERVE_TOKEN=s3cret wfh serve --listen 10.8.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("token") {
				opts.token = os.Getenv(tokenEnv)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.listen, "listen", ":8080", "`address` to listen on, host:port (\":8080\" is every address)")
	fl.StringVar(&opts.token, "token", "", "require this token from clients (?token=… or Authorization: Bearer …); also read from "+tokenEnv)
	fl.IntVar(&opts.maxClients, "max-clients", speedserver.DefaultMaxClients, "most clients that may test at once")
	fl.DurationVar(&opts.maxTest, "max-test", speedserver.DefaultMaxTest, "longest one client may keep testing")
	fl.StringVar(&opts.maxBody, "max-body", "32MB", "largest upload request accepted")
	fl.StringVar(&opts.congestion, "congestion", speedserver.DefaultCongestion, "TCP congestion control of the server's sockets (Linux), or \"system\" for the system's default")
	return cmd
}

// checkListen refuses listen addresses that cannot work before trying.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError("--listen %q is not host:port; write e.g. :8080 or 10.8.0.1:8080", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usageError("--listen %q has a bad port %q; use a number from 1 to 65535", addr, port)
	}
	if strings.ContainsAny(host, " /") {
		return usageError("--listen %q has a bad host %q; write an address of this machine, or leave it out for all", addr, host)
	}
	return nil
}

func serveRun(ctx context.Context, f *factory, o *serveOptions) error {
	if err := checkListen(o.listen); err != nil {
		return err
	}
	if o.maxClients < 1 {
		return usageError("--max-clients must be at least 1, not %d", o.maxClients)
	}
	body, err := profile.ParseDataSize(o.maxBody)
	if err != nil {
		return usageError("--max-body %s", strings.TrimPrefix(err.Error(), "is "))
	}
	logger := log.New(f.ios.ErrOut, "wfh serve: ", log.LstdFlags)
	srv, err := speedserver.New(speedserver.Config{
		Token: o.token, MaxClients: o.maxClients, MaxTest: o.maxTest, MaxBody: int64(body),
		Congestion: o.congestion, Logf: logger.Printf,
	})
	if err != nil {
		return usageError("%s", err)
	}
	ln, err := srv.Listen(ctx, o.listen)
	if err != nil {
		return listenError(o.listen, err)
	}
	auth := "no token"
	if o.token != "" {
		auth = "token required"
	}
	logger.Printf("listening on %s (%s, at most %d clients, %s each); profiles use bandwidth.server: http://%s/",
		ln.Addr(), auth, o.maxClients, o.maxTest, advertised(ln.Addr()))
	if err := srv.Serve(ctx, ln); err != nil {
		return &exitError{code: exitServeFailed, msg: "serve stopped: " + err.Error(), err: err}
	}
	logger.Printf("stopped")
	return nil
}

// listenError says why the address cannot be used, in one line.
func listenError(addr string, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return &exitError{code: exitServeFailed, err: err,
			msg: fmt.Sprintf("cannot listen on %s: the port is already in use; stop the other program or choose another port with --listen", addr)}
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return &exitError{code: exitServeFailed, err: err,
			msg: fmt.Sprintf("cannot listen on %s: permission denied (ports below 1024 need privileges); choose a port above 1024 with --listen", addr)}
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return usageError("cannot listen on %s: that address is not one of this machine's; leave the host out (:PORT) or use one of its addresses", addr)
	case errors.As(err, &dnsErr):
		return usageError("cannot listen on %s: the host name is unknown; use an address of this machine", addr)
	}
	return &exitError{code: exitServeFailed, err: err, msg: fmt.Sprintf("cannot listen on %s: %v", addr, err)}
}

// advertised is the address clients would use: the bound one, with the
// placeholder HOST when it listens on every address.
func advertised(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP == nil || tcp.IP.IsUnspecified() {
		port := ""
		if ok {
			port = strconv.Itoa(tcp.Port)
		}
		return "THIS-HOST:" + port
	}
	return a.String()
}
