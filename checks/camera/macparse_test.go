package camera

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The real sample: a UVC camera and an iPhone Continuity Camera whose name
// is not ASCII, after a warning line system_profiler writes to stderr.
func TestParseSPCameraTextReal(t *testing.T) {
	got, err := parseSPCameraText(fixture(t, "macos/system-profiler-spcamera-1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []spCamera{
		{Name: "Canon Digital Camera", ModelID: "UVC Camera VendorID_1193 ProductID_12563", UniqueID: "0x212000004a93113"},
		{Name: "HUI的iPhone 14 Camera", ModelID: "iPhone15,2", UniqueID: "1DCEE953-411B-4B84-905A-257100000001"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	cams := []camera{macCamera(got[0]), macCamera(got[1])}
	wantCams := []camera{
		// 1193 = 0x04a9 (Canon), 12563 = 0x3113: the unique ID carries the same.
		{Name: "Canon Digital Camera", Connection: connUSB, ModelID: "UVC Camera VendorID_1193 ProductID_12563", VendorID: "04a9", ProductID: "3113"},
		{Name: "iPhone Continuity Camera", Connection: connContinuity, ModelID: "iPhone15,2", OwnerName: "HUI的iPhone 14 Camera"},
	}
	if !reflect.DeepEqual(cams, wantCams) {
		t.Errorf("cameras %+v\nwant    %+v", cams, wantCams)
	}
}

func TestParseSPCameraText(t *testing.T) {
	const facetime = "Camera:\n\n    FaceTime HD Camera:\n\n      Model ID: FaceTime HD Camera\n      Unique ID: 3F45E80A-0176-46F7-B185-BB9E2C0E436A\n\n"
	tests := []struct {
		name    string
		in      string
		want    []spCamera
		wantErr string
	}{
		{"one camera", facetime, []spCamera{{"FaceTime HD Camera", "FaceTime HD Camera", "3F45E80A-0176-46F7-B185-BB9E2C0E436A"}}, ""},
		{"CRLF and BOM", "\uFEFF" + strings.ReplaceAll(facetime, "\n", "\r\n"), []spCamera{{"FaceTime HD Camera", "FaceTime HD Camera", "3F45E80A-0176-46F7-B185-BB9E2C0E436A"}}, ""},
		{"nothing: no camera", "", nil, ""},
		{"only blank lines and a log line", "\n\n2025-07-13 12:14:41.491 system_profiler[1:2] WARNING: x\n", nil, ""},
		{"header without cameras", "Camera:\n\n", nil, ""},
		{"translated labels", "Caméra :\n\n    Caméra FaceTime HD :\n\n      Identifiant du modèle : FaceTime HD Camera\n",
			[]spCamera{{Name: "Caméra FaceTime HD"}}, ""},
		{"a nested heading and a next section", "Camera:\n\n    C920:\n\n      Model ID: UVC Camera VendorID_1133 ProductID_2194\n      Formats:\n        1920x1080: yes\n\nAudio:\n\n    Devices:\n",
			[]spCamera{{Name: "C920", ModelID: "UVC Camera VendorID_1133 ProductID_2194"}}, ""},
		{"quotes, emoji, markup, escapes", "Camera:\n    Cam \"Pro\" 📷:\n      Model ID: x\n    <b>Bold</b>\x1b[31m:\n      Unique ID: y\n",
			[]spCamera{{Name: "Cam \"Pro\" 📷", ModelID: "x"}, {Name: "<b>Bold</b>[31m", UniqueID: "y"}}, ""},
		{"tabs", "Camera:\n\tC920:\n\t\tModel ID: m\n", []spCamera{{Name: "C920", ModelID: "m"}}, ""},
		{"garbage", "segmentation fault\n", nil, "no section header"},
		{"garbage under a header", "Camera:\n    just words\n", nil, "lines wfh cannot read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSPCameraText(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSPCameraJSON(t *testing.T) {
	long := "A very long camera name that a cheap no-name USB device reports in its string descriptor because the vendor filled every byte it had room for and then some more, and then some more again"
	tests := []struct {
		file string
		want []spCamera
	}{
		{"macos/spcamera-builtin-usb.json", []spCamera{
			{"FaceTime HD Camera", "FaceTime HD Camera", "3F45E80A-0176-46F7-B185-BB9E2C0E436A"},
			{"HD Pro Webcam C920", "UVC Camera VendorID_1133 ProductID_2194", "0x14100000046d0892"}}},
		{"macos/spcamera-nested.json", []spCamera{
			{"FaceTime HD Camera (Built-in)", "UVC Camera VendorID_1452 ProductID_34068", "0x8020000005ac8514"},
			{"Studio Display Camera", "UVC Camera VendorID_1452 ProductID_4372", "0x11000000005ac1114"}}},
		{"macos/spcamera-empty.json", nil},
		{"macos/spcamera-continuity-virtual.json", []spCamera{
			{"Jane’s iPhone Camera", "iPhone15,2", "8E3F2C1A-5B7D-4E9F-A0B1-C2D3E4F50617"},
			{"Jane’s iPhone Desk View Camera", "iPhone15,2", "8E3F2C1A-5B7D-4E9F-A0B1-C2D3E4F50618"},
			{"OBS Virtual Camera", "OBS Virtual Camera", "7626645E-4425-469E-9D8B-97E0FA59AC75"}}},
		{"macos/spcamera-odd-names.json", []spCamera{
			{"Cam \"Pro\" 4K 📷", "UVC Camera VendorID_0x1e4e ProductID_0x0110", "0x1100000001e4e0110"},
			{"<b>Bold</b> Cam[31m", "UVC Camera VendorID_3141 ProductID_25771", ""},
			{strings.TrimSpace(long[:maxText]) + "…", "UVC Camera VendorID_7119 ProductID_2825", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseSPCameraJSON(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSPCameraJSONErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                      "not the JSON",
		"Camera:\n    FaceTime HD Camera:\n":    "not the JSON",
		`{"SPAudioDataType": []}`:               "no SPCameraDataType list",
		`{"SPCameraDataType": {"_name": "x"}}`:  "is not a list",
		`{"SPCameraDataType": [1, "x", {}]}`:    "3 entries but no camera",
		`{"SPCameraDataType": [{"_items": 5}]}`: "1 entries but no camera",
		`[{"_name": "x"}]`:                      "not the JSON",
	} {
		if _, err := parseSPCameraJSON(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
	// null and an entry that is not a camera next to one that is are fine.
	if got, err := parseSPCameraJSON(`{"SPCameraDataType": null}`); err != nil || got != nil {
		t.Errorf("null: %v, %v", got, err)
	}
	if got, err := parseSPCameraJSON(`{"SPCameraDataType": [{"_name": "C", "spcamera_model-id": 7}, 3]}`); err != nil || len(got) != 1 || got[0].ModelID != "7" {
		t.Errorf("mixed: %v, %v", got, err)
	}
	deep := `{"SPCameraDataType": ` + strings.Repeat(`[{"_items": `, 40) + `[{"_name": "deep"}]` + strings.Repeat(`}]`, 40) + `}`
	if _, err := parseSPCameraJSON(deep); err == nil {
		t.Error("a tree nested 40 deep is not system_profiler's")
	}
}

func TestMacCamera(t *testing.T) {
	tests := []struct {
		in   spCamera
		want camera
	}{
		{spCamera{Name: "FaceTime HD Camera", ModelID: "FaceTime HD Camera"},
			camera{Name: "FaceTime HD Camera", ModelID: "FaceTime HD Camera", Connection: connBuiltIn}},
		{spCamera{Name: "FaceTime HD Camera (Built-in)", ModelID: "UVC Camera VendorID_1452 ProductID_34068"},
			camera{Name: "FaceTime HD Camera (Built-in)", ModelID: "UVC Camera VendorID_1452 ProductID_34068", Connection: connBuiltIn, VendorID: "05ac", ProductID: "8514"}},
		{spCamera{Name: "Studio Display Camera", ModelID: "UVC Camera VendorID_1452 ProductID_4372"},
			camera{Name: "Studio Display Camera", ModelID: "UVC Camera VendorID_1452 ProductID_4372", Connection: connUSB, VendorID: "05ac", ProductID: "1114"}},
		{spCamera{Name: "HD Pro Webcam C920", ModelID: "UVC Camera VendorID_1133 ProductID_2194"},
			camera{Name: "HD Pro Webcam C920", ModelID: "UVC Camera VendorID_1133 ProductID_2194", Connection: connUSB, VendorID: "046d", ProductID: "0892"}},
		{spCamera{Name: "Jane’s iPhone Desk View Camera", ModelID: "iPhone15,2"},
			camera{Name: "iPhone Continuity Camera (Desk View)", ModelID: "iPhone15,2", Connection: connContinuity, OwnerName: "Jane’s iPhone Desk View Camera"}},
		{spCamera{Name: "Studio iPad Camera", ModelID: "iPad13,4"},
			camera{Name: "iPad Continuity Camera", ModelID: "iPad13,4", Connection: connContinuity, OwnerName: "Studio iPad Camera"}},
		{spCamera{Name: "OBS Virtual Camera", ModelID: "OBS Virtual Camera"},
			camera{Name: "OBS Virtual Camera", ModelID: "OBS Virtual Camera", Connection: connVirtual}},
		{spCamera{Name: "Snap Camera"}, camera{Name: "Snap Camera", Connection: connVirtual}},
		{spCamera{ModelID: "UVC Camera VendorID_99999 ProductID_1"}, camera{Name: "UVC Camera VendorID_99999 ProductID_1", ModelID: "UVC Camera VendorID_99999 ProductID_1", Connection: connUSB}},
		{spCamera{Name: "Mystery"}, camera{Name: "Mystery"}},
		// Apple silicon names the built-in camera after the Mac.
		{spCamera{Name: "MacBook Pro Camera", ModelID: "MacBook Pro Camera"},
			camera{Name: "MacBook Pro Camera", ModelID: "MacBook Pro Camera", Connection: connBuiltIn}},
		{spCamera{Name: "MacBook Air Camera", ModelID: "MacBook Air Camera"},
			camera{Name: "MacBook Air Camera", ModelID: "MacBook Air Camera", Connection: connBuiltIn}},
		{spCamera{Name: "iMac Camera"}, camera{Name: "iMac Camera", Connection: connBuiltIn}},
		{spCamera{Name: "MacBook Pro Camera Stand"}, camera{Name: "MacBook Pro Camera Stand"}},
		// An external Apple display's camera is not the Mac's, whatever
		// its name says.
		{spCamera{Name: "FaceTime HD Camera (Display)", ModelID: "UVC Camera VendorID_1452 ProductID_4370"},
			camera{Name: "FaceTime HD Camera (Display)", ModelID: "UVC Camera VendorID_1452 ProductID_4370", Connection: connUSB, VendorID: "05ac", ProductID: "1112"}},
		{spCamera{Name: "FaceTime HD Camera (Display)", ModelID: "FaceTime HD Camera (Display)"},
			camera{Name: "FaceTime HD Camera (Display)", ModelID: "FaceTime HD Camera (Display)", Connection: connUSB}},
		{spCamera{Name: "Studio Display Camera", ModelID: "Studio Display Camera"},
			camera{Name: "Studio Display Camera", ModelID: "Studio Display Camera", Connection: connUSB}},
		{spCamera{Name: "LG UltraFine Display Camera", ModelID: "UVC Camera VendorID_1086 ProductID_39237"},
			camera{Name: "LG UltraFine Display Camera", ModelID: "UVC Camera VendorID_1086 ProductID_39237", Connection: connUSB, VendorID: "043e", ProductID: "9945"}},
	}
	for _, tt := range tests {
		if got := macCamera(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("macCamera(%+v)\n= %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseSPCameraJSON(f *testing.F) {
	for _, name := range []string{"spcamera-builtin-usb.json", "spcamera-nested.json", "spcamera-empty.json", "spcamera-continuity-virtual.json", "spcamera-odd-names.json", "spcamera-apple-silicon-display-written.json"} {
		f.Add(fixture(f, "macos/"+name))
	}
	for _, s := range []string{"", "{}", "null", `{"SPCameraDataType": null}`, `{"SPCameraDataType": [{"_items": [{"_items": []}]}]}`,
		`{"SPCameraDataType": [{"_name": "\u0000\ud800"}]}`, "\uFEFF{\"SPCameraDataType\": []}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cams, err := parseSPCameraJSON(in)
		if err != nil {
			return
		}
		checkSPCameras(t, cams)
	})
}

func FuzzParseSPCameraText(f *testing.F) {
	f.Add(fixture(f, "macos/system-profiler-spcamera-1.txt"))
	for _, s := range []string{"", "Camera:\n", "Camera:\n    A:\n      Model ID: b\n", "Camera:\r\n\tA:\r\n\t\tUnique ID: c\r\n",
		"x\n", "Camera:\n    :\n", "Camera:\n      Model ID: x\n    A:\n", "\xff:\n \xfe:\n  a: b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cams, err := parseSPCameraText(in)
		if err != nil {
			return
		}
		checkSPCameras(t, cams)
	})
}

// checkSPCameras checks what every parser result must satisfy: text that
// can be shown, and a camera that macCamera can classify and name.
func checkSPCameras(t *testing.T, cams []spCamera) {
	t.Helper()
	for _, c := range cams {
		displayable(t, c.Name)
		displayable(t, c.ModelID)
		displayable(t, c.UniqueID)
		mc := macCamera(c)
		displayable(t, mc.Name)
		switch mc.Connection {
		case "", connUSB, connBuiltIn, connContinuity, connVirtual:
		default:
			t.Errorf("connection %q", mc.Connection)
		}
	}
}
