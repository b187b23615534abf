//go:build !linux

package audio

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// newRecorder: recording on macOS and Windows needs their audio APIs; until
// then --mic-test says it is skipped there.
func newRecorder() recorder {
	return func(context.Context, *checks.Env) ([]byte, error) { return nil, errUnsupported }
}
