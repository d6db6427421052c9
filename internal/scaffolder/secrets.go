package scaffolder

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// sealer encrypts task secrets with AES-256-GCM. A sealed value is
// "v1:" followed by base64 of nonce and ciphertext; the task id is the
// additional data, so sealed secrets cannot be moved to another task.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives a 256-bit key from key material with SHA-256.
func newSealer(material string) (*sealer, error) {
	if material == "" {
		return nil, errors.New("empty secrets key")
	}
	key := sha256.Sum256([]byte(material))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

const sealPrefix = "v1:"

// seal encrypts secrets for a task; "" for no secrets.
func (s *sealer) seal(taskID string, secrets map[string]string) (string, error) {
	if len(secrets) == 0 {
		return "", nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(taskID))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open decrypts what seal wrote; "" gives no secrets.
func (s *sealer) open(taskID, sealed string) (map[string]string, error) {
	if sealed == "" {
		return map[string]string{}, nil
	}
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, errors.New("unknown sealed secrets format")
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errors.New("sealed secrets are corrupt")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(taskID))
	if err != nil {
		return nil, errors.New("sealed secrets do not open with this key (was scaffolder.secretsKey changed?)")
	}
	out := map[string]string{}
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("sealed secrets: %w", err)
	}
	return out, nil
}

// secretsSealer returns the sealer, making it on first use from
// scaffolder.secretsKey or from the key kept in the store.
func (e *Engine) secretsSealer(ctx context.Context) (*sealer, error) {
	e.sealerMu.Lock()
	defer e.sealerMu.Unlock()
	if e.sealer != nil {
		return e.sealer, nil
	}
	material := e.cfg.SecretsKey
	if material == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		k, err := e.store.SecretsKey(ctx, base64.RawStdEncoding.EncodeToString(b), e.now())
		if err != nil {
			return nil, err
		}
		material = k
	}
	s, err := newSealer(material)
	if err != nil {
		return nil, fmt.Errorf("scaffolder secrets key: %w", err)
	}
	e.sealer, e.sealerKey = s, material
	return s, nil
}
