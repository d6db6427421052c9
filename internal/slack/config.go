package slack

import (
	"fmt"
	"net/url"

	"github.com/callboard/callboard/internal/config"
)

// Config is scaffolder.slack.
type Config struct {
	// WebhookURL is the incoming webhook approval requests are posted to.
	// It is a credential: it is never logged.
	WebhookURL string `config:"webhookUrl"`
	// SigningSecret is the Slack app's signing secret, which signs the
	// interactions (button presses) Slack sends back.
	SigningSecret string `config:"signingSecret"`
}

// FromConfig reads scaffolder.slack; nil when the section is absent or
// sets nothing.
func FromConfig(cfg *config.Config) (*Config, error) {
	var c Config
	if err := cfg.Decode("scaffolder.slack", &c); err != nil {
		return nil, err
	}
	if c == (Config{}) {
		return nil, nil
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// check refuses a webhook URL that cannot work.
func (c *Config) check() error {
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			// The URL itself is a credential, so it is not quoted.
			return fmt.Errorf("scaffolder.slack.webhookUrl: not an http(s) URL")
		}
	}
	return nil
}
