//go:build !linux

package winetest

import "errors"

// Wine tests run on Linux only; Require skips them elsewhere first.
func lockFile(string) (func(), error) { return nil, errors.New("winetest: Linux only") }

func alive(int) bool { return true }
