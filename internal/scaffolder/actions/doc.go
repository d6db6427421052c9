// Package actions holds the scaffolder's built-in actions with Backstage's
// ids, inputs and outputs: fetch:plain, fetch:plain:file, fetch:template,
// fetch:template:file, workspace:template, workspace:template:file,
// fs:delete, fs:rename, fs:readdir, debug:log, debug:wait,
// catalog:register, catalog:write and catalog:fetch.
//
// Every path an action writes is confined to the task's workspace: input
// paths are checked lexically first, so a bad path fails with an error
// naming the input, and every write then goes through an os.Root, so a
// symbolic link cannot lead outside either. Templates read from disk are
// confined to the template's directory the same way.
//
// Builtin returns them all; the app passes the reader for remote
// templates, the catalog adapters and the Backstage template filters in
// Deps.
package actions
