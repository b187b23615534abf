package camera

import (
	"context"
	"errors"
	"testing"

	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// Every kind of result the check produces must fit the published JSON
// contract, and render as text and markdown without the machine's strings
// breaking the layout.
func TestResultsMatchSchema(t *testing.T) {
	k := &fakeKernel{queries: laptopQueries(), id: identity{UID: 0}}
	laptopScan, err := k.probe().cameras(context.Background(), linuxEnv(t, laptop(), nil))
	if err != nil {
		t.Fatal(err)
	}
	macEnv, _ := osEnv(t, "darwin", map[string]checkstest.Reply{spJSONCmd: {Out: fixture(t, "macos/spcamera-odd-names.json")}})
	macScan, err := darwinProbe{}.cameras(context.Background(), macEnv)
	if err != nil {
		t.Fatal(err)
	}
	results := []report.Result{
		verdict(env(false), laptopScan, nil),
		verdict(env(false), macScan, nil),
		verdict(env(true), scan{Source: pnpSource}, nil),
		verdict(env(false), scan{}, errors.New("powershell did not answer within 4s")),
		verdict(env(false), scan{}, errUnsupported),
	}
	reportschema.CheckResults(t, "camera", "Camera", results)
}
