// Command winnetdump prints what internal/winnet reads on this Windows
// machine, as the API gave it, in JSON: the tool to run on a real Windows
// (or under Wine) when a user's adapter is classified wrong. What wfh
// makes of it is what `wfh netstate` prints. Off Windows every source
// says it is unsupported.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/wfh-cli/wfh/internal/winnet"
)

type dump struct {
	Adapters      []winnet.Adapter  `json:"adapters"`
	AdaptersError string            `json:"adapters_error,omitempty"`
	Routes        []winnet.Route    `json:"routes"`
	RoutesError   string            `json:"routes_error,omitempty"`
	NRPT          []winnet.NRPTRule `json:"nrpt"`
	NRPTError     string            `json:"nrpt_error,omitempty"`
	Global        winnet.GlobalDNS  `json:"global_dns"`
	GlobalError   string            `json:"global_dns_error,omitempty"`
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func main() {
	var d dump
	var err error
	d.Adapters, err = winnet.ReadAdapters()
	d.AdaptersError = errText(err)
	d.Routes, err = winnet.ReadRoutes()
	d.RoutesError = errText(err)
	d.NRPT, err = winnet.ReadNRPT()
	d.NRPTError = errText(err)
	d.Global, err = winnet.ReadSearchList()
	d.GlobalError = errText(err)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		fmt.Fprintln(os.Stderr, "winnetdump:", err)
		os.Exit(1)
	}
}
