package audit

import (
	"fmt"
	"net/url"
)

// ConfigDecoder decodes the configuration value at a dotted key path into
// v, leaving v unchanged when the key is absent; *config.Config does.
type ConfigDecoder interface {
	Decode(path string, v any) error
}

// Config is the audit section of app-config.yaml.
type Config struct {
	// ClientIPHeader names the header a trusted reverse proxy puts the
	// client's address in (X-Forwarded-For); without it the connection's
	// address is recorded.
	ClientIPHeader string `config:"clientIpHeader"`
	// Sinks receive a copy of every event.
	Sinks []SinkConfig `config:"sinks"`
}

// SinkConfig is one audit.sinks entry.
type SinkConfig struct {
	// Type is stdout or webhook.
	Type string `config:"type"`
	// URL is the webhook's http or https address.
	URL string `config:"url"`
	// Headers are sent with every webhook request (an Authorization
	// header, say); their values are never logged.
	Headers map[string]string `config:"headers"`
	// Secret, when set, signs each webhook body: X-Callboard-Signature
	// is "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>" with
	// the X-Callboard-Timestamp header's value as timestamp.
	Secret string `config:"secret"`
	// QueueSize bounds the events waiting for the sink (default 1000);
	// when it is full new events are dropped for that sink, never
	// waited for.
	QueueSize int `config:"queueSize"`
	// MaxAttempts bounds the deliveries of one event to a webhook
	// (default 5), with exponential backoff between them.
	MaxAttempts int `config:"maxAttempts"`
}

// Sink defaults and bounds.
const (
	defaultQueueSize   = 1000
	maxQueueSize       = 100000
	defaultMaxAttempts = 5
)

// LoadConfig reads and checks the audit section.
func LoadConfig(dec ConfigDecoder) (Config, error) {
	var c Config
	if err := dec.Decode("audit", &c); err != nil {
		return Config{}, err
	}
	for i := range c.Sinks {
		s := &c.Sinks[i]
		where := fmt.Sprintf("audit.sinks[%d]", i)
		switch s.Type {
		case "stdout":
		case "webhook":
			u, err := url.Parse(s.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return Config{}, fmt.Errorf("%s.url: expected an http or https URL", where)
			}
		default:
			return Config{}, fmt.Errorf("%s.type: expected stdout or webhook, got %q", where, s.Type)
		}
		switch {
		case s.QueueSize == 0:
			s.QueueSize = defaultQueueSize
		case s.QueueSize < 0 || s.QueueSize > maxQueueSize:
			return Config{}, fmt.Errorf("%s.queueSize: must be between 1 and %d", where, maxQueueSize)
		}
		switch {
		case s.MaxAttempts == 0:
			s.MaxAttempts = defaultMaxAttempts
		case s.MaxAttempts < 0:
			return Config{}, fmt.Errorf("%s.maxAttempts: must be positive", where)
		}
	}
	return c, nil
}
