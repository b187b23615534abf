package darwinnet

import (
	"errors"
	"runtime"
	"testing"
)

func TestFetchOffDarwin(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("on macOS the routing socket is real")
	}
	_, _, err1 := FetchLinks()
	_, err2 := FetchRoutes()
	if !errors.Is(err1, ErrUnsupported) || !errors.Is(err2, ErrUnsupported) {
		t.Errorf("%v %v", err1, err2)
	}
}
