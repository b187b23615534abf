package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// flagProblem words a bad flag value for people, as the profile loader
// does for its keys: pflag's own text quotes Go's parsers ("strconv.ParseBool:
// parsing \"maybe\": invalid syntax", "time: missing unit in duration"). Other
// flag errors (an unknown flag, a missing value) are already plain and come
// back unchanged.
func flagProblem(err error) string {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) || bad.GetFlag() == nil {
		return err.Error()
	}
	name, value := "--"+bad.GetFlag().Name, bad.GetValue()
	switch bad.GetFlag().Value.Type() {
	case "bool":
		return fmt.Sprintf("%s=%s: %s takes no value (or true or false)", name, value, name)
	case "duration":
		if _, numErr := strconv.ParseFloat(strings.TrimSpace(value), 64); numErr == nil {
			return fmt.Sprintf("%s %s: add a unit, for example %ss or 2m", name, value, strings.TrimSpace(value))
		}
		return fmt.Sprintf("%s %s: not a duration; write it like 90s, 2m or 1m30s", name, value)
	case "int", "int64", "uint", "uint64", "int32", "uint32":
		return fmt.Sprintf("%s %s: want a whole number", name, value)
	case "float64", "float32":
		return fmt.Sprintf("%s %s: want a number", name, value)
	}
	return err.Error()
}
