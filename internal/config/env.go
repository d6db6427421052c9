package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// envPrefix starts the names of environment variables that override
// configuration keys: APP_CONFIG_backend_baseUrl sets backend.baseUrl.
const envPrefix = "APP_CONFIG_"

// envKeyPart is what each _-separated part of an override name must be.
var envKeyPart = regexp.MustCompile(`(?i)^[a-z][a-z0-9]*(?:[-_:][a-z0-9]+)*$`)

// envOverrides builds the configuration written by APP_CONFIG_* variables.
// names are candidate variable names (others are ignored); env gives their
// raw values. A value is parsed as JSON when it is valid JSON, else used as
// a string; empty values are skipped. It returns nil when there are none.
func envOverrides(names []string, env lookupFunc) (*node, error) {
	names = append([]string(nil), names...)
	sort.Strings(names)
	var root *node
	for _, name := range names {
		key, ok := strings.CutPrefix(name, envPrefix)
		if !ok {
			continue
		}
		raw, ok := env(name)
		if !ok || raw == "" {
			continue
		}
		pos := Pos{File: "$" + name}
		if root == nil {
			root = newObject(pos)
		}
		if err := setOverride(root, key, raw, pos); err != nil {
			return nil, fmt.Errorf("config from environment: %w", err)
		}
	}
	return root, nil
}

func setOverride(root *node, key, raw string, pos Pos) error {
	parts := strings.Split(key, "_")
	obj := root
	for i, part := range parts {
		if !envKeyPart.MatchString(part) {
			//lint:ignore ST1005 Backstage's exact message
			return fmt.Errorf("Invalid env config key '%s'", key)
		}
		if i < len(parts)-1 {
			child := obj.fields[part]
			if child == nil {
				child = newObject(pos)
				obj.set(part, child)
			}
			if child.kind != kindObject {
				//lint:ignore ST1005 Backstage's exact message
				return fmt.Errorf("Could not nest config for key '%s' under existing value '%s'", key, strings.Join(parts[:i+1], "_"))
			}
			obj = child
			continue
		}
		if _, exists := obj.fields[part]; exists {
			//lint:ignore ST1005 Backstage's exact message
			return fmt.Errorf("Refusing to override existing config at key '%s'", key)
		}
		v, err := envValue(raw, pos)
		if err != nil {
			//lint:ignore ST1005 Backstage's exact message
			return fmt.Errorf("Failed to parse JSON-serialized config value for key '%s', %w", key, err)
		}
		obj.set(part, v)
	}
	return nil
}

// envValue parses raw as JSON if it is JSON, else keeps it as a string.
func envValue(raw string, pos Pos) (*node, error) {
	if !json.Valid([]byte(raw)) {
		return &node{kind: kindString, text: raw, pos: pos}, nil
	}
	// JSON is YAML, and the YAML reader keeps object keys in order.
	v, err := parseYAML([]byte(raw), pos.File)
	if err != nil {
		return nil, err
	}
	if v == nil || v.kind == kindNull {
		return nil, fmt.Errorf("value may not be null")
	}
	setPos(v, pos)
	return v, nil
}

// setPos marks every value of a tree as coming from pos.
func setPos(n *node, pos Pos) {
	n.pos = pos
	for _, v := range n.fields {
		setPos(v, pos)
	}
	for _, v := range n.items {
		setPos(v, pos)
	}
}
