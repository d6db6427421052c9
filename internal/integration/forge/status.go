package forge

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/callboard/callboard/internal/problem"
)

// StatusError turns a forge's unsuccessful answer into the error a reader
// returns, in Backstage's words: "<url> could not be read as <api url>,
// <status>". 404 is a NotFoundError; anything else (401, 403, 5xx ...) is
// a plain error, so the catalog keeps what it read last.
func StatusError(userURL, apiURL string, resp *Response) error {
	if resp.StatusCode == http.StatusNotFound {
		return problem.NotFound("%s could not be read as %s, %s", userURL, apiURL, resp.Status)
	}
	return fmt.Errorf("%s could not be read as %s, %s", userURL, apiURL, resp.Status)
}

// DecodeJSON decodes a successful JSON answer into v.
func DecodeJSON(userURL, apiURL string, resp *Response, v any) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return StatusError(userURL, apiURL, resp)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("%s could not be read as %s, invalid JSON answer: %w", userURL, apiURL, err)
	}
	return nil
}
