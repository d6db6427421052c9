package actions

import (
	"bytes"
	"unicode/utf8"
)

// sniffLen is how much of a file isBinary looks at.
const sniffLen = 8000

// isBinary reports whether data looks like a binary file rather than
// text, from its first bytes as Backstage's content sniffing does: a NUL
// byte, bytes that are not UTF-8, or more than a tenth of control
// characters mean binary. A UTF-8 byte order mark means text.
func isBinary(data []byte) bool {
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		return false
	}
	head := data
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	control := 0
	for i := 0; i < len(head); {
		c := head[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\b' && c != 0x1b || c == 0x7f {
				control++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size <= 1 {
			// A rune cut off by the sniffing window is not evidence.
			if len(data) > sniffLen && i+utf8.UTFMax > len(head) {
				break
			}
			return true
		}
		i += size
	}
	return control*10 > len(head)
}
