// Package build turns a TechDocs source (mkdocs.yml and its docs_dir) into
// a static site natively, without Python or MkDocs, in the layout
// Backstage's generator produces, so the publishers and the portal serve
// it like a site built by techdocs-cli.
//
// Build reads the configuration with package mkdocs, renders every page
// with package markdown on a bounded pool of workers, and writes:
//
//	<page>/index.html          every page (use_directory_urls, the default;
//	                           <page>.html when it is false); index.md or
//	                           README.md is the page of its folder
//	<assets...>                every other file of docs_dir, at its path
//	assets/callboard/techdocs.css   the site's stylesheet, linked relatively
//	search/search_index.json   MkDocs' search index: {"config":{...},
//	                           "docs":[{"location","title","text"}]}, one
//	                           entry per page and one per heading
//	techdocs_metadata.json     {"site_name","site_description","etag",
//	                           "build_timestamp","files"}
//
// Every page is a complete HTML document that opens from disk: links
// between pages and to the stylesheet are relative. For a portal that
// wraps pages in its own layout, each page has this structure:
//
//	<header class="md-header">       site name, repository link
//	<div class="md-container">
//	  <nav class="md-nav md-nav--primary md-sidebar--primary" aria-label="Site">
//	                                 the site nav: nested ul.md-nav__list;
//	                                 sections are <details> (open around
//	                                 the current page); the current page's
//	                                 link has class md-nav__link--active and
//	                                 aria-current="page"; in a nav of more
//	                                 than 150 entries, sections away from
//	                                 the page are only a link to their first
//	                                 page (li.md-nav__item--pruned)
//	  <main class="md-content">
//	    <article class="md-content__inner md-typeset">
//	                                 the edit link (a.md-content__button,
//	                                 rel="edit"), the page body (sanitised),
//	                                 last-updated time
//	                                 (aside.md-source-file > time[datetime])
//	    <nav class="md-footer">      previous/next links (rel="prev"/"next")
//	  <nav class="md-nav md-nav--secondary md-sidebar--secondary"
//	       aria-label="On this page">  the page's table of contents
//
// The nav comes from mkdocs.yml or, without a nav, from the folder
// structure as MkDocs builds it (index first, then files, then folders,
// each alphabetically). The last-updated time is the time of the last
// commit that touched the page, when the source is inside a git work tree
// and git is installed. A missing nav target, a bad mkdocs.yml, a
// docs_dir or snippet leaving the source directory stop the build with an
// error naming the file and line; broken links and failed diagrams are
// warnings.
package build
