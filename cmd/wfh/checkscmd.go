package main

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// checksMinNeeds is the narrowest the NEEDS column may be wrapped into;
// below it each check gets a block of its own, as a column of one or two
// words per line is harder to read than a list.
const checksMinNeeds = 20

func newChecksCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List the checks wfh doctor runs",
		Long: `List every check with its id (for --only and --skip), the longest it may
take, and what it needs: "internet (skipped when offline)" gates the check on
the network check's verdict (and --only brings the network check along);
"local network" and "local devices" only say what it touches; privileges
give better results where they are named. On a terminal the list fits its
width; piped, it is one line per check.`,
		Example: `  wfh checks
  wfh doctor --only system,network`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rows [][4]string
			for _, c := range f.registry.All() {
				rows = append(rows, [4]string{c.ID(), c.Title(), c.Budget().String(), c.Needs().String()})
			}
			var buf bytes.Buffer
			writeChecks(&buf, rows, f.ios.ReportWidth())
			if _, err := f.ios.Out.Write(buf.Bytes()); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot write the list of checks: " + err.Error(), err: err}
			}
			return nil
		},
	}
}

// writeChecks lays out the list: a table whose last column, NEEDS, wraps
// to width; one block per check when the table cannot fit; and, piped
// (width 0), the plain table, one line per check, for grep and scripts.
func writeChecks(b *bytes.Buffer, rows [][4]string, width int) {
	head := [4]string{"ID", "TITLE", "BUDGET", "NEEDS"}
	if width <= 0 {
		tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		for _, r := range append([][4]string{head}, rows...) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3])
		}
		tw.Flush()
		return
	}
	var col [3]int
	for _, r := range append([][4]string{head}, rows...) {
		for i := range col {
			col[i] = max(col[i], utf8.RuneCountInString(r[i]))
		}
	}
	used := col[0] + col[1] + col[2] + 3*2
	if width-used >= checksMinNeeds {
		for _, r := range append([][4]string{head}, rows...) {
			lead := pad(r[0], col[0]) + "  " + pad(r[1], col[1]) + "  " + pad(r[2], col[2]) + "  "
			for i, l := range wrapWords(r[3], width-used) {
				if i > 0 {
					lead = strings.Repeat(" ", used)
				}
				b.WriteString(lead + l + "\n")
			}
		}
		return
	}
	for i, r := range rows {
		if i > 0 {
			b.WriteString("\n")
		}
		if title := r[0] + "  " + r[1]; utf8.RuneCountInString(title) <= width {
			b.WriteString(title + "\n")
		} else {
			for _, l := range wrapWords(title, width) {
				b.WriteString(l + "\n")
			}
		}
		for _, l := range wrapWords("budget "+r[2]+"; needs: "+r[3], width-4) {
			b.WriteString("    " + l + "\n")
		}
	}
}

func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(n-utf8.RuneCountInString(s), 0))
}

// wrapWords breaks s at spaces into lines of at most width runes; a word
// longer than that is cut.
func wrapWords(s string, width int) []string {
	width = max(width, 1)
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		for utf8.RuneCountInString(w) > width {
			if line != "" {
				out = append(out, line)
				line = ""
			}
			r := []rune(w)
			out = append(out, string(r[:width]))
			w = string(r[width:])
		}
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}
