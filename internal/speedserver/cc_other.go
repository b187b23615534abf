//go:build !linux

package speedserver

import "errors"

// errNoCongestion: only Linux lets a program pick the algorithm per socket
// (TCP_CONGESTION); elsewhere the system's default serves.
var errNoCongestion = errors.New("choosing the algorithm per socket needs Linux")

func setCongestion(uintptr, string) error { return errNoCongestion }

func congestionOf(uintptr) (string, error) { return "", errNoCongestion }
