// Package clipboard puts text on the system clipboard with the platform's
// own tool: pbcopy on macOS, PowerShell's Set-Clipboard on Windows, and on
// Linux wl-copy (Wayland), xclip or xsel (X11). The Go clipboard modules
// either need cgo or are unmaintained, and every desktop already ships one
// of these tools.
package clipboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// copyTimeout bounds the tool: it returns in milliseconds, and one that
// waits (an X server that does not answer) must not hold the user's run.
const copyTimeout = 5 * time.Second

// Tool is one command that reads the text on standard input.
type Tool struct {
	Name string
	Args []string
}

func (t Tool) String() string { return strings.TrimSpace(t.Name + " " + strings.Join(t.Args, " ")) }

// Runner runs a tool with stdin; it is exec in production and a fake in
// tests.
type Runner interface {
	LookPath(name string) (string, error)
	Run(ctx context.Context, path string, args []string, stdin io.Reader) error
}

// Clipboard copies text for one platform.
type Clipboard struct {
	OS     string              // runtime.GOOS
	Getenv func(string) string // reads WAYLAND_DISPLAY and DISPLAY
	Runner Runner
}

// ErrUnavailable means this machine has no clipboard wfh can reach: no
// tool installed, or no graphical session (SSH, a server console).
var ErrUnavailable = errors.New("no clipboard available")

// Candidates lists the tools to try, in order, for the platform and
// session.
func (c *Clipboard) Candidates() []Tool {
	switch c.OS {
	case "darwin":
		return []Tool{{Name: "pbcopy"}}
	case "windows":
		// clip.exe garbles UTF-8; Set-Clipboard reads it when the console
		// input encoding says so.
		return []Tool{{Name: "powershell.exe", Args: []string{"-NoProfile", "-NonInteractive", "-Command",
			"[Console]::InputEncoding = [Text.Encoding]::UTF8; Set-Clipboard -Value ([Console]::In.ReadToEnd())"}}}
	}
	var tools []Tool
	if c.getenv("WAYLAND_DISPLAY") != "" {
		tools = append(tools, Tool{Name: "wl-copy"})
	}
	if c.getenv("DISPLAY") != "" {
		tools = append(tools,
			Tool{Name: "xclip", Args: []string{"-selection", "clipboard", "-in"}},
			Tool{Name: "xsel", Args: []string{"--clipboard", "--input"}})
	}
	return tools
}

func (c *Clipboard) getenv(k string) string {
	if c.Getenv == nil {
		return ""
	}
	return c.Getenv(k)
}

// Copy puts text on the clipboard with the first tool that is installed.
// The error says what to install or why there is no clipboard, in words
// for the user.
func (c *Clipboard) Copy(ctx context.Context, text string) error {
	tools := c.Candidates()
	if len(tools) == 0 {
		return fmt.Errorf("%w: no graphical session here (DISPLAY and WAYLAND_DISPLAY are unset)", ErrUnavailable)
	}
	var missing []string
	for _, t := range tools {
		path, err := c.Runner.LookPath(t.Name)
		if err != nil {
			missing = append(missing, t.Name)
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, copyTimeout)
		err = c.Runner.Run(ctx, path, t.Args, strings.NewReader(text))
		cancel()
		if err != nil {
			return fmt.Errorf("copying with %s failed: %w", t.Name, err)
		}
		return nil
	}
	return fmt.Errorf("%w: none of %s is installed", ErrUnavailable, strings.Join(missing, ", "))
}

// ExecRunner runs tools as processes.
type ExecRunner struct{}

// LookPath finds the tool on PATH.
func (ExecRunner) LookPath(name string) (string, error) { return exec.LookPath(name) }

// Run feeds stdin to the tool. No pipe is attached to its output: xclip
// and wl-copy leave a child behind that serves the clipboard, and waiting
// for that child's end of a pipe would wait until something else is
// copied. Its complaints go to a file, read back for the error.
func (ExecRunner) Run(ctx context.Context, path string, args []string, stdin io.Reader) error {
	errFile, err := os.CreateTemp("", "wfh-clipboard-*")
	if err != nil {
		return fmt.Errorf("temporary file for the tool's messages: %w", err)
	}
	defer os.Remove(errFile.Name())
	defer errFile.Close()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = stdin
	cmd.Stderr = errFile
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		msg := make([]byte, 512) // the first line or two is the reason
		n, _ := errFile.ReadAt(msg, 0)
		if s := strings.TrimSpace(string(msg[:n])); s != "" {
			return fmt.Errorf("%w: %s", err, s)
		}
		return err
	}
	return nil
}
