package oemtext

import (
	"golang.org/x/sys/windows"
)

// cpUTF8 is code page 65001, a console set to UTF-8 (chcp 65001).
const cpUTF8 = 65001

// kernel32's GetOEMCP is not in x/sys; it is looked up before the call.
var procGetOEMCP = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetOEMCP")

// consoleCodePage is the code page console tools write in: the console's
// output code page when this process has a console, else the system's OEM
// code page, which a console would start with.
func consoleCodePage() uint32 {
	if cp, err := windows.GetConsoleOutputCP(); err == nil && cp != 0 {
		return cp
	}
	if procGetOEMCP.Find() == nil {
		if cp, _, _ := procGetOEMCP.Call(); cp != 0 {
			return uint32(cp)
		}
	}
	return 0
}

func fromConsoleCodePage(out []byte) (string, bool) {
	cp := consoleCodePage()
	if cp == 0 || cp == cpUTF8 {
		return "", false
	}
	return FromCodePage(cp, out)
}

// FromCodePage converts text in Windows code page cp to UTF-8 with
// MultiByteToWideChar; ok is false when Windows cannot.
func FromCodePage(cp uint32, text []byte) (string, bool) {
	if len(text) == 0 {
		return "", true
	}
	if len(text) > 1<<30 {
		return "", false
	}
	n, err := windows.MultiByteToWideChar(cp, 0, &text[0], int32(len(text)), nil, 0)
	if err != nil || n <= 0 {
		return "", false
	}
	buf := make([]uint16, n)
	n, err = windows.MultiByteToWideChar(cp, 0, &text[0], int32(len(text)), &buf[0], n)
	if err != nil || n <= 0 {
		return "", false
	}
	return windows.UTF16ToString(buf[:n]), true
}
