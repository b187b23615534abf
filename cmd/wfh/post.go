package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportpost"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// envProfile names the environment variable that gives the profile when
// --profile is not given: device management sets it once per machine.
const envProfile = "WFH_PROFILE"

// fleetHooks are the seams of the features IT uses at fleet scale: the
// profile fetched from a web address and the report posted to the
// helpdesk. The zero value is the real machine's.
type fleetHooks struct {
	// getenv reads the environment; nil means os.Getenv.
	getenv func(string) string
	// profileClient fetches profiles; nil means the system's roots.
	profileClient *http.Client
	// cacheDir keeps fetched profiles; "" means profile.DefaultCacheDir().
	cacheDir string
	// poster sends the report; nil means reportpost's defaults. Its Client,
	// when nil, trusts the system's roots and the profile's company CA.
	poster *reportpost.Poster
}

func (f *factory) getenv(name string) string {
	if f.fleet.getenv != nil {
		return f.fleet.getenv(name)
	}
	return os.Getenv(name)
}

func (f *factory) fetcher() *profile.Fetcher {
	return &profile.Fetcher{Client: f.fleet.profileClient, CacheDir: f.fleet.cacheDir, Now: f.now,
		UserAgent: "wfh/" + f.build.Version}
}

// loadProfile reads the profile named by --profile, or else by
// WFH_PROFILE: a file, or a web address fetched (or its saved copy). It
// returns the profile, where a fetched one came from (nil for a file) and
// any warning to show. Every failure is a usage error (exit 2), except
// Ctrl-C during a fetch.
func loadProfile(ctx context.Context, f *factory, o *doctorOptions) (*profile.Profile, *profile.Source, error) {
	name, from := o.profilePath, ""
	if name == "" {
		name, from = strings.TrimSpace(f.getenv(envProfile)), " (from "+envProfile+")"
	}
	if name == "" {
		return profile.Default(), nil, nil
	}
	opts := profile.Options{KnownChecks: f.registry.IDs()}
	if !profile.IsURL(name) {
		p, err := profile.LoadContext(ctx, name, opts)
		if errors.Is(err, context.Canceled) {
			return nil, nil, &exitError{code: exitInterrupted, msg: "interrupted while reading the profile", err: err}
		}
		if err != nil {
			return nil, nil, usageError("%s%s", err, from)
		}
		return p, nil, nil
	}
	res, err := f.fetcher().Fetch(ctx, name, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, &exitError{code: exitInterrupted, msg: "interrupted while fetching the profile", err: err}
		}
		return nil, nil, usageError("%s%s", err, from)
	}
	src := res.Source
	if src.FromCache {
		fmt.Fprintln(f.ios.ErrOut, "wfh: "+oneLine(fmt.Sprintf("warning: the profile %s cannot be fetched (%s); using the copy saved %s (%s)",
			src.URL, src.FetchProblem, ago(src.Age), src.FetchedAt.UTC().Format("2006-01-02 15:04 UTC"))))
	}
	if src.CacheProblem != "" {
		fmt.Fprintln(f.ios.ErrOut, "wfh: "+oneLine("warning: the profile was fetched, but "+src.CacheProblem+"; offline runs will not have it"))
	}
	return res.Profile, &src, nil
}

// reportSource is the report's record of a fetched profile.
func reportSource(src *profile.Source) *report.ProfileSource {
	if src == nil {
		return nil
	}
	return &report.ProfileSource{URL: src.URL, SHA256: src.SHA256, Pinned: src.Pinned, FetchedAt: src.FetchedAt.UTC(),
		FromCache: src.FromCache, AgeSeconds: math.Round(src.Age.Seconds())}
}

// ago says how long ago, in the largest unit that is at least 1.
func ago(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "just now"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// postTarget is where the report is posted: --post, else the profile's
// report.post_url; "" for nowhere.
func postTarget(o *doctorOptions, p *profile.Profile) string {
	if o.post != "" {
		return strings.TrimSpace(o.post)
	}
	return strings.TrimSpace(p.Report.PostURL)
}

// checkPostFlag refuses a --post address the profile would refuse.
func checkPostFlag(o *doctorOptions) error {
	if o.post == "" {
		return nil
	}
	if msg := profile.CheckPostURL(o.post); msg != "" {
		return usageError("--post %s; give the helpdesk's https:// address", msg)
	}
	return nil
}

// postReport sends the shared (redacted) report as JSON to target. It
// never changes the run's outcome: a failure is one warning line on
// standard error, and the report is written where it was asked either way.
// The Authorization header and the signature's secret come from the
// environment variables the profile names, and neither is ever printed.
func postReport(ctx context.Context, f *factory, p *profile.Profile, env *checks.Env, target string, shared report.Report, written bool) {
	where := displayAddress(target)
	warn := func(why string) {
		tail := "; the report itself was written as usual"
		if !written {
			tail = ""
		}
		fmt.Fprintln(f.ios.ErrOut, "wfh: "+oneLine("warning: the report was not posted to "+where+": "+why+tail))
	}
	var req reportpost.Request
	for _, v := range []struct {
		key, name string
		set       func(string)
	}{
		{"report.post_authorization_env", p.Report.PostAuthorizationEnv, func(s string) { req.Authorization = s }},
		{"report.post_secret_env", p.Report.PostSecretEnv, func(s string) { req.Secret = []byte(s) }},
	} {
		if v.name == "" {
			continue
		}
		value := f.getenv(v.name)
		if value == "" {
			warn(fmt.Sprintf("the environment variable %s, which the profile names in %s, is not set", v.name, v.key))
			return
		}
		v.set(value)
	}
	var body bytes.Buffer
	if err := render.Render(&body, shared, render.FormatJSON, render.Options{}); err != nil {
		warn(err.Error())
		return
	}
	req.URL, req.Body = target, body.Bytes()

	poster := reportpost.Poster{}
	if f.fleet.poster != nil {
		poster = *f.fleet.poster
	}
	poster.UserAgent = "wfh/" + f.build.Version
	if poster.Client == nil {
		roots, err := postRoots(env, p)
		if err != nil {
			warn(err.Error())
			return
		}
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.TLSClientConfig.RootCAs = roots
		poster.Client = &http.Client{Transport: transport}
	}
	if f.ios.IsStderrTTY() {
		fmt.Fprintf(f.ios.ErrOut, "Sending the report to %s…\n", where)
	}
	// Ctrl-C after the report is written still lets the post finish
	// within its own budget: the person asked for it to be sent.
	if err := poster.Post(context.WithoutCancel(ctx), req); err != nil {
		warn(err.Error())
	}
}

// postRoots are the roots the post trusts: the checks' own (the system's
// and the profile's company CA), or, when the environment has none (tests),
// the same built here.
func postRoots(env *checks.Env, p *profile.Profile) (*x509.CertPool, error) {
	if env != nil && env.Roots != nil {
		return env.Roots, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if p.CompanyCA == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(p.CompanyCA)
	if err != nil {
		return nil, fmt.Errorf("cannot read the company CA %s: %w", p.CompanyCA, err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the company CA %s holds no PEM certificate", p.CompanyCA)
	}
	return pool, nil
}

// displayAddress shows an address without credentials, query or fragment,
// where tokens hide.
func displayAddress(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the --post address"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
