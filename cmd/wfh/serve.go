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
	// tokenFrom names where the token came from, for its error message.
	tokenFrom string
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

It is built to be reachable from the internet: it limits how many clients
test at once, how long one client may test and how large an upload may be
(the flags below), and holds every client to limits of its own, so that
one address cannot lock the others out. It can require a token; it logs
one line per test on standard error; and it stops within seconds on Ctrl-C
or SIGTERM. See docs/serve.md.

LIMITS
` + indent(speedserver.LimitsHelp(), "  ") + `

EXIT STATUS
  0  stopped by Ctrl-C or SIGTERM
  1  could not listen (the port is in use, or needs privileges) or failed
  2  usage error: a flag outside its rule, a congestion control this
     system does not offer, or a bad listen address
  3  internal error (a bug in wfh)`,
		Example: `  # Serve on port 8080 of every address
  wfh serve

  # Only on the VPN address, with a token clients add as ?token=...
  WFH_SERVE_TOKEN=s3cret wfh serve --listen 10.8.0.1:8080

  # A bigger server: 20 tests at once, BBR instead of CUBIC
  wfh serve --max-clients 20 --congestion bbr`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.tokenFrom = "--token"
			if !cmd.Flags().Changed("token") {
				opts.token, opts.tokenFrom = os.Getenv(tokenEnv), tokenEnv
			}
			if !cmd.Flags().Changed("congestion") {
				opts.congestion = "" // the default: CUBIC if the system has it
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.listen, "listen", ":8080", "`address` to listen on, host:port (\":8080\" is every address)")
	fl.StringVar(&opts.token, "token", "", fmt.Sprintf("token clients must send (?token=… or Authorization: Bearer …): printable, no spaces, at most %d characters; or set %s", speedserver.MaxTokenLen, tokenEnv))
	fl.IntVar(&opts.maxClients, "max-clients", speedserver.DefaultMaxClients, fmt.Sprintf("tests that may move data at once, from %d to %d", speedserver.MinMaxClients, speedserver.MaxMaxClients))
	fl.DurationVar(&opts.maxTest, "max-test", speedserver.DefaultMaxTest, fmt.Sprintf("longest one client may keep testing, from %s to %s", shortDuration(speedserver.MinMaxTest), shortDuration(speedserver.MaxMaxTest)))
	fl.StringVar(&opts.maxBody, "max-body", "32MB", "largest upload request accepted, from 1MB to 1GB")
	fl.StringVar(&opts.congestion, "congestion", speedserver.DefaultCongestion, "TCP congestion control of the server's sockets (Linux only): one the kernel lists as available, or \"system\"")
	return cmd
}

func indent(s, pad string) string {
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// shortDuration writes 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
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

// checkServeFlags applies each flag's one rule, as --help states it.
func checkServeFlags(o *serveOptions) (body int64, err error) {
	if err := checkListen(o.listen); err != nil {
		return 0, err
	}
	if o.maxClients < speedserver.MinMaxClients || o.maxClients > speedserver.MaxMaxClients {
		return 0, usageError("--max-clients must be from %d to %d, not %d", speedserver.MinMaxClients, speedserver.MaxMaxClients, o.maxClients)
	}
	if o.maxTest < speedserver.MinMaxTest || o.maxTest > speedserver.MaxMaxTest {
		return 0, usageError("--max-test must be from %s to %s, not %s", shortDuration(speedserver.MinMaxTest), shortDuration(speedserver.MaxMaxTest), o.maxTest)
	}
	size, err := profile.ParseDataSize(o.maxBody)
	if err != nil {
		return 0, usageError("--max-body %s", strings.TrimPrefix(err.Error(), "is "))
	}
	if int64(size) < speedserver.MinMaxBody || int64(size) > speedserver.MaxMaxBody {
		return 0, usageError("--max-body must be from %s to %s, not %s", profile.DataSize(speedserver.MinMaxBody), profile.DataSize(speedserver.MaxMaxBody), size)
	}
	if err := speedserver.CheckToken(o.token); err != nil {
		return 0, usageError("%s: %s", o.tokenFrom, err)
	}
	return int64(size), nil
}

func serveRun(ctx context.Context, f *factory, o *serveOptions) error {
	body, err := checkServeFlags(o)
	if err != nil {
		return err
	}
	logger := log.New(f.ios.ErrOut, "wfh serve: ", log.LstdFlags)
	srv, err := speedserver.New(speedserver.Config{
		Token: o.token, MaxClients: o.maxClients, MaxTest: o.maxTest, MaxBody: body,
		Congestion: o.congestion, Logf: logger.Printf,
	})
	var ccErr *speedserver.CongestionError
	switch {
	case errors.As(err, &ccErr):
		return usageError("--congestion %s", ccErr)
	case err != nil:
		return usageError("%s", err)
	}
	ln, err := srv.Listen(ctx, o.listen)
	if errors.As(err, &ccErr) {
		return usageError("--congestion %s", ccErr)
	}
	if err != nil {
		return listenError(o.listen, err)
	}
	auth := "no token"
	if o.token != "" {
		auth = "token required"
	}
	logger.Printf("listening on %s (%s, at most %d tests at once, %s each); profiles use bandwidth.server: http://%s/",
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
