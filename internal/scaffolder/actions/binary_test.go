package actions

import (
	"strings"
	"testing"
)

func TestIsBinary(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"empty", "", false},
		{"ascii", "hello ${{ values.name }}\n", false},
		{"utf-8", "naïve café — ✓\n", false},
		{"bom", "\xEF\xBB\xBFtext", false},
		{"png", png, true},
		{"nul", "text\x00more", true},
		{"latin-1", "caf\xe9 au lait", true},
		{"control characters", strings.Repeat("\x01\x02\x03a", 10), true},
		{"a few escapes", "\x1b[31mred\x1b[0m plain text here", false},
		{"rune cut by the window", strings.Repeat("a", sniffLen-1) + "é" + "tail", false},
		{"nul after the window", strings.Repeat("a", sniffLen) + "\x00", false},
	}
	for _, tt := range tests {
		if got := isBinary([]byte(tt.data)); got != tt.want {
			t.Errorf("%s: isBinary = %v, want %v", tt.name, got, tt.want)
		}
	}
}
