package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// dryRun is POST /v2/dry-run: the template runs in a temporary workspace
// seeded with directoryContents as the template's directory; actions that
// cannot dry-run are skipped. The answer carries the log, the workspace's
// files, the output and the steps.
func (s *server) dryRun(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body struct {
		Template          json.RawMessage   `json:"template"`
		Values            map[string]any    `json:"values"`
		Secrets           map[string]string `json:"secrets"`
		DirectoryContents []struct {
			Path          string `json:"path"`
			Base64Content string `json:"base64Content"`
			Executable    bool   `json:"executable"`
		} `json:"directoryContents"`
	}
	if err := decodeBody(b, members, &body, false, "template", "values", "directoryContents"); err != nil {
		return err
	}
	if err := s.require(r, permission.ScaffolderTemplateDryRun, "dry-run"); err != nil {
		return err
	}
	if err := s.require(r, permission.ScaffolderTaskCreate, "dry-run"); err != nil {
		return err
	}
	// A dry run writes nothing that lasts, but it runs actions: it is
	// recorded like a write.
	note(r).write(permission.ScaffolderTemplateDryRun, templateRefOf(body.Template))
	req := scaffolder.DryRunRequest{Template: body.Template, Values: body.Values, Secrets: body.Secrets}
	for _, f := range body.DirectoryContents {
		content, err := base64.StdEncoding.DecodeString(f.Base64Content)
		if err != nil {
			return problem.Input("Malformed request: directoryContents %q is not base64", f.Path)
		}
		req.DirectoryContents = append(req.DirectoryContents, scaffolder.File{Path: f.Path, Content: content, Executable: f.Executable})
	}
	req.UserRef, _ = caller(r.Context())
	res, err := s.scaffolder.DryRun(r.Context(), req)
	if err != nil {
		if res != nil {
			// A step failed: the caller sees why, whatever its class.
			if _, ok := problem.As(err); !ok {
				return problem.Input("%s", err.Error())
			}
		}
		var ve *scaffolder.ValuesError
		if errors.As(err, &ve) {
			return scaffolderError(w, err)
		}
		return err
	}
	type logEntry struct {
		Body scaffolder.EventBody `json:"body"`
	}
	type file struct {
		Path          string `json:"path"`
		Executable    bool   `json:"executable"`
		Base64Content string `json:"base64Content"`
	}
	out := struct {
		Log               []logEntry        `json:"log"`
		DirectoryContents []file            `json:"directoryContents"`
		Output            map[string]any    `json:"output"`
		Steps             []scaffolder.Step `json:"steps"`
	}{Log: []logEntry{}, DirectoryContents: []file{}, Output: res.Output, Steps: res.Steps}
	for _, l := range res.Log {
		out.Log = append(out.Log, logEntry{Body: l})
	}
	for _, f := range res.DirectoryContents {
		out.DirectoryContents = append(out.DirectoryContents, file{Path: f.Path, Executable: f.Executable, Base64Content: base64.StdEncoding.EncodeToString(f.Content)})
	}
	if out.Output == nil {
		out.Output = map[string]any{}
	}
	if out.Steps == nil {
		out.Steps = []scaffolder.Step{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// templateRefOf names a template entity sent in a body, for the audit
// log: template:<namespace>/<name> as far as it says.
func templateRefOf(raw json.RawMessage) string {
	var e struct {
		Metadata struct{ Name, Namespace string }
	}
	_ = json.Unmarshal(raw, &e)
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	return "template:" + ns + "/" + e.Metadata.Name
}
