//go:build !darwin

package darwinnet

// FetchLinks returns ErrUnsupported off macOS.
func FetchLinks() ([]Link, []Addr, error) { return nil, nil, ErrUnsupported }

// FetchRoutes returns ErrUnsupported off macOS.
func FetchRoutes() ([]RouteMsg, error) { return nil, ErrUnsupported }
