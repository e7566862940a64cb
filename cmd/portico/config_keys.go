package main

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/viper"

	"github.com/portico-chat/portico/flows"
)

// envPrefix starts every environment variable Portico reads.
const envPrefix = "PORTICO_"

// otherEnv are PORTICO_ variables that name no configuration key: the
// command line's own (flows push and pull) and the test suite's, which
// runs the binary in an environment that has them.
var otherEnv = map[string]bool{
	tokenEnv: true, serverEnv: true,
	"PORTICO_CI": true, "PORTICO_SCREENSHOTS": true, "PORTICO_TEST_RUN_MAIN": true, "PORTICO_CRASH_DB": true,
	"PORTICO_TEST_POSTGRES_URL": true,
}

// envName is the environment variable of a key: http.addr is
// PORTICO_HTTP_ADDR.
func envName(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// unknownKeys reports every key of the configuration file (named file)
// and every PORTICO_ variable of environ that is not a configuration key:
// a misspelling would otherwise be silently ignored and its default used.
func (p *parser) unknownKeys(v *viper.Viper, file string, environ []string) {
	known := make([]string, 0, len(defaults))
	for k := range defaults {
		known = append(known, k)
	}
	sort.Strings(known)
	if file != "" {
		for _, k := range v.AllKeys() {
			if _, ok := defaults[k]; ok {
				continue
			}
			if sub := under(k, known); len(sub) > 0 {
				p.fail(k, "is a section, not a value (in %s); set its keys: %s", file, strings.Join(sub, ", "))
				continue
			}
			p.fail(k, "is not a configuration key (in %s)%s", file, hint(k, known))
		}
		p.queueKeys(v, file)
	}
	envs := make([]string, len(known))
	byEnv := make(map[string]bool, len(known))
	for i, k := range known {
		envs[i] = strings.ToLower(envName(k))
		byEnv[envName(k)] = true
	}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, envPrefix) || byEnv[name] || otherEnv[name] {
			continue
		}
		msg := "names no configuration key"
		if near, ok := flows.Closest(strings.ToLower(name), envs); ok {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.ToUpper(near))
		}
		p.fail(name, "%s", msg)
	}
}

// hint suggests what an unknown key may have meant: the nearest known key
// a typo or two away, else the known keys of its section that start
// alike, else every key of its section, else the sections.
func hint(key string, known []string) string {
	if near, ok := flows.Closest(key, known); ok {
		return fmt.Sprintf(" (did you mean %s?)", near)
	}
	section, leaf := "", key
	if i := strings.LastIndex(key, "."); i >= 0 {
		section, leaf = key[:i], key[i+1:]
	}
	var alike, inSection []string
	for _, k := range known {
		rest, ok := strings.CutPrefix(k, section+".")
		if section == "" || !ok || strings.Contains(rest, ".") {
			continue
		}
		inSection = append(inSection, k)
		if n := min(3, len(leaf), len(rest)); n > 0 && rest[:n] == leaf[:n] {
			alike = append(alike, k)
		}
	}
	switch {
	case len(alike) == 1:
		return fmt.Sprintf(" (did you mean %s?)", alike[0])
	case len(alike) > 1:
		return fmt.Sprintf(" (did you mean one of %s?)", strings.Join(alike, ", "))
	case len(inSection) > 0:
		return fmt.Sprintf("; the keys of %s are %s", section, strings.Join(inSection, ", "))
	}
	return "; the sections are " + strings.Join(sections(known), ", ")
}

// under lists the known keys inside section.
func under(section string, known []string) []string {
	var out []string
	for _, k := range known {
		if strings.HasPrefix(k, section+".") {
			out = append(out, k)
		}
	}
	return out
}

// sections are the first parts of the known keys.
func sections(known []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range known {
		s, _, _ := strings.Cut(k, ".")
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// queueKeys reports keys of handoff.queues entries that queueConfig does
// not have.
func (p *parser) queueKeys(v *viper.Viper, file string) {
	entries, _ := v.Get("handoff.queues").([]any)
	if len(entries) == 0 {
		return
	}
	var fields []string
	t := reflect.TypeFor[queueConfig]()
	for i := range t.NumField() {
		fields = append(fields, t.Field(i).Tag.Get("mapstructure"))
	}
	for i, e := range entries {
		m, ok := e.(map[string]any)
		if !ok {
			continue // the queue reader says what is wrong with it
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !slices.Contains(fields, strings.ToLower(k)) {
				msg := fmt.Sprintf("%s is not a queue key (in %s)", k, file)
				if near, ok := flows.Closest(k, fields); ok {
					msg += fmt.Sprintf(" (did you mean %s?)", near)
				} else {
					msg += "; a queue has " + strings.Join(fields, ", ")
				}
				p.fail(fmt.Sprintf("handoff.queues[%d]", i), "%s", msg)
			}
		}
	}
}
