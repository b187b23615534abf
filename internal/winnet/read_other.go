//go:build !windows

package winnet

// ReadAdapters returns ErrUnsupported off Windows.
func ReadAdapters() ([]Adapter, error) { return nil, ErrUnsupported }

// ReadRoutes returns ErrUnsupported off Windows.
func ReadRoutes() ([]Route, error) { return nil, ErrUnsupported }

// ReadNRPT returns ErrUnsupported off Windows.
func ReadNRPT() ([]NRPTRule, error) { return nil, ErrUnsupported }

// ReadSearchList returns ErrUnsupported off Windows.
func ReadSearchList() (GlobalDNS, error) { return GlobalDNS{}, ErrUnsupported }
