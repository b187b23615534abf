package profile

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxValues bounds the nodes one walk visits. A real profile has a few dozen;
// the bound turns any pathological input (aliases repeated over and over)
// into an error instead of a long stall.
const maxValues = 100_000

// valueError is a problem with one value before its key and line are known;
// the walker adds both. Duration.UnmarshalYAML returns it.
type valueError struct{ msg, fix string }

func (e *valueError) Error() string { return "value " + e.msg + "; " + e.fix }

// walker checks a YAML node tree against a Go type, following the yaml tags,
// so that a field added to Profile is validated without touching this file.
// It reports the first problem with its line; it does not build the value.
type walker struct {
	file string
	// lines maps each key path that has a non-null value ("timeout",
	// "checks.only[1]") to the line of that value, for later validation.
	lines map[string]int
	// sections maps every key name to the sections it is valid in, to say
	// where a key belongs when it is put in the wrong place.
	sections map[string][]string
	// active holds the anchors being walked, to catch an alias to itself.
	active map[*yaml.Node]bool
	budget int
}

func newWalker(file string, root reflect.Type) *walker {
	w := &walker{
		file:     file,
		lines:    map[string]int{},
		sections: map[string][]string{},
		active:   map[*yaml.Node]bool{},
		budget:   maxValues,
	}
	for _, path := range keyPaths(root) {
		section, key := "", path
		if i := strings.LastIndexByte(path, '.'); i >= 0 {
			section, key = path[:i], path[i+1:]
		}
		w.sections[key] = append(w.sections[key], section)
	}
	return w
}

func (w *walker) fail(line int, msg, fix string) *Error {
	return &Error{File: w.file, Line: line, Msg: msg, Fix: fix}
}

// walk checks node n (as written, possibly an alias) against type t at path.
func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) error {
	at := n // where the value is written, for its line
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return w.fail(at.Line, fmt.Sprintf("%s refers to an undefined anchor", label(path)),
				"define the anchor (&name) before using it (*name)")
		}
		if w.active[n.Alias] {
			return w.fail(at.Line, fmt.Sprintf("%s: anchor %s contains itself", label(path), quote(n.Value)),
				"an alias (*name) cannot be used inside the value it names")
		}
		w.active[n.Alias] = true
		defer delete(w.active, n.Alias)
		n = n.Alias
	}
	if w.budget--; w.budget < 0 {
		return w.fail(at.Line, fmt.Sprintf("the profile has more than %d values", maxValues),
			"a profile needs a few dozen lines: check for aliases (*name) repeated many times")
	}
	if isNull(n) {
		return nil // a key with no value keeps its default
	}
	w.lines[path] = at.Line
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!" {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!seq", "!!map":
		default:
			return w.fail(at.Line, fmt.Sprintf("%s uses the tag %s, which wfh does not read", label(path), quote(n.Tag)),
				"remove the tag")
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		// The type checks its own syntax (Duration); decode one value into a
		// throwaway to learn whether it accepts this one.
		if err := guard(func() error { return n.Decode(reflect.New(t).Interface()) }); err != nil {
			return w.valueFailed(at, path, err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return w.section(n, at, t, path)
	case reflect.Map:
		return w.dict(n, at, t, path)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte: let the decoder apply its own rules
		}
		return w.list(n, at, t, path)
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return w.scalar(n, at, t, path)
	}
	return nil // interfaces and the like: anything goes, the decoder decides
}

// valueFailed reports an error from decoding one value.
func (w *walker) valueFailed(at *yaml.Node, path string, err error) *Error {
	if ve, ok := err.(*valueError); ok {
		return w.fail(at.Line, label(path)+" "+ve.msg, ve.fix)
	}
	_, msg := splitLine(strings.TrimPrefix(err.Error(), "yaml: "))
	return w.fail(at.Line, fmt.Sprintf("%s has a value wfh cannot read (%s)", label(path), msg),
		"see docs/profile.md for the type of each key")
}

// section checks a mapping against the fields of struct t.
func (w *walker) section(n, at *yaml.Node, t reflect.Type, path string) error {
	fields := structFields(t)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.key
	}
	if n.Kind != yaml.MappingNode {
		return w.fail(at.Line, fmt.Sprintf("%s must be a section of keys, got %s", label(path), describe(n)),
			fmt.Sprintf("put its keys on the following lines, indented under %q; valid keys: %s",
				lastKey(path)+":", strings.Join(names, ", ")))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := w.key(k, path, seen); err != nil {
			return err
		}
		j := slices.Index(names, k.Value)
		if j < 0 {
			return w.unknown(k, path, names)
		}
		if err := w.walk(v, fields[j].typ, join(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

// dict checks a mapping with free-form keys against map type t.
func (w *walker) dict(n, at *yaml.Node, t reflect.Type, path string) error {
	if t.Key().Kind() != reflect.String {
		return nil // no such field today; leave it to the decoder
	}
	if n.Kind != yaml.MappingNode {
		return w.fail(at.Line, fmt.Sprintf("%s must be a section of keys, got %s", label(path), describe(n)),
			fmt.Sprintf("put its keys on the following lines, indented under %q", lastKey(path)+":"))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := w.key(k, path, seen); err != nil {
			return err
		}
		if err := w.walk(v, t.Elem(), join(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

// key checks that a mapping key is a plain name seen once.
func (w *walker) key(k *yaml.Node, path string, seen map[string]int) error {
	if k.Kind != yaml.ScalarNode {
		return w.fail(k.Line, fmt.Sprintf("a key %s is %s, not a name", where(path), describe(k)),
			`write keys as plain names followed by ":"`)
	}
	if k.ShortTag() == "!!merge" {
		// Merges copy keys from elsewhere, which would hide where a value
		// came from; a profile is short enough to write out.
		return w.fail(k.Line, fmt.Sprintf("merge keys (<<) are not supported %s", where(path)),
			"write the keys out in full")
	}
	if first, dup := seen[k.Value]; dup {
		return w.fail(k.Line, fmt.Sprintf("key %s appears twice %s (first on line %d)", quote(k.Value), where(path), first),
			"keep only one of them")
	}
	seen[k.Value] = k.Line
	return nil
}

// unknown reports a key that is not valid in its section, with the most
// likely intended key when there is one.
func (w *walker) unknown(k *yaml.Node, path string, valid []string) error {
	var hints []string
	if s := closest(k.Value, valid); s != "" {
		hints = append(hints, fmt.Sprintf("did you mean %q?", s))
	} else if secs := slices.DeleteFunc(slices.Clone(w.sections[k.Value]), func(s string) bool { return s == path }); len(secs) > 0 {
		if secs[0] == "" {
			hints = append(hints, fmt.Sprintf("%q belongs at the top level, not indented;", k.Value))
		} else {
			hints = append(hints, fmt.Sprintf("%q belongs in section %q;", k.Value, secs[0]))
		}
	} else if section, key, ok := strings.Cut(k.Value, "."); ok && slices.Contains(w.sections[key], join(path, section)) {
		hints = append(hints, fmt.Sprintf("write %q on its own line and %q indented under it;", section+":", key+":"))
	}
	hints = append(hints, "valid keys: "+strings.Join(valid, ", "))
	return w.fail(k.Line, fmt.Sprintf("unknown key %s %s", quote(k.Value), where(path)), strings.Join(hints, " "))
}

// list checks a sequence against slice or array type t.
func (w *walker) list(n, at *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.SequenceNode {
		return w.fail(at.Line, fmt.Sprintf("%s must be a list, got %s", label(path), describe(n)),
			fmt.Sprintf(`write %s [a, b], or put each item on its own line as "- a" under it`, lastKey(path)+":"))
	}
	if t.Kind() == reflect.Array && len(n.Content) != t.Len() {
		return w.fail(at.Line, fmt.Sprintf("%s must have %d items, got %d", label(path), t.Len(), len(n.Content)),
			fmt.Sprintf("give exactly %d items", t.Len()))
	}
	for i, e := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		target := e
		if e.Kind == yaml.AliasNode && e.Alias != nil {
			target = e.Alias
		}
		if isNull(target) {
			return w.fail(e.Line, fmt.Sprintf("%s is empty", label(p)), "remove the empty item or give it a value")
		}
		if err := w.walk(e, t.Elem(), p); err != nil {
			return err
		}
	}
	return nil
}

// scalar checks a single value against a basic type. Unlike the decoder it
// does not accept 1.5 as the int 1 or "yes" as true: a profile that means
// something other than what it says is worse than one that is refused.
func (w *walker) scalar(n, at *yaml.Node, t reflect.Type, path string) error {
	key := lastKey(path)
	var want, fix string
	ok := n.Kind == yaml.ScalarNode
	tag := n.ShortTag()
	switch t.Kind() {
	case reflect.String:
		want = "a single value"
		fix = fmt.Sprintf(`put one value after %q, in quotes if it starts with [ or { or contains ": "`, key+":")
	case reflect.Bool:
		want, fix = "true or false", "write true or false"
		ok = ok && tag == "!!bool"
	case reflect.Float32, reflect.Float64:
		want, fix = "a number", fmt.Sprintf("write a number, e.g. %s: 1.5", key)
		ok = ok && (tag == "!!int" || tag == "!!float")
	default: // integers
		want, fix = "a whole number", fmt.Sprintf("write digits only, e.g. %s: 30", key)
		if ok && tag == "!!float" && strings.Trim(strings.TrimLeft(n.Value, "+-"), "0123456789_") == "" {
			// Digits only, but too big for an integer: the library calls it a float.
			return w.fail(at.Line, fmt.Sprintf("%s is too large, got %s", label(path), describe(n)), fix)
		}
		ok = ok && tag == "!!int"
	}
	if !ok {
		return w.fail(at.Line, fmt.Sprintf("%s must be %s, got %s", label(path), want, describe(n)), fix)
	}
	if err := guard(func() error { return n.Decode(reflect.New(t).Interface()) }); err != nil {
		if tag == "!!int" && t.Kind() != reflect.String {
			return w.fail(at.Line, fmt.Sprintf("%s is out of range, got %s", label(path), describe(n)), fix)
		}
		return w.valueFailed(at, path, err)
	}
	return nil
}

// field is one key of a struct as the yaml library sees it.
type field struct {
	key string
	typ reflect.Type
}

// structFields lists the keys of struct t with the yaml library's rules:
// the tag's name, else the lower-cased field name; "-" and unexported fields
// are left out; ",inline" structs contribute their own keys.
func structFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(opts, ","), "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, structFields(ft)...)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, field{key: name, typ: f.Type})
	}
	return out
}

// keyPaths lists every key path reachable in type t ("checks.only"), for the
// walker's "belongs in section" hint and for the documentation test.
func keyPaths(t reflect.Type) []string {
	var out []string
	var visit func(t reflect.Type, prefix string, depth int)
	visit = func(t reflect.Type, prefix string, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		// Depth bounds a self-referential type; no real profile nests this far.
		if t.Kind() != reflect.Struct || depth > 8 || reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			return
		}
		for _, f := range structFields(t) {
			p := join(prefix, f.key)
			out = append(out, p)
			visit(f.typ, p, depth+1)
		}
	}
	visit(t, "", 0)
	return out
}

// closest returns the valid name nearest to s when it is near enough to be a
// typo: at most two edits, and fewer than half the name, so "x" does not
// become "name". Case is ignored: "Timeout" is plainly "timeout".
func closest(s string, valid []string) string {
	best, bestD := "", 3
	for _, v := range valid {
		d := editDistance(strings.ToLower(s), strings.ToLower(v))
		if d < bestD && 2*d < len(v) {
			best, bestD = v, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours ("chekcs") each count one.
// Long inputs are cut short; no key is long, and the cost is quadratic.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 {
		ra = ra[:64]
	}
	if len(rb) > 64 {
		rb = rb[:64]
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a value for a message: scalars are quoted when they are
// text and cut short when long; collections are named by kind.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a section of keys"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!int", "!!float", "!!bool":
			if len(n.Value) <= 40 && strconv.Quote(n.Value) == `"`+n.Value+`"` {
				return n.Value
			}
		}
		return quote(n.Value)
	}
	return "an unreadable value"
}

// quote quotes text from the file for a message, cut to a readable length.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.Quote(s)
}

func join(section, key string) string {
	if section == "" {
		return key
	}
	return section + "." + key
}

// lastKey is the key a path ends with: "only" for "checks.only[2]".
func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '['); i >= 0 && strings.HasSuffix(path, "]") {
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// label names a key path in a message; the root has no name of its own.
func label(path string) string {
	if path == "" {
		return "the profile"
	}
	return path
}

// where says which section a key is in.
func where(section string) string {
	if section == "" {
		return "at the top level"
	}
	return fmt.Sprintf("in section %q", section)
}
