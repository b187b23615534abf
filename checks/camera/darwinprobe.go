package camera

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// darwinProbe lists cameras with system_profiler. It only runs commands
// through env.Exec, so its tests run on every OS.
type darwinProbe struct{}

const (
	spJSONSource = "system_profiler SPCameraDataType -json"
	spTextSource = "system_profiler SPCameraDataType"

	// macHeldNote: macOS gives no app a way to see which other app is using
	// a camera (the green light is drawn by the system), so wfh says so
	// rather than guess.
	macHeldNote = "macOS does not tell other apps which app is using a camera, so wfh cannot say whether one is busy; the green light next to the camera shows it is in use."
)

func (darwinProbe) cameras(ctx context.Context, env *checks.Env) (scan, error) {
	out, err := probeutil.Run(ctx, env, cmdTimeout, "system_profiler", "SPCameraDataType", "-json")
	var jsonErr error
	if err == nil {
		sps, perr := parseSPCameraJSON(out)
		if perr == nil {
			return macScan(sps, spJSONSource), nil
		}
		jsonErr = fmt.Errorf("system_profiler -json: %w", perr)
	} else {
		var hung *probeutil.HungError
		if errors.Is(err, probeutil.ErrNotInstalled) || errors.As(err, &hung) || ctx.Err() != nil {
			// A missing or hung system_profiler will not do better in text,
			// and a second wait would overrun the budget.
			return scan{}, err
		}
		jsonErr = err
	}
	env.Debugf("camera: %v; trying the text form", jsonErr)

	// The text form: macOS before 10.15 has no -json, and it is a second
	// chance when the JSON is not what wfh expects.
	out, err = probeutil.Run(ctx, env, cmdTimeout, "system_profiler", "SPCameraDataType")
	if err != nil {
		return scan{}, fmt.Errorf("%v; then %w", jsonErr, err)
	}
	sps, perr := parseSPCameraText(out)
	if perr != nil {
		return scan{}, fmt.Errorf("%v; then system_profiler (text): %w", jsonErr, perr)
	}
	return macScan(sps, spTextSource), nil
}

func macScan(sps []spCamera, source string) scan {
	s := scan{Source: source}
	for _, sp := range sps {
		s.Cameras = append(s.Cameras, macCamera(sp))
	}
	if len(s.Cameras) > 0 {
		s.Notes = append(s.Notes, macHeldNote)
	}
	return s
}
