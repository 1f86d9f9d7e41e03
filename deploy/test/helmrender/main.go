// helmrender renders a Helm chart's templates the way `helm template` does, for the deploy tests: no helm binary is
// packaged for Debian 12, but Go's text/template and sprig (Helm's function library) are. It implements what charts
// here use: .Values (values.yaml deep-merged with override files), .Release, .Chart, sprig's functions, and Helm's
// include, required, tpl, toYaml, fromYaml and toJson. Output: each non-partial template's non-empty rendering after
// "---" and a "# Source:" line, in file-name order (helm orders by kind; the tests compare objects, not order).
//
//	helmrender CHART_DIR [VALUES_OVERRIDE.yaml ...]
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig" // Debian installs sprig v3 at this GOPATH path
	"gopkg.in/yaml.v2"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helmrender CHART_DIR [VALUES_OVERRIDE.yaml ...]")
		os.Exit(2)
	}
	if err := render(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "helmrender:", err)
		os.Exit(1)
	}
}

func render(chart string, overrides []string) error {
	values, err := readYaml(filepath.Join(chart, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range overrides {
		o, err := readYaml(f)
		if err != nil {
			return err
		}
		values = merge(values, o)
	}
	meta, err := readYaml(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		return err
	}
	data := map[string]interface{}{
		"Values":  values,
		"Release": map[string]interface{}{"Name": meta["name"], "Namespace": "default", "Service": "Helm", "IsInstall": true},
		"Chart":   map[string]interface{}{"Name": meta["name"], "Version": meta["version"], "AppVersion": meta["appVersion"]},
		"Files":   chartFiles(chart),
	}
	root := template.New("chart").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["include"] = func(name string, v interface{}) (string, error) {
		var b bytes.Buffer
		err := root.ExecuteTemplate(&b, name, v)
		return b.String(), err
	}
	funcs["tpl"] = func(text string, v interface{}) (string, error) {
		t, err := root.Clone()
		if err == nil {
			t, err = t.New("tpl").Parse(text)
		}
		var b bytes.Buffer
		if err == nil {
			err = t.Execute(&b, v)
		}
		return b.String(), err
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["toYaml"] = func(v interface{}) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m, _ := parseYaml([]byte(s))
		return m
	}
	funcs["fromJsonArray"] = func(s string) []interface{} {
		var a []interface{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return []interface{}{err.Error()} // Helm's fromJsonArray: the error as the only element
		}
		return a
	}
	funcs["toJson"] = func(v interface{}) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	root.Funcs(funcs)
	files, err := filepath.Glob(filepath.Join(chart, "templates", "*"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	name := fmt.Sprint(meta["name"])
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := root.New(name + "/templates/" + filepath.Base(f)).Parse(string(text)); err != nil {
			return err
		}
	}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "_") || !(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) {
			continue
		}
		var b bytes.Buffer
		if err := root.ExecuteTemplate(&b, name+"/templates/"+base, data); err != nil {
			return err
		}
		out := strings.ReplaceAll(b.String(), "<no value>", "")
		if strings.TrimSpace(out) == "" {
			continue
		}
		fmt.Printf("---\n# Source: %s/templates/%s\n%s\n", name, base, strings.TrimSpace(out))
	}
	return nil
}

func readYaml(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := parseYaml(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// parseYaml turns yaml.v2's map[interface{}]interface{} into the map[string]interface{} sprig and toYaml expect.
func parseYaml(b []byte) (map[string]interface{}, error) {
	var v interface{}
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	m, _ := normalize(v).(map[string]interface{})
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalize(x)
		}
		return m
	case []interface{}:
		for i, x := range t {
			t[i] = normalize(x)
		}
	}
	return v
}

// merge deep-merges override into base, as helm does with -f files (maps merge, everything else is replaced).
func merge(base, override map[string]interface{}) map[string]interface{} {
	for k, v := range override {
		if bm, ok := base[k].(map[string]interface{}); ok {
			if om, ok := v.(map[string]interface{}); ok {
				base[k] = merge(bm, om)
				continue
			}
		}
		base[k] = v
	}
	return base
}

// chartFiles is Helm's .Files for what the templates use: Get NAME reads a file of the chart (symbolic links followed,
// as `helm package` does); a missing file reads as "", as in Helm.
type chartFiles string

func (c chartFiles) Get(name string) string {
	b, err := os.ReadFile(filepath.Join(string(c), filepath.Clean("/" + name)))
	if err != nil {
		return ""
	}
	return string(b)
}
