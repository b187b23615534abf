//go:build !linux

package speedserver

func setCongestion(uintptr, string) error { return errNoCongestion }

func congestionOf(uintptr) (string, error) { return "", errNoCongestion }

func availableCongestion() ([]string, error) { return nil, errNoCongestion }

func allowedCongestion() ([]string, error) { return nil, errNoCongestion }
