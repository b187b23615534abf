package profile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/internal/atomicfile"
)

// A profile may be fetched from IT's web address (--profile https://…,
// WFH_PROFILE), so that IT changes one file for the whole fleet. The
// profile decides what is checked, what the report keeps and where it is
// posted, so its integrity matters as much as a local file's:
//
//   - https:// only, or http:// when the address pins the content with
//     #sha256=… (the pin then gives the integrity TLS would) or names this
//     computer. Redirects follow the same rule, at most five of them.
//   - A pin that does not match stops the run (exit 2): the file changed,
//     or something altered it on the way.
//   - company_ca is an address relative to the profile's, and must carry
//     its own #sha256= pin: a CA is trusted for every TLS check, and a
//     fetched profile must not be able to make wfh trust any certificate
//     without IT having fixed which one.
//   - Every fetched profile (and its CA) is saved in the user's cache
//     folder. When the address cannot be reached (offline, a VPN that is
//     down, a server error, a sign-in page instead of the file), the saved
//     copy is used, the report says how old it is, and one warning line
//     says so. What the server does send is never second-guessed: a file
//     that is too big, fails its pin or is not a valid profile stops the
//     run, because the saved copy would hide IT's mistake.

const (
	// FetchTimeout bounds fetching the profile and its CA together: both
	// are a few kilobytes, and even a poor link moves 1 MiB in this time.
	// The checks' own --timeout starts after it.
	FetchTimeout = 15 * time.Second
	// maxRedirects bounds the redirects a profile address may take (a
	// web server moving files); more is a loop.
	maxRedirects = 5
	// cacheFolder is wfh's folder in the user's cache directory.
	cacheFolder = "wfh"
)

// IsURL reports whether a --profile value is a web address, not a file.
func IsURL(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// DefaultCacheDir is where fetched profiles are kept for offline use: the
// user's cache folder (~/.cache, ~/Library/Caches, %LocalAppData%), or
// the temporary folder when there is none.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, cacheFolder, "profiles")
}

// Fetcher fetches profiles from web addresses.
type Fetcher struct {
	// Client makes the requests; nil means the system's roots and proxy
	// settings. Its redirect policy is replaced by the rule above.
	Client *http.Client
	// CacheDir holds the saved copies; empty means DefaultCacheDir.
	CacheDir string
	// Now is the clock of FetchedAt and ages; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one fetch; 0 means FetchTimeout.
	Timeout time.Duration
	// NoCache never uses a saved copy: wfh profile validate must say
	// whether the address works now.
	NoCache bool
	// UserAgent is sent with every request.
	UserAgent string
}

// Source says where a fetched profile came from.
type Source struct {
	// URL is the address without credentials, query or fragment.
	URL string
	// SHA256 is the hex SHA-256 of the profile's bytes.
	SHA256 string
	// Pinned is true when the address had a #sha256= pin.
	Pinned bool
	// FetchedAt is when the copy used was downloaded.
	FetchedAt time.Time
	// FromCache is true when the saved copy was used; FetchProblem then
	// says why the address gave no profile.
	FromCache    bool
	FetchProblem string
	// Age is how old the copy was when it was loaded.
	Age time.Duration
	// CacheProblem, when set, says why the fresh copy could not be saved
	// for offline use (the run goes on).
	CacheProblem string
}

// Fetched is a profile fetched from a web address.
type Fetched struct {
	Profile  *Profile
	Source   Source
	Settings []Setting
}

// unreachable marks a failure to get the file from the server: the one
// kind of failure the saved copy stands in for.
type unreachable struct{ reason string }

func (u *unreachable) Error() string { return u.reason }

// cacheEntry is one saved profile, with its CA when it names one.
type cacheEntry struct {
	URL       string    `json:"url"`
	FetchedAt time.Time `json:"fetched_at"`
	SHA256    string    `json:"sha256"`
	Profile   string    `json:"profile"`
	CA        *cachedCA `json:"ca,omitempty"`
}

type cachedCA struct {
	Ref    string `json:"ref"` // company_ca as the profile writes it
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	PEM    string `json:"pem"`
}

// profileAddress is a parsed profile address.
type profileAddress struct {
	u       *url.URL // without the fragment
	pin     string   // lower-case hex, or ""
	display string
}

// Fetch loads the profile at raw (an http:// or https:// address with an
// optional #sha256= pin) and, when it names one, its company CA.
func (f *Fetcher) Fetch(ctx context.Context, raw string, o Options) (*Fetched, error) {
	addr, perr := parseProfileAddress(raw)
	if perr != nil {
		return nil, perr
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = FetchTimeout
	}
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	st := &fetchState{f: f, ctx: fctx, base: addr.u}
	body, err := st.get(addr.u, addr.pin != "")
	if err == nil {
		var res *Fetched
		res, err = st.fresh(addr, body, o)
		if err == nil {
			return res, nil
		}
	}
	var u *unreachable
	if !errors.As(err, &u) {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err() // Ctrl-C: not the server's fault, and no warning to give
	}
	if f.NoCache {
		return nil, &Error{File: addr.display, Msg: "cannot be fetched: " + u.reason,
			Fix: "check the address, and that this computer reaches it (VPN, proxy)"}
	}
	return st.cached(addr, u.reason, o)
}

type fetchState struct {
	f    *Fetcher
	ctx  context.Context
	base *url.URL
	// caUnreachable is set when the company CA could not be fetched, so
	// that the whole fetch falls back to the saved copy.
	caUnreachable *unreachable
	ca            *cachedCA
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) cacheDir() string {
	if f.CacheDir != "" {
		return f.CacheDir
	}
	return DefaultCacheDir()
}

// fresh parses a profile just downloaded and saves it.
func (st *fetchState) fresh(addr profileAddress, body []byte, o Options) (*Fetched, error) {
	sum := sha256Hex(body)
	if addr.pin != "" && sum != addr.pin {
		return nil, &Error{File: addr.display,
			Msg: fmt.Sprintf("the profile's SHA-256 is %s, not the pinned %s", sum, addr.pin),
			Fix: "the file changed, or something altered it on the way: ask IT for the current address and pin (wfh profile validate URL prints the pin)"}
	}
	o.remoteCA = st.fetchCA
	p, settings, err := Inspect(addr.display, body, o)
	if st.caUnreachable != nil {
		return nil, st.caUnreachable
	}
	if err != nil {
		return nil, err
	}
	p.Path = addr.display
	now := st.f.now()
	src := Source{URL: addr.display, SHA256: sum, Pinned: addr.pin != "", FetchedAt: now}
	entry := cacheEntry{URL: addr.u.String(), FetchedAt: now.UTC(), SHA256: sum, Profile: string(body), CA: st.ca}
	if err := st.f.save(entry); err != nil {
		src.CacheProblem = err.Error()
	}
	return &Fetched{Profile: p, Source: src, Settings: settings}, nil
}

// cached loads the saved copy of addr, when the fresh fetch failed.
func (st *fetchState) cached(addr profileAddress, reason string, o Options) (*Fetched, error) {
	noCopy := func(why string) error {
		return &Error{File: addr.display, Msg: "cannot be fetched (" + reason + ") and " + why,
			Fix: "check the address, and that this computer reaches it (VPN, proxy); once it has been fetched, a copy is kept for offline use"}
	}
	data, err := os.ReadFile(st.f.cachePath(addr.u, ".json"))
	if err != nil {
		return nil, noCopy("no copy was saved by an earlier run")
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil || e.URL != addr.u.String() || sha256Hex([]byte(e.Profile)) != e.SHA256 {
		return nil, noCopy("the copy saved by an earlier run is damaged")
	}
	if addr.pin != "" && e.SHA256 != addr.pin {
		return nil, noCopy("the copy saved by an earlier run does not match the pin")
	}
	o.remoteCA = func(p *Profile) *readError { return st.cachedCA(p, e.CA) }
	p, settings, perr := Inspect(addr.display, []byte(e.Profile), o)
	if perr != nil {
		return nil, perr
	}
	p.Path = addr.display
	age := max(st.f.now().Sub(e.FetchedAt), 0)
	return &Fetched{Profile: p, Settings: settings, Source: Source{URL: addr.display, SHA256: e.SHA256, Pinned: addr.pin != "",
		FetchedAt: e.FetchedAt, FromCache: true, FetchProblem: reason, Age: age}}, nil
}

// fetchCA fetches the company CA a fresh profile names, relative to the
// profile's address, checks its pin and certificate, and points the
// profile at the saved file the checks will read.
func (st *fetchState) fetchCA(p *Profile) *readError {
	ref, caURL, pin, rerr := caAddress(st.base, p.CompanyCA)
	if rerr != nil {
		return rerr
	}
	body, err := st.get(caURL, true)
	if err != nil {
		if u, ok := err.(*unreachable); ok {
			st.caUnreachable = &unreachable{reason: "company_ca " + displayURL(caURL) + ": " + u.reason}
			return &readError{msg: "company_ca: cannot be fetched: " + u.reason}
		}
		var pe *Error
		if errors.As(err, &pe) {
			return &readError{msg: "company_ca: " + pe.Msg, fix: pe.Fix}
		}
		return &readError{msg: "company_ca: " + err.Error()}
	}
	sum := sha256Hex(body)
	if sum != pin {
		return &readError{msg: fmt.Sprintf("company_ca: the SHA-256 of %s is %s, not the pinned %s", displayURL(caURL), sum, pin),
			fix: "the CA file changed, or something altered it on the way: IT must publish the profile with the CA's current pin"}
	}
	if err := checkPEM(displayURL(caURL), body); err != nil {
		return err
	}
	path, werr := st.f.writeCA(st.base, body)
	if werr != nil {
		return &readError{msg: "company_ca: cannot save the CA for the checks: " + werr.Error(),
			fix: "make the cache folder " + st.f.cacheDir() + " writable"}
	}
	p.CompanyCA = path
	st.ca = &cachedCA{Ref: ref, URL: caURL.String(), SHA256: sum, PEM: string(body)}
	return nil
}

// cachedCA points a profile loaded from the cache at its saved CA.
func (st *fetchState) cachedCA(p *Profile, ca *cachedCA) *readError {
	ref, caURL, pin, rerr := caAddress(st.base, p.CompanyCA)
	if rerr != nil {
		return rerr
	}
	if ca == nil || ca.Ref != ref || ca.URL != caURL.String() || ca.SHA256 != pin || sha256Hex([]byte(ca.PEM)) != pin {
		return &readError{msg: "company_ca: no saved copy of " + displayURL(caURL) + " matches the pin",
			fix: "connect to the network that reaches the profile's address and run wfh again"}
	}
	if err := checkPEM(displayURL(caURL), []byte(ca.PEM)); err != nil {
		return err
	}
	path, err := st.f.writeCA(st.base, []byte(ca.PEM))
	if err != nil {
		return &readError{msg: "company_ca: cannot save the CA for the checks: " + err.Error(),
			fix: "make the cache folder " + st.f.cacheDir() + " writable"}
	}
	p.CompanyCA = path
	return nil
}

// caAddress resolves company_ca against the profile's address and splits
// off its pin, which is required.
func caAddress(base *url.URL, raw string) (ref string, u *url.URL, pin string, rerr *readError) {
	ref = strings.TrimSpace(raw)
	const fix = "in a profile fetched from a web address, company_ca is the CA's address, relative to the profile's, " +
		"ending in #sha256= and the file's SHA-256 (sha256sum acme-root-ca.pem prints it), e.g. company_ca: acme-root-ca.pem#sha256=…"
	if ref == "" {
		return "", nil, "", &readError{msg: "company_ca is empty", fix: fix}
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", nil, "", &readError{msg: fmt.Sprintf("company_ca %s is not an address", quote(raw)), fix: fix}
	}
	pin, ok := parsePin(r.Fragment)
	if !ok {
		return "", nil, "", &readError{msg: fmt.Sprintf("company_ca %s has no #sha256= pin, which a profile fetched from a web address needs", quote(raw)), fix: fix}
	}
	r.Fragment, r.RawFragment = "", ""
	u = base.ResolveReference(r)
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return "", nil, "", &readError{msg: fmt.Sprintf("company_ca %s is not a web address", quote(raw)), fix: fix}
	}
	return ref, u, pin, nil
}

// get downloads one file: status 200, not a web page, at most 1 MiB. A
// failure to get it is *unreachable; a file that is too big is an *Error.
func (st *fetchState) get(u *url.URL, pinned bool) ([]byte, error) {
	client := st.client(pinned)
	req, err := http.NewRequestWithContext(st.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &unreachable{reason: err.Error()}
	}
	if st.f.UserAgent != "" {
		req.Header.Set("User-Agent", st.f.UserAgent)
	}
	req.Header.Set("Accept", "application/yaml, text/yaml, application/x-pem-file, text/plain;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, &unreachable{reason: requestProblem(err, st.ctx)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &unreachable{reason: "the server answered HTTP " + resp.Status}
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "text/html" {
		// A sign-in page or a captive portal answers 200 with a web page.
		return nil, &unreachable{reason: "the server answered with a web page, not the file (a sign-in or hotel Wi-Fi page?)"}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFileSize+1))
	if err != nil {
		return nil, &unreachable{reason: fmt.Sprintf("the download stopped after %d bytes: %s", len(body), requestProblem(err, st.ctx))}
	}
	if len(body) > maxFileSize {
		return nil, &Error{File: displayURL(u), Msg: "is larger than 1 MiB",
			Fix: "check the address: a profile is a few lines of YAML, a CA file a few kilobytes"}
	}
	return body, nil
}

// client is the Fetcher's client with the redirect rule of the package
// comment: at most five, never from a pinned or TLS address to a plain
// one that is not pinned.
func (st *fetchState) client(pinned bool) *http.Client {
	c := http.Client{}
	if st.f.Client != nil {
		c = *st.f.Client
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme == "http" && !pinned && !IsLoopbackHost(req.URL.Hostname()) {
			return fmt.Errorf("redirected to %s, which is not https://", displayURL(req.URL))
		}
		return nil
	}
	return &c
}

// requestProblem words a request error without the URL, which the
// message already names.
func requestProblem(err error, ctx context.Context) string {
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return "no answer within the time limit"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// parseProfileAddress checks a profile address and splits off its pin.
func parseProfileAddress(raw string) (profileAddress, *Error) {
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	display := s
	if err == nil {
		display = displayURL(u)
	}
	bad := func(msg, fix string) (profileAddress, *Error) {
		return profileAddress{}, &Error{File: display, Msg: msg, Fix: fix}
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return bad("is not a web address", "write https:// and the profile's address, or the path of a file")
	}
	pin := ""
	if u.Fragment != "" {
		var ok bool
		if pin, ok = parsePin(u.Fragment); !ok {
			return bad("has a # part that is not a pin",
				"end the address with #sha256= and the profile's 64-character SHA-256 (wfh profile validate URL prints it), or leave the # part out")
		}
	}
	if u.Scheme == "http" && pin == "" && !IsLoopbackHost(u.Hostname()) {
		return bad("is not encrypted (http://): anyone on the way could change what wfh checks and where the report goes",
			"use the https:// address, or pin the content by adding #sha256= and the profile's SHA-256 (wfh profile validate URL prints it)")
	}
	u.Fragment, u.RawFragment = "", ""
	return profileAddress{u: u, pin: pin, display: displayURL(u)}, nil
}

// parsePin reads "sha256=<64 hex>".
func parsePin(fragment string) (string, bool) {
	v, ok := strings.CutPrefix(fragment, "sha256=")
	v = strings.ToLower(v)
	if !ok || len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
		return "", false
	}
	return v, true
}

// displayURL is an address without credentials, query or fragment, which
// may hold secrets and do not help a reader.
func displayURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	return c.String()
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cachePath names a profile's saved files: one per address, so that two
// organisations' profiles (or a test's) never mix.
func (f *Fetcher) cachePath(u *url.URL, suffix string) string {
	return filepath.Join(f.cacheDir(), sha256Hex([]byte(u.String()))[:32]+suffix)
}

func (f *Fetcher) save(e cacheEntry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.cacheDir(), 0o755); err != nil {
		return fmt.Errorf("cannot save a copy for offline use: %w", err)
	}
	if err := atomicfile.Write(f.cachePath(u, ".json"), data); err != nil {
		return fmt.Errorf("cannot save a copy for offline use: %w", err)
	}
	return nil
}

// writeCA saves the CA where the checks read it.
func (f *Fetcher) writeCA(profileURL *url.URL, pem []byte) (string, error) {
	if err := os.MkdirAll(f.cacheDir(), 0o755); err != nil {
		return "", err
	}
	path := f.cachePath(profileURL, "-ca.pem")
	return path, atomicfile.Write(path, pem)
}
