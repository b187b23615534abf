package winnet

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// nrptTables are the two DnsPolicyConfig tables under HKLM.
var nrptTables = []struct{ source, path string }{
	{NRPTPolicy, `SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig`},
	{NRPTLocal, `SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig`},
}

// ReadNRPT returns the rules of both NRPT tables, the policy table's
// first. A table that does not exist holds no rule; a rule that cannot be
// read is skipped and named in the error, with the other rules returned.
func ReadNRPT() ([]NRPTRule, error) {
	var rules []NRPTRule
	var errs []error
	for _, t := range nrptTables {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, t.path, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE)
		if err != nil {
			if !notExist(err) {
				errs = append(errs, fmt.Errorf("NRPT %s table: %w", t.source, err))
			}
			continue
		}
		names, err := k.ReadSubKeyNames(-1)
		if err != nil {
			errs = append(errs, fmt.Errorf("NRPT %s table: %w", t.source, err))
		}
		for _, name := range names {
			r, err := readRule(k, t.source, name)
			if err != nil {
				errs = append(errs, fmt.Errorf("NRPT %s rule %s: %w", t.source, name, err))
				continue
			}
			rules = append(rules, r)
		}
		k.Close()
	}
	return rules, errors.Join(errs...)
}

func readRule(table registry.Key, source, name string) (NRPTRule, error) {
	k, err := registry.OpenKey(table, name, registry.QUERY_VALUE)
	if err != nil {
		return NRPTRule{}, err
	}
	defer k.Close()
	r := NRPTRule{Source: source, Key: name}
	// Name is REG_MULTI_SZ; some tools write one name as REG_SZ.
	if v, _, err := k.GetStringsValue("Name"); err == nil {
		r.Names = v
	} else if v, _, err2 := k.GetStringValue("Name"); err2 == nil {
		r.Names = []string{v}
	} else if !notExist(err) {
		return r, fmt.Errorf("Name: %w", err)
	}
	if v, _, err := k.GetStringValue("GenericDNSServers"); err == nil {
		r.GenericDNSServers = v
	}
	if v, _, err := k.GetIntegerValue("ConfigOptions"); err == nil {
		r.ConfigOptions = uint32(v)
	}
	if v, _, err := k.GetStringValue("Comment"); err == nil {
		r.Comment = v
	}
	return r, nil
}

// ReadSearchList returns the machine's primary DNS suffix and suffix
// search list: the policy's where Group Policy sets them, else TCP/IP's
// own.
func ReadSearchList() (GlobalDNS, error) {
	var g GlobalDNS
	var errs []error
	read := func(path string, value func(registry.Key)) {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
		if err != nil {
			if !notExist(err) {
				errs = append(errs, fmt.Errorf("%s: %w", path, err))
			}
			return
		}
		defer k.Close()
		value(k)
	}
	read(`SOFTWARE\Policies\Microsoft\Windows NT\DNSClient`, func(k registry.Key) {
		if v, _, err := k.GetStringValue("SearchList"); err == nil {
			g.SearchList = ParseSearchList(v)
		}
		if v, _, err := k.GetStringValue("PrimaryDnsSuffix"); err == nil {
			g.PrimarySuffix = v
		}
	})
	read(`SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, func(k registry.Key) {
		if len(g.SearchList) == 0 {
			if v, _, err := k.GetStringValue("SearchList"); err == nil {
				g.SearchList = ParseSearchList(v)
			}
		}
		if g.PrimarySuffix == "" {
			if v, _, err := k.GetStringValue("Domain"); err == nil {
				g.PrimarySuffix = v
			}
		}
	})
	return g, errors.Join(errs...)
}

func notExist(err error) bool {
	return errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
}
