package bandwidth

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/showwin/speedtest-go/speedtest"
)

// DefaultListURL is where the nearest servers are listed when the profile
// names no server: the list speedtest-go reads, sorted by distance from
// the caller's address, limited to the few nearest.
const DefaultListURL = "https://www.speedtest.net/api/js/servers?engine=js&limit=10"

// maxListBytes bounds the list read: ten servers are about 4 kB; the XML
// form of the whole list is about 2 MB, which is the wrong thing to fetch.
const maxListBytes = 1 << 20

// maxCandidates is how many of the nearest servers are tried: their round
// trips are measured at once, and five gives a choice when one is down.
const maxCandidates = 5

// parseServerList reads the server list, in either of the forms the
// speedtest.net endpoints serve: a JSON array (api/js/servers) or the XML
// <settings><servers><server …/> form (speedtest-servers-static.php).
// Entries without a usable http(s) upload URL are dropped; the rest are
// returned nearest first (the list's order when it gives no distance).
func parseServerList(data []byte) ([]*speedtest.Server, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, errors.New("the server list is empty")
	}
	var raw []*speedtest.Server
	switch trimmed[0] {
	case '[':
		// Entry by entry: one entry of an unexpected shape (an id written
		// as a number) must not cost the whole list.
		var entries []json.RawMessage
		if err := json.Unmarshal(trimmed, &entries); err != nil {
			return nil, fmt.Errorf("the server list is not valid JSON: %w", err)
		}
		for _, e := range entries {
			var s speedtest.Server
			if json.Unmarshal(e, &s) == nil {
				raw = append(raw, &s)
			}
		}
	case '<':
		var list speedtest.ServerList
		if err := xml.Unmarshal(trimmed, &list); err != nil {
			return nil, fmt.Errorf("the server list is not valid XML: %w", err)
		}
		raw = list.Servers
	default:
		return nil, errors.New("the server list is neither JSON nor XML (a web page?)")
	}
	var out []*speedtest.Server
	for _, s := range raw {
		if s == nil {
			continue
		}
		if _, err := uploadURL(s.URL); err != nil {
			continue
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("the server list names no usable server")
	}
	sort.SliceStable(out, func(i, j int) bool { return distanceOf(out[i]) < distanceOf(out[j]) })
	return out, nil
}

// distanceOf is the server's distance in km; unknown sorts last but keeps
// the list's own order among the unknown.
func distanceOf(s *speedtest.Server) float64 {
	if s.Distance > 0 {
		return s.Distance
	}
	return 1e9
}

// uploadURL turns a server address into the URL of its upload.php, the
// form speedtest-go keeps in Server.URL: the latency and download files
// sit in the same directory. It accepts
//
//   - a full upload URL, as the server list gives it
//     (http://host:8080/speedtest/upload.php), kept as is;
//   - a bare host address (http://host:8080 or http://host:8080/), which
//     means the usual /speedtest/ directory of public servers, also
//     served by wfh serve;
//   - a directory (https://intranet.example/speed/), which holds the files.
//
// A query string (a wfh serve token) is kept; speedtest-go carries it to
// every request.
func uploadURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("not a web address: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("must start with http:// or https://, got %q", raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("has no host name: %q", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("has a bad port %q", p)
		}
	}
	u.Fragment, u.RawFragment = "", ""
	switch {
	case strings.HasSuffix(u.Path, ".php"):
	case u.Path == "" || u.Path == "/":
		u.Path = "/speedtest/upload.php"
	default:
		u.Path = strings.TrimSuffix(u.Path, "/") + "/upload.php"
	}
	u.RawPath = ""
	return u, nil
}

// fileURL is the URL of name ("latency.txt", "random1000x1000.jpg") next
// to upload.php, with the query kept, as speedtest-go builds it.
func fileURL(upload *url.URL, name string) string {
	u := *upload
	u.Path = u.Path[:strings.LastIndexByte(u.Path, '/')+1] + name
	return u.String()
}
