package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultFiles lists the configuration files Backstage reads from dir when
// no --config is given, in increasing priority: app-config.yaml, then
// app-config.<env>.yaml for each env of backstageEnv (a comma-separated
// list, as in BACKSTAGE_ENV), then app-config.local.yaml, then
// app-config.<env>.local.yaml. Only files that exist are listed.
func DefaultFiles(dir, backstageEnv string) ([]string, error) {
	var envs []string
	for e := range strings.SplitSeq(backstageEnv, ",") {
		if e = strings.TrimSpace(e); e != "" {
			envs = append(envs, e)
		}
	}
	names := []string{"app-config.yaml"}
	for _, e := range envs {
		names = append(names, "app-config."+e+".yaml")
	}
	names = append(names, "app-config.local.yaml")
	for _, e := range envs {
		names = append(names, "app-config."+e+".local.yaml")
	}
	var files []string
	for _, name := range names {
		p := filepath.Join(dir, name)
		_, err := os.Stat(p)
		switch {
		case err == nil:
			files = append(files, p)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("find config files: %w", err)
		}
	}
	return files, nil
}
