package profile

import (
	"strings"
)

// templateWidth is where the template's comments wrap: an editor's
// default width, minus room for the indentation.
const templateWidth = 76

// Template is the profile `wfh profile init` writes: every key of the
// table, commented out at its default (or, for a key without one, an
// example), with what it does. Loading it gives the defaults; uncommenting
// a line sets that key.
func Template() string {
	var b strings.Builder
	comment(&b, "", "wfh organisation profile, written by wfh profile init. Every key is "+
		"commented out at its default: uncomment a line and change its value to set that key, "+
		"then check the file with: wfh profile validate FILE. docs/profile.md describes each key; "+
		"docs/profile.schema.json lets an editor check the file as you type.")
	for _, k := range keys {
		if strings.Contains(k.Path, "[]") {
			continue // shown by its list's example
		}
		indent := strings.Repeat("  ", strings.Count(k.Path, "."))
		name := k.Path[strings.LastIndexByte(k.Path, '.')+1:]
		if indent == "" {
			b.WriteString("\n")
		}
		if k.Section() {
			comment(&b, indent, k.Doc)
			b.WriteString(indent + name + ":\n")
			continue
		}
		switch {
		case k.Default != "":
			comment(&b, indent, k.Doc)
			b.WriteString(indent + "# " + name + ": " + k.Default + "\n")
			if k.Example != "" {
				b.WriteString(indent + "# for example:\n" + indent + "# " + name + ": " + k.Example + "\n")
			}
		default:
			comment(&b, indent, k.Doc+" Default: "+k.DefaultWords+".")
			b.WriteString(indent + "# for example:\n" + indent + "# " + name + ": " + k.Example + "\n")
		}
	}
	return b.String()
}

// comment writes text as "# " lines wrapped at templateWidth.
func comment(b *strings.Builder, indent, text string) {
	line := indent + "#"
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > templateWidth && len(line) > len(indent)+1 {
			b.WriteString(line + "\n")
			line = indent + "#"
		}
		line += " " + word
	}
	b.WriteString(line + "\n")
}
