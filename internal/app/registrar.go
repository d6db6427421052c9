package app

import (
	"log/slog"

	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/plugin"
)

// registry collects what plugins contribute.
type registry struct {
	processors []plugin.Processor
	providers  []plugin.EntityProvider
	starters   []plugin.Starter
	cards      []plugin.EntityCard
	tabs       []plugin.EntityTab
	actions    []plugin.Action
}

// registrar is the plugin.Registrar one plugin sees.
type registrar struct {
	id  string
	log *slog.Logger
	cfg *config.Config
	reg *registry
}

var _ plugin.Registrar = (*registrar)(nil)

func (r *registrar) Logger() *slog.Logger { return r.log }

func (r *registrar) DecodeConfig(v any) error {
	if r.cfg == nil {
		return nil
	}
	return r.cfg.Decode("plugins."+r.id, v)
}

func (r *registrar) AddEntityProvider(p plugin.EntityProvider) {
	r.reg.providers = append(r.reg.providers, p)
}

func (r *registrar) AddProcessor(p plugin.Processor) {
	r.reg.processors = append(r.reg.processors, p)
}

func (r *registrar) AddEntityCard(c plugin.EntityCard) {
	r.reg.cards = append(r.reg.cards, c)
}

func (r *registrar) AddEntityTab(t plugin.EntityTab) {
	r.reg.tabs = append(r.reg.tabs, t)
}

func (r *registrar) AddAction(a plugin.Action) {
	r.reg.actions = append(r.reg.actions, a)
}

// register runs each plugin's Register with its own registrar.
func (reg *registry) register(cfg *config.Config, log *slog.Logger, plugins []plugin.Plugin) error {
	for _, p := range plugins {
		r := &registrar{id: p.ID(), log: log.With("plugin", p.ID()), cfg: cfg, reg: reg}
		if err := p.Register(r); err != nil {
			return &pluginError{id: p.ID(), err: err}
		}
		if s, ok := p.(plugin.Starter); ok {
			reg.starters = append(reg.starters, s)
		}
	}
	return nil
}

type pluginError struct {
	id  string
	err error
}

func (e *pluginError) Error() string { return "plugin " + e.id + ": " + e.err.Error() }
func (e *pluginError) Unwrap() error { return e.err }
