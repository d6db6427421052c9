package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// DefaultPort is the port Callboard listens on when backend.listen does
// not say, as Backstage's backend does.
const DefaultPort = 7007

// Backend is the backend section.
type Backend struct {
	// Listen is where the HTTP server listens (backend.listen): "host:port",
	// ":port", a port, or {host, port}. Default: port 7007 on every
	// interface.
	Listen Listen `config:"listen"`
	// BaseURL is the URL Callboard is reached at (backend.baseUrl).
	// Default: http://localhost:7007.
	BaseURL string `config:"baseUrl"`
	// Database is backend.database; (*Config).Database turns it into a
	// dialect and a DSN.
	Database Database `config:"database"`
	// Reading is backend.reading: the hosts URL locations may be read from.
	// A top-level reading section is accepted as an alias; its rules are
	// appended to these.
	Reading Reading `config:"reading"`
	// MemoryLimit is backend.memoryLimit, a Callboard extension: the Go
	// runtime's soft memory limit (debug.SetMemoryLimit), which makes the
	// garbage collector run sooner as the server's heap nears it. 0 (the
	// default) picks one from the container's memory limit, if any; the
	// GOMEMLIMIT environment variable overrides both.
	MemoryLimit ByteSize `config:"memoryLimit"`
}

func (b *Backend) checkConfig() error {
	u, err := url.Parse(b.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &memberError{key: "baseUrl", msg: fmt.Sprintf("expected an absolute http or https URL, got %q", b.BaseURL)}
	}
	return nil
}

// Listen is a listen address.
type Listen struct {
	// Host is empty for every interface.
	Host string
	Port int
}

func (l *Listen) decodeConfig(d *decoder, n *node, path string) {
	const want = `an address such as ":7007", "127.0.0.1:7007" or {host, port}`
	switch n.kind {
	case kindNumber:
		port, ok := intOf(n)
		if !ok {
			d.typeError(n, path, "a port number")
			return
		}
		*l = Listen{Port: int(port)}
	case kindString:
		host, port, err := splitListen(n.text)
		if err != nil {
			d.typeError(n, path, want)
			return
		}
		*l = Listen{Host: host, Port: port}
	case kindObject:
		obj := struct {
			Host string `config:"host"`
			Port int    `config:"port"`
		}{Port: DefaultPort}
		before := len(d.errs)
		d.decodeStruct(n, path, reflectValue(&obj))
		if len(d.errs) > before {
			return
		}
		*l = Listen{Host: obj.Host, Port: obj.Port}
	default:
		d.typeError(n, path, want)
		return
	}
	if l.Port < 0 || l.Port > 65535 {
		d.fail(n, path, "port %d is out of range 0-65535", l.Port)
	}
}

// splitListen parses "port", ":port", "host:port" and "[v6]:port".
func splitListen(s string) (string, int, error) {
	s = strings.TrimSpace(s)
	if p, err := strconv.Atoi(s); err == nil {
		return "", p, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", 0, err
	}
	return host, p, nil
}

// ListenAddr returns the address to listen on, in net.Listen's form.
func (c *Config) ListenAddr() string {
	return net.JoinHostPort(c.Backend.Listen.Host, strconv.Itoa(c.Backend.Listen.Port))
}
