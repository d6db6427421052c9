package app

import (
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/scaffolder/actions/external"
	"github.com/callboard/callboard/plugin"
)

// externalActions builds the actions declared in scaffolder.externalActions
// (HTTP endpoints and executables); none when the key is absent. Type
// mistakes name the file and line; missing or conflicting fields name
// scaffolder.externalActions[i].field.
func externalActions(cfg *config.Config) ([]plugin.Action, error) {
	var cfgs []external.Config
	if err := cfg.Decode(external.ConfigKey, &cfgs); err != nil {
		return nil, err
	}
	return external.New(cfgs)
}
