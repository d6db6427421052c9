package external

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testSecret = "hmac-secret-for-tests"

// server serves h and returns an http action POSTing to it.
func server(t *testing.T, c Config, h http.HandlerFunc) *action {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c.Type = TypeHTTP
	c.URL = srv.URL + "/run?key=in-query"
	c.Secret = testSecret
	return build(t, c).(*action)
}

func TestHTTPSuccess(t *testing.T) {
	var seen atomic.Bool
	a := server(t, Config{Headers: map[string]string{"X-Team": "platform"}}, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(true)
		body, _ := io.ReadAll(r.Body)
		got := map[string]string{
			"method": r.Method, "path": r.URL.Path,
			"content-type": r.Header.Get("Content-Type"), "x-team": r.Header.Get("X-Team"),
		}
		want := map[string]string{"method": "POST", "path": "/run", "content-type": "application/json", "x-team": "platform"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("request (-want +got):\n%s", d)
		}
		ts := r.Header.Get("X-Callboard-Timestamp")
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
			t.Errorf("X-Callboard-Timestamp = %q, want the current Unix time in seconds", ts)
		}
		mac := hmac.New(sha256.New, []byte(testSecret))
		io.WriteString(mac, ts+"."+string(body))
		if got, want := r.Header.Get("X-Callboard-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
			t.Errorf("X-Callboard-Signature = %q, want %q", got, want)
		}
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		wantReq := map[string]any{
			"input":  map[string]any{"name": "orders-db", "size": float64(3)},
			"taskId": "task-1", "stepId": "db", "templateRef": "template:default/provision",
			"user": "user:default/ada", "dryRun": false,
		}
		if d := cmp.Diff(wantReq, req); d != "" {
			t.Errorf("body (-want +got):\n%s", d)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"dbUrl": "postgres://db.internal/orders", "ready": true, "size": 3}`)
	})
	s := newStep(t)
	if err := a.Run(context.Background(), s.ac); err != nil {
		t.Fatal(err)
	}
	if !seen.Load() {
		t.Fatal("the endpoint was not called")
	}
	want := map[string]any{"dbUrl": "postgres://db.internal/orders", "ready": true, "size": float64(3)}
	if d := cmp.Diff(want, s.outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
}

func TestHTTPDryRunAndEmptyAnswer(t *testing.T) {
	a := server(t, Config{SupportsDryRun: true}, func(w http.ResponseWriter, r *http.Request) {
		var req struct{ DryRun bool }
		json.NewDecoder(r.Body).Decode(&req)
		if !req.DryRun {
			t.Error("dryRun = false in a dry run")
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s := newStep(t)
	s.ac.DryRun = true
	if err := a.Run(context.Background(), s.ac); err != nil {
		t.Fatal(err)
	}
	if len(s.outputs) != 0 {
		t.Errorf("outputs = %v, want none", s.outputs)
	}
}

func TestHTTPTimeout(t *testing.T) {
	a := server(t, Config{Timeout: 200 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
		<-r.Context().Done()
	})
	start := time.Now()
	wantErr(t, a, newStep(t), "acme:db:provision: timed out after 200ms")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v after a 200ms timeout", d)
	}
}

func TestHTTPTimeoutWhileReadingBody(t *testing.T) {
	a := server(t, Config{Timeout: 200 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"partial": `)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	wantErr(t, a, newStep(t), "timed out after 200ms")
}

func TestHTTPStatusError(t *testing.T) {
	a := server(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "boom: database exploded, token s3cr3t-token-value, key "+testSecret)
	})
	err := wantErr(t, a, newStep(t), "acme:db:provision: POST http://", "/run: 500 Internal Server Error:", `boom: database exploded, token ***, key ***`)
	for _, leak := range []string{testSecret, "in-query"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q shows %q", err, leak)
		}
	}
}

func TestHTTPRedirectNotFollowed(t *testing.T) {
	a := server(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			t.Error("the redirect was followed")
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	wantErr(t, a, newStep(t), "307 Temporary Redirect")
}

func TestHTTPInvalidJSON(t *testing.T) {
	a := server(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"dbUrl": "x", oops}`)
	})
	s := newStep(t)
	wantErr(t, a, s, "output is not valid JSON: invalid character 'o' looking for beginning of object key string at byte 16")
	if len(s.outputs) != 0 {
		t.Errorf("outputs = %v after an error, want none", s.outputs)
	}
}

func TestHTTPOutputSchema(t *testing.T) {
	a := server(t, Config{Output: map[string]any{
		"type": "object", "properties": map[string]any{"dbUrl": map[string]any{"type": "string"}},
	}}, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"dbUrl": 42, "other": true}`)
	})
	s := newStep(t)
	wantErr(t, a, s, "output does not match its schema: output.dbUrl: got number, want string")
	if len(s.outputs) != 0 {
		t.Errorf("outputs = %v after an error, want none", s.outputs)
	}
}

func TestHTTPHugeBody(t *testing.T) {
	const total = 50 << 20
	var written atomic.Int64
	done := make(chan struct{})
	a := server(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = ' '
		}
		for written.Load() < total {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	wantErr(t, a, newStep(t), "response larger than 1048576 bytes")
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("reading the response allocated %d bytes; want it to stop near the 1 MiB limit", alloc)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server was still writing 10s after the action gave up")
	}
	t.Logf("the server wrote %d bytes; reading allocated %d", written.Load(), after.TotalAlloc-before.TotalAlloc)
	if n := written.Load(); n >= total {
		t.Errorf("the server wrote all %d bytes; want the action to stop reading at the limit", n)
	}
}

func TestHTTPCancelled(t *testing.T) {
	started := make(chan struct{})
	a := server(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		close(started)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	err := a.Run(ctx, newStep(t).ac)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}
}

func TestSign(t *testing.T) {
	// Computed with: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
	want := "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
	if got := Sign([]byte("key"), "1700000000", []byte("{}")); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}
