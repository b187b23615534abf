package bandwidth

import (
	"os"
	"strings"
	"testing"
)

func TestParseServerListJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/servers-js.json")
	if err != nil {
		t.Fatal(err)
	}
	servers, err := parseServerList(data)
	if err != nil {
		t.Fatal(err)
	}
	// The entry without a URL, the ftp one and the one with a numeric id
	// are dropped; the rest come nearest first.
	var names []string
	for _, s := range servers {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "Rotterdam,Amsterdam" {
		t.Errorf("servers %v", names)
	}
	if servers[0].Sponsor != "Example Fiber" || servers[0].Host != "st1.rtm.example.net:8080" {
		t.Errorf("first %+v", servers[0])
	}
}

func TestParseServerListXML(t *testing.T) {
	data, err := os.ReadFile("testdata/servers-static.xml")
	if err != nil {
		t.Fatal(err)
	}
	servers, err := parseServerList(data)
	if err != nil || len(servers) != 2 || servers[0].Name != "Paris" {
		t.Fatalf("%v %+v", err, servers)
	}
}

func TestParseServerListRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":     "  \n",
		"html":      "<html><body>Sign in to the hotel Wi-Fi</body></html>",
		"text":      "Service Unavailable",
		"no usable": `[{"name":"x"}]`,
		"bad json":  `[{"url":`,
		"object":    `{"servers":[]}`,
	} {
		if _, err := parseServerList([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseServerList(f *testing.F) {
	for _, p := range []string{"testdata/servers-js.json", "testdata/servers-static.xml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[{"url":"http://h/upload.php","distance":-1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		servers, err := parseServerList(data)
		if err != nil {
			return
		}
		for _, s := range servers {
			if _, err := uploadURL(s.URL); err != nil {
				t.Fatalf("returned an unusable server %q: %v", s.URL, err)
			}
		}
	})
}

func TestUploadURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://speed.example:8080":                            "http://speed.example:8080/speedtest/upload.php",
		"http://speed.example:8080/":                           "http://speed.example:8080/speedtest/upload.php",
		" https://intranet.example/speed/ ":                    "https://intranet.example/speed/upload.php",
		"http://h.example:8080/speedtest/upload.php":           "http://h.example:8080/speedtest/upload.php",
		"http://h.example/speedtest/upload.php?token=s3cret#x": "http://h.example/speedtest/upload.php?token=s3cret",
		"http://[fd00::1]:8080/":                               "http://[fd00::1]:8080/speedtest/upload.php",
	} {
		u, err := uploadURL(in)
		if err != nil || u.String() != want {
			t.Errorf("%q → %v %v, want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"", "speed.example:8080", "ftp://h/", "http://", "http://h:99999/", "http://h:x/"} {
		if u, err := uploadURL(bad); err == nil {
			t.Errorf("%q accepted as %v", bad, u)
		}
	}
	u, _ := uploadURL("http://h.example/speedtest/upload.php?token=s3cret")
	if got := fileURL(u, "random350x350.jpg"); got != "http://h.example/speedtest/random350x350.jpg?token=s3cret" {
		t.Errorf("fileURL %s", got)
	}
	if hostOf(u) != "h.example" {
		t.Errorf("hostOf %s", hostOf(u))
	}
}
