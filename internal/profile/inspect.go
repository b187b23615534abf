package profile

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Setting is one key a profile sets, as `wfh profile validate` prints it.
type Setting struct {
	Path  string
	Value string // the value on one line, in YAML's flow form
	Line  int
}

// Inspect parses a profile like Parse and also lists the keys it sets, in
// the order of the key table; a key it leaves out keeps its default.
func Inspect(file string, data []byte, o Options) (*Profile, []Setting, error) {
	p, root, err := parse(file, data, o)
	if err != nil {
		return nil, nil, err
	}
	return p, settingsOf(p, root), nil
}

func settingsOf(p *Profile, root *yaml.Node) []Setting {
	if root == nil {
		return nil
	}
	var out []Setting
	for _, k := range keys {
		if k.Section() || strings.Contains(k.Path, "[]") {
			continue
		}
		n := lookup(root, strings.Split(k.Path, "."))
		if n == nil || isNull(n) {
			continue
		}
		value := flowText(n, 0)
		if k.Path == "company_ca" {
			value = p.CompanyCA // the file the checks will read, wherever it came from
		}
		out = append(out, Setting{Path: k.Path, Value: value, Line: n.Line})
	}
	return out
}

// lookup follows a key path through mappings, resolving aliases.
func lookup(n *yaml.Node, path []string) *yaml.Node {
	for _, key := range path {
		n = deref(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return deref(n)
}

func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// flowText writes a value on one line: [a, b], {name: x, vpn_only: true}.
// Depth bounds it, though the walker already refused a deep profile.
func flowText(n *yaml.Node, depth int) string {
	n = deref(n)
	if n == nil || depth > 8 {
		return "…"
	}
	switch n.Kind {
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			parts[i] = flowText(c, depth+1)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+": "+flowText(n.Content[i+1], depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	v := n.Value
	if v == "" || strings.ContainsAny(v, ",[]{}#\"'\n") || strings.Contains(v, ": ") || strings.TrimSpace(v) != v {
		return strconv.Quote(v)
	}
	return v
}

// InspectFile is Inspect for the file at path, read as Load reads it.
func InspectFile(path string, o Options) (*Profile, []Setting, error) {
	data, err := readLimited(path)
	if err != nil {
		fix := err.fix
		if fix == "" {
			fix = "check the path"
		}
		return nil, nil, &Error{File: path, Msg: err.msg, Fix: fix, err: err.err}
	}
	return Inspect(path, data, o)
}
