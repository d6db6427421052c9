package auth

// Profile is what a provider tells about the person signing in, in
// Backstage's ClientAuthResponse shape.
type Profile struct {
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Picture     string `json:"picture,omitempty"`
}
