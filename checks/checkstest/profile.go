package checkstest

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wfh-cli/wfh/internal/profile"
)

// ProfileDefault is the default that `wfh profile init` writes for the key
// at path ("network.anchors"), as a list: a scalar default is a list of
// one. A check's test compares it with the defaults the check really uses,
// so the commented template IT edits cannot drift from the code.
func ProfileDefault(t testing.TB, path string) []string {
	t.Helper()
	k, ok := profile.KeyByPath(path)
	if !ok {
		t.Fatalf("the profile has no key %s", path)
	}
	var v any
	if err := yaml.Unmarshal([]byte(k.Default), &v); err != nil {
		t.Fatalf("%s: default %q: %v", path, k.Default, err)
	}
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				t.Fatalf("%s: default %q holds a %T", path, k.Default, x)
			}
			out = append(out, s)
		}
		return out
	case string:
		return []string{v}
	}
	t.Fatalf("%s: default %q is not a string or a list of strings", path, k.Default)
	return nil
}
