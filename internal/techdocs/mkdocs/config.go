package mkdocs

import "fmt"

// Config is a sanitised MkDocs configuration.
type Config struct {
	// File is the configuration file read, relative to the source
	// directory; empty when there was none and the default was used.
	File string

	SiteName        string
	SiteURL         string
	SiteDescription string
	SiteAuthor      string
	Copyright       string
	RepoURL         string
	RepoName        string
	// EditURI is the path (relative to RepoURL) or URL that page paths are
	// appended to for the "edit this page" link; it ends with "/" unless
	// it holds a query or fragment.
	EditURI         string
	EditURITemplate string
	// DocsDir is slash-separated, cleaned and relative to the source
	// directory.
	DocsDir          string
	UseDirectoryURLs bool
	// Nav is nil when the configuration has no nav: the builder then
	// builds it from the folder structure.
	Nav []NavItem
	// NavLine is the line of the nav key, for errors about the nav as a
	// whole.
	NavLine            int
	Theme              map[string]any
	Plugins            []Plugin
	MarkdownExtensions []Extension
	Extra              map[string]any
	ExtraCSS           []string
	// Lines maps each top-level key to where it was defined ("file:line"),
	// for messages that concern a key after decoding.
	Lines map[string]string
}

// NavItem is one entry of the nav: a page (Path set), a link (URL set) or
// a section (Children set).
type NavItem struct {
	// Title is the title given in the nav; empty for "- page.md" entries,
	// whose title comes from the page.
	Title string
	// Path is the page's source, slash-separated and relative to docs_dir.
	Path     string
	URL      string
	Children []NavItem
	// Section is true for sections, even empty ones.
	Section bool
	// At is where the entry is written ("mkdocs.yml:12").
	At string
}

// Plugin is one entry of plugins.
type Plugin struct {
	Name    string
	Options map[string]any
}

// Extension is one entry of markdown_extensions.
type Extension struct {
	Name    string
	Options map[string]any
	// At is where the entry is written ("mkdocs.yml:12").
	At string
}

// Extension returns the markdown extension called name, if configured.
func (c *Config) Extension(name string) (Extension, bool) {
	for _, e := range c.MarkdownExtensions {
		if e.Name == name {
			return e, true
		}
	}
	return Extension{}, false
}

// Plugin returns the plugin called name, if configured.
func (c *Config) Plugin(name string) (Plugin, bool) {
	for _, p := range c.Plugins {
		if p.Name == name {
			return p, true
		}
	}
	return Plugin{}, false
}

// Warning is a problem that does not stop the build.
type Warning struct {
	File    string
	Line    int
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Message)
	}
	return w.File + ": " + w.Message
}

// Options adjusts loading as TechDocs' generator configuration does.
type Options struct {
	// SiteName is the site_name of the default configuration used when the
	// source has no mkdocs.yml; "Documentation Site" when empty.
	SiteName string
	// AdditionalKeys are top-level keys allowed besides TechDocs' list
	// (techdocs.generator.mkdocs.dangerouslyAllowAdditionalKeys).
	AdditionalKeys []string
	// AdditionalPlugins are plugins allowed besides TechDocs' list
	// (techdocs.generator.mkdocs.dangerouslyAllowAdditionalPlugins).
	AdditionalPlugins []string
	// RepoURL and EditURI are set when the configuration has no repo_url
	// or edit_uri of its own, as TechDocs does from the entity's source
	// location.
	RepoURL, EditURI string
}

// DefaultSiteName is the site_name TechDocs writes when it knows no better.
const DefaultSiteName = "Documentation Site"
