// Package mkdocs reads a TechDocs site's MkDocs configuration (mkdocs.yml
// or mkdocs.yaml) the way Backstage's TechDocs generator prepares it before
// it runs MkDocs, so that Callboard's native builder sees the same site.
//
// Load finds the file (mkdocs.yaml wins over mkdocs.yml, with a warning
// when both exist), follows INHERIT chains (maps merged deeply, everything
// else replaced, as MkDocs does) and then sanitises the result as TechDocs
// does:
//
//   - top-level keys outside TechDocs' allow-list are removed with a
//     warning (Options.AdditionalKeys extends the list);
//   - plugins outside techdocs-core, search, material/search, redirects,
//     group and material/group are removed with a warning
//     (Options.AdditionalPlugins extends the list), and techdocs-core is
//     always added;
//   - docs_dir must be a relative path that stays inside the source
//     directory;
//   - the pymdownx.snippets extension is restricted: base paths that leave
//     the source directory are dropped, url_download is turned off and
//     restrict_base_path is forced on;
//   - the !ENV tag yields only its default (the last item of a list of two
//     or more), never a value from the builder's environment, so a docs
//     source cannot read the server's secrets.
//
// Without a configuration file the default TechDocs writes is used:
// site_name from Options.SiteName (or "Documentation Site"), docs_dir
// "docs" and the techdocs-core plugin.
//
// Errors and warnings name the file and line they come from.
package mkdocs
